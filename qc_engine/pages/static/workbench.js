// Keyboard shortcuts of the review workbench: the fast path through a conversation's findings.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll(".finding[data-key]"));
  var current = -1;

  function select(i) {
    if (!cards.length) { return; }
    current = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach(function (c, n) { c.classList.toggle("current", n === current); });
    cards[current].scrollIntoView({block: "center"});
    cards[current].focus({preventScroll: true});
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); }
  }

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function start() {
    var wanted = location.hash.indexOf("#f-") === 0 ? location.hash.slice(3) : document.querySelector(".workbench") &&
      document.querySelector(".workbench").getAttribute("data-first-open");
    var i = cards.findIndex(function (c) { return c.getAttribute("data-key") === wanted; });
    if (i >= 0) { select(i); } else if (cards.length) { current = -1; }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (typing(e.target)) {
      if (e.key === "Escape") { e.target.blur(); }
      return;
    }
    var card = cards[current];
    switch (e.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "c": if (card) { card.querySelector("[data-act=confirm]").click(); } break;
      case "o": if (card) { card.querySelector("form.overturn input[name=reason]").focus(); } break;
      case "a":
        var select_ = document.getElementById("add-message");
        var msg = card && card.closest("li.msg");
        if (select_) { if (msg) { select_.value = msg.getAttribute("data-index"); } select_.focus(); }
        break;
      case "d": press("[data-act=done]"); break;
      case "n": press("a[data-nav=next]"); break;
      case "p": press("a[data-nav=prev]"); break;
      default: return;
    }
    e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a.add-here");
    if (!link) { return; }
    var select_ = document.getElementById("add-message");
    if (!select_) { return; }
    e.preventDefault();
    select_.value = link.getAttribute("data-index");
    select_.scrollIntoView({block: "center"});
    var note = document.querySelector("#add textarea[name=note]");
    if (note) { note.focus(); }
  });

  start();
})();
