"""Read the built-in rules on real chats: every forbidden-phrase and privacy flag on three public corpora.

    python benchmarks/corpus_flags.py                                   # print every flag and the flagged share
    python benchmarks/corpus_flags.py --labels ~/corpus_labels.json     # also compare with labels read by hand
    python benchmarks/corpus_flags.py --labels L.json --save            # add today's new flags to L (unlabelled)

The corpora are research-only material (JDDC 2019 sample, ECD Taobao sample, the first 1,000 STC-3
Weibo helpdesk dialogues): they are read where they lie (``--corpora``, default ``$QC_CORPORA`` or
/work/shared/corpora) and never copied into the repository; neither is the labels file, which quotes them.
Each corpus is converted to the normalized JSON Lines in a temporary folder and audited by ``qc audit``
with the default rules, as a user would; the flags are read back from the store's ``findings``.

The labels file (JSON) says, for each flag read by hand, whether it is right, and lists the clear misses
(agent messages that should have been flagged)::

    {"flags":  {"jddc|<conversation>|<message index>|FP02": {"verdict": true, "text": "...", "baseline": true}},
     "misses": {"ecd|<conversation>|<message index>": {"category": "forbidden_phrase", "rule": "FP02", "text": "..."}}}

``verdict`` is true (a real violation), false (a false flag) or null (not read yet). ``baseline`` marks the
flags of the day the labels were first taken: the figures compare with those (false flags still raised,
true flags kept, misses caught).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

CATEGORIES = ("forbidden_phrase", "privacy_leak")
START = datetime(2026, 11, 20, 10, 0, 0)
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) +(?=[\x00-\x7f])|(?<=[\x00-\x7f]) +(?=[^\x00-\x7f])")


def _conversation(corpus: str, cid: str, turns: list[tuple[str, str]]) -> dict:
    """A normalized conversation; messages ten seconds apart (the corpora have no times)."""
    messages = []
    for i, (role, text) in enumerate(turns):
        ts = (START + timedelta(seconds=10 * i)).isoformat() + "+08:00"
        messages.append({"ts": ts, "role": role, "sender": "shop:agent" if role == "agent" else "buyer", "text": text})
    return {"conversation_id": f"{corpus}:{cid}", "shop": corpus, "platform": corpus, "customer": "buyer",
            "messages": messages}


def jddc(root: Path):
    """JDDC 2019 sample: session, customer, sender (0 customer / 1 agent), ..., content; sessions in order."""
    sessions: dict[str, list[tuple[str, str]]] = {}
    with open(root / "jddc2019_sample" / "chat_0.1per.txt", encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 7:
                continue
            sessions.setdefault(cols[0], []).append(("agent" if cols[2] == "1" else "customer", cols[6]))
    for sid, turns in sessions.items():
        yield _conversation("jddc", sid, turns)


def _desegment(text: str) -> str:
    """ECD text is cut into words with spaces; agents type without them (latin words keep theirs)."""
    return _CJK_SPACE.sub("", text.strip())


def ecd(root: Path):
    """ECD Taobao sample: label, utterances..., response; the label-1 rows are the real dialogues.

    Turns alternate from the customer; the response (the positive candidate) is the agent's next turn.
    """
    seen = set()
    for name in ("test.tsv", "train.tsv"):
        with open(root / "ecd_taobao_sample" / name, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                cols = line.rstrip("\n").split("\t")
                if cols[0] != "1":
                    continue
                utterances = [_desegment(c) for c in cols[1:]]
                key = tuple(utterances)
                if key in seen:
                    continue
                seen.add(key)
                turns = [("customer" if i % 2 == 0 else "agent", u) for i, u in enumerate(utterances)]
                yield _conversation("ecd", f"{name[:-4]}{number}", turns)


def stc3(root: Path, limit: int = 1000):
    """STC-3 Weibo helpdesk dialogues (the first ``limit``): turns of utterances, customer or helpdesk."""
    data = json.loads((root / "stc3_weibo_helpdesk_cn" / "train_data_cn.first1000.json").read_text(encoding="utf-8"))
    for dialogue in data[:limit]:
        turns = [("agent" if t["sender"] == "helpdesk" else "customer", u)
                 for t in dialogue["turns"] for u in t["utterances"] if u.strip()]
        if turns:
            yield _conversation("stc3", dialogue["id"], turns)


CORPORA = {"jddc": jddc, "ecd": ecd, "stc3": stc3}


def _qc() -> list[str]:
    here = Path(sys.executable).parent / "qc"
    return [str(here)] if here.exists() else [shutil.which("qc") or "qc"]


def audit(root: Path, names: list[str], workdir: Path, workers: int) -> tuple[dict, dict]:
    """Convert and audit each corpus: ({corpus: agent message texts by (conversation, index)}, flags)."""
    texts: dict[str, dict[tuple[str, int], str]] = {}
    flags: dict[str, dict[str, dict]] = {}
    for name in names:
        path = workdir / f"{name}.jsonl"
        agent: dict[tuple[str, int], str] = {}
        with open(path, "w", encoding="utf-8") as out:
            for conv in CORPORA[name](root):
                out.write(json.dumps(conv, ensure_ascii=False) + "\n")
                for i, m in enumerate(conv["messages"]):
                    if m["role"] == "agent" and m["text"]:
                        agent[(conv["conversation_id"], i)] = m["text"]
        texts[name] = agent
        db = workdir / f"{name}.db"
        run = subprocess.run([*_qc(), "audit", str(path), "--db", str(db), "--workers", str(workers), "-q"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"qc audit failed on {name}: {run.stderr.strip() or run.stdout.strip()}")
        con = sqlite3.connect(db)
        found: dict[str, dict] = {}
        marks = ",".join("?" * len(CATEGORIES))
        for cid, index, rule, reason in con.execute(
                f"select conversation_id, message_index, rule_id, reason from findings where category in ({marks}) "
                "order by conversation_id, message_index, rule_id", CATEGORIES):
            conv = cid.split(":", 1)[1]
            found[f"{name}|{conv}|{index}|{rule}"] = {"reason": reason, "text": agent.get((cid, index), "")}
        con.close()
        flags[name] = found
    return texts, flags


def _load(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {"flags": {}, "misses": {}}
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("flags", {})
    data.setdefault("misses", {})
    return data


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} = {100 * a / b:.0f} %" if b else f"{a}/0"


def report(texts: dict, flags: dict, labels: dict, show: str) -> dict:
    """Print the flags and the figures; returns the figures."""
    known = labels["flags"]
    figures = {}
    for name, found in flags.items():
        n_agent = len(texts[name])
        messages = {k.rsplit("|", 1)[0] for k in found}
        print(f"\n== {name}: {len(found)} flags on {len(messages)} of {n_agent} agent messages "
              f"({100 * len(messages) / max(1, n_agent):.2f} % flagged)")
        by_rule = Counter(k.rsplit("|", 1)[1] for k in found)
        print("   by rule: " + ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())))
        for key, flag in found.items():
            verdict = known.get(key, {}).get("verdict", "new") if key in known else "NEW"
            mark = {True: "true ", False: "FALSE", None: "?    "}.get(verdict, "NEW  ")
            if show == "all" or (show == "new" and mark in ("NEW  ", "?    ")) or (show == "false" and mark == "FALSE"):
                print(f"  [{mark}] {key.split('|', 1)[1]}  {flag['reason']}\n           {flag['text'][:160]}")
        figures[name] = {"flags": len(found), "messages_flagged": len(messages), "agent_messages": n_agent}
    current = {k for found in flags.values() for k in found}
    base = {k: v for k, v in known.items() if v.get("baseline")}
    if base or labels["misses"]:
        base_true = [k for k, v in base.items() if v.get("verdict") is True]
        base_false = [k for k, v in base.items() if v.get("verdict") is False]
        unread = [k for k, v in base.items() if v.get("verdict") is None]
        lost = [k for k in base_true if k not in current]
        still_false = [k for k in base_false if k in current]
        flagged_messages = defaultdict(set)
        for k in current:
            msg, rule = k.rsplit("|", 1)
            flagged_messages[msg].add(rule)
        caught, missed = [], []
        for key, miss in labels["misses"].items():
            rules = flagged_messages.get(key, set())
            want = miss.get("rule")
            hit = bool(rules) if not want else (want in rules or any(r[:2] == want[:2] for r in rules))
            (caught if hit else missed).append(key)
        new_true = [k for k in current if k not in base and known.get(k, {}).get("verdict") is True]
        new_false = [k for k in current if k not in base and known.get(k, {}).get("verdict") is False]
        new_unread = [k for k in current if known.get(k, {}).get("verdict", None) is None and k not in unread]
        print("\n== against the labels")
        print(f"   baseline flags: {len(base)} ({len(base_true)} true, {len(base_false)} false, {len(unread)} unread)")
        print(f"   false flags still raised: {_pct(len(still_false), len(base_false))}   (target <= 10 %)")
        print(f"   true flags kept:          {_pct(len(base_true) - len(lost), len(base_true))}   (target >= 90 %)")
        print(f"   clear misses caught:      {_pct(len(caught), len(labels['misses']))}   (target >= 80 %)")
        print(f"   flags beyond the baseline: {len(new_true)} true, {len(new_false)} false, {len(new_unread)} not read")
        for title, keys in (("true flags lost", lost), ("false flags still raised", still_false),
                            ("misses not caught", missed), ("new false flags", new_false)):
            if keys and show != "none":
                print(f"   -- {title}:")
                for k in sorted(keys):
                    entry = known.get(k) or labels["misses"].get(k) or {}
                    print(f"      {k}  {(entry.get('text') or '')[:120]}")
        figures["labels"] = {"false_still": len(still_false), "false": len(base_false), "true_kept": len(base_true) - len(lost),
                             "true": len(base_true), "misses_caught": len(caught), "misses": len(labels["misses"])}
    return figures


def save(path: Path, labels: dict, flags: dict) -> None:
    """Add the flags not in the file yet (verdict null); the first save marks them as the baseline."""
    first = not labels["flags"]
    for found in flags.values():
        for key, flag in found.items():
            entry = labels["flags"].setdefault(key, {"verdict": None, "text": flag["text"], "reason": flag["reason"]})
            if first:
                entry["baseline"] = True
    path.write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nsaved {len(labels['flags'])} flags and {len(labels['misses'])} misses to {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", type=Path, default=Path(os.environ.get("QC_CORPORA", "/work/shared/corpora")))
    ap.add_argument("--only", action="append", choices=sorted(CORPORA), help="audit only this corpus (repeatable)")
    ap.add_argument("--labels", type=Path, help="labels file kept outside the repository")
    ap.add_argument("--save", action="store_true", help="add the flags not yet in --labels to it, unlabelled")
    ap.add_argument("--show", default="all", choices=["all", "new", "false", "none"],
                    help="which flags to print: all, the unlabelled ones, the false ones, or none")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    a = ap.parse_args(argv)
    if not a.corpora.is_dir():
        sys.exit(f"no corpora at {a.corpora} (set --corpora or QC_CORPORA)")
    names = a.only or list(CORPORA)
    with tempfile.TemporaryDirectory(prefix="qc-corpora-") as tmp:
        texts, flags = audit(a.corpora, names, Path(tmp), a.workers)
    labels = _load(a.labels)
    figures = report(texts, flags, labels, a.show)
    if a.save:
        if a.labels is None:
            sys.exit("--save needs --labels")
        save(a.labels, labels, flags)
    if a.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
