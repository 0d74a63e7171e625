"""Forbidden-phrase rules (category ``forbidden_phrase``): FP01 advertising-law absolute terms,
FP02 luring the buyer off the platform, FP03 abusive or impolite language, FP04 blame-shifting,
FP05 a shop's own phrases.

All five read the rule-file section ``forbidden_phrases``::

    forbidden_phrases:
      check_bots: false          # also check bot / auto-reply messages
      variants:                  # {name} in a phrase stands for each of these
        微信: [微信, 薇信, vx]
      allow: [第一时间]           # never a finding where one of these is (every list)
      lists:
        - name: ad_absolute      # lists with the same name are merged
          rule: FP01             # which rule reports it (default FP05)
          title: 广告法极限词
          severity: major        # default: the rule's severity
          expected: 不要使用绝对化用语，改为客观描述
          boundary: word         # word (default) | start | none
          skip_negated: false    # true: not when the clause negates or warns (不支持私下交易)
          phrases: [全网最低价, {phrase: 国家级, severity: critical}]
          regexes: [{pattern: "qq\\d{5,}", name: QQ号, only_if_contains: [qq]}]
          allow: [最好的办法]     # allowed for this list only

Phrases, allow entries and regexes all see the *folded* message (see
``qc_engine.text.fold.fold``): simplified Chinese, lower case, half-width,
without spaces, punctuation, symbols or zero-width characters; a regex must be
written for that form (``加v\\d+``, not ``加 V: \\d+``). Regexes always run with
a timeout (``regex_timeout_ms``, default 50); a regex that times out makes the
rule owning it report an error for that conversation (not silently pass it).
An invalid regex stops the rule at start-up with an error naming it.

Only agent messages are checked (and bot ones with ``check_bots``): a customer's
words are never the agent's violation. One finding per message and rule.
"""
from __future__ import annotations

import itertools
import json
import re
from functools import lru_cache
from typing import Any, ClassVar, Iterable

from qc_engine import Rule, hookimpl
from qc_engine.model import SEVERITIES, Conversation, Finding
from qc_engine.text.phrases import BOUNDARIES, DEFAULT_REGEX_TIMEOUT, EMPTY_SCAN, Entry, Hit, PhraseMatcher, Scan, compile_regex
from qc_plugins import default_rule_file

SECTION = "forbidden_phrases"
RULE_IDS = ("FP01", "FP02", "FP03", "FP04", "FP05")
MAX_EXPANSIONS = 2000  # per phrase: {a}{b}{c} must not explode
EVIDENCE_CHARS = 40
_PLACEHOLDER = re.compile(r"\{([^{}]{1,20})\}")

_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
_SEVERITY = {"enum": list(SEVERITIES)}
_BOUNDARY = {"enum": list(BOUNDARIES), "description": "word: whole words only; start: the phrase may begin a longer word; none: anywhere."}
_PHRASE = {
    "oneOf": [
        _TEXT,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["phrase"],
            "properties": {"phrase": _TEXT, "severity": _SEVERITY, "boundary": _BOUNDARY},
        },
    ]
}
_REGEX = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 500},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["pattern"],
            "properties": {
                "pattern": {"type": "string", "minLength": 1, "maxLength": 500},
                "name": {"type": "string", "maxLength": 100, "description": "Shown in findings instead of the pattern."},
                "severity": _SEVERITY,
                "only_if_contains": {
                    "type": "array", "items": _TEXT, "maxItems": 100,
                    "description": "Run the regex only on messages containing one of these (speed).",
                },
            },
        },
    ]
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Forbidden-phrase lists (rules FP01-FP05). Lists add to the defaults; allow entries win over deny entries.",
    "properties": {
        "check_bots": {"type": "boolean", "description": "Also check bot / auto-reply messages (default false)."},
        "regex_timeout_ms": {"type": "number", "minimum": 1, "maximum": 1000},
        "allow": {"type": "array", "items": _TEXT, "maxItems": 100000},
        "variants": {
            "type": "object",
            "description": "{name} in a phrase stands for each variant listed under name.",
            "propertyNames": {"pattern": "^[^{}]{1,20}$"},
            "additionalProperties": {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 500},
        },
        "lists": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 60},
                    "rule": {"enum": list(RULE_IDS)},
                    "title": {"type": "string", "maxLength": 100},
                    "severity": _SEVERITY,
                    "expected": {"type": "string", "maxLength": 300},
                    "boundary": _BOUNDARY,
                    "skip_negated": {"type": "boolean"},
                    "phrases": {"type": "array", "items": _PHRASE, "maxItems": 100000},
                    "regexes": {"type": "array", "items": _REGEX, "maxItems": 1000},
                    "allow": {"type": "array", "items": _TEXT, "maxItems": 100000},
                },
            },
        },
    },
}


def merged_lists(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The section's lists with same-name lists merged: entries add up, later settings replace."""
    by_name: dict[str, dict[str, Any]] = {}
    for item in section.get("lists") or []:
        merged = by_name.setdefault(item["name"], {"phrases": [], "regexes": [], "allow": []})
        for key, value in item.items():
            if key in ("phrases", "regexes", "allow"):
                merged[key] = merged[key] + list(value)
            else:
                merged[key] = value
    return list(by_name.values())


def expand(phrase: str, variants: dict[str, list[str]]) -> list[str]:
    """Every spelling of a phrase whose {name} placeholders stand for their variants."""
    names = _PLACEHOLDER.findall(phrase)
    if not names:
        return [phrase]
    unknown = [n for n in names if n not in variants]
    if unknown:
        raise ValueError(f"phrase {phrase!r} uses {{{unknown[0]}}}, which forbidden_phrases.variants does not define")
    total = 1
    for n in names:
        total *= max(1, len(variants[n]))
    if total > MAX_EXPANSIONS:
        raise ValueError(f"phrase {phrase!r} expands to {total} spellings (at most {MAX_EXPANSIONS})")
    parts = _PLACEHOLDER.split(phrase)  # literal, name, literal, name, ..., literal
    choices = [[p] if i % 2 == 0 else (variants[p] or [""]) for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


@lru_cache(maxsize=64)
def _compile(section_json: str) -> tuple[PhraseMatcher, tuple[tuple[str, str], ...]]:
    """The shared matcher, and (rule id, problem) for each entry that could not be used.

    A bad entry (invalid regex, unknown {variant}) is left out and reported by the
    rule that owns it only, so a shop's broken FP05 regex does not stop FP01-FP04.
    """
    section = json.loads(section_json)
    variants = {k: list(dict.fromkeys(v)) for k, v in (section.get("variants") or {}).items()}
    phrases, regexes, allow, problems = [], [], [], []

    def spellings(text: str, rules: Iterable[str]) -> list[str]:
        try:
            return expand(text, variants)
        except ValueError as exc:
            problems.extend((rule, str(exc)) for rule in rules)
            return []

    for text in section.get("allow") or []:
        allow.extend((p, None) for p in spellings(text, RULE_IDS))
    for lst in merged_lists(section):
        rule, group = lst.get("rule", "FP05"), lst["name"]
        base = dict(rule=rule, group=group, skip_negated=bool(lst.get("skip_negated", False)))
        for item in lst["phrases"]:
            item = {"phrase": item} if isinstance(item, str) else item
            settings = dict(severity=item.get("severity") or lst.get("severity", ""),
                            boundary=item.get("boundary") or lst.get("boundary", "word"), **base)
            phrases.extend((p, Entry(label=p, **settings)) for p in spellings(item["phrase"], [rule]))
        for item in lst["regexes"]:
            item = {"pattern": item} if isinstance(item, str) else item
            entry = Entry(label=item.get("name") or item["pattern"], severity=item.get("severity") or lst.get("severity", ""),
                          is_regex=True, **base)
            try:
                compile_regex(item["pattern"], group)
            except ValueError as exc:
                problems.append((rule, str(exc)))
                continue
            regexes.append((item["pattern"], entry, item.get("only_if_contains") or ()))
        for text in lst["allow"]:
            allow.extend((p, group) for p in spellings(text, [rule]))
    timeout = float(section.get("regex_timeout_ms", DEFAULT_REGEX_TIMEOUT * 1000)) / 1000
    return PhraseMatcher(phrases, regexes, allow, regex_timeout=timeout), tuple(problems)


def matcher_for(config: dict[str, Any], rule_id: str | None = None) -> PhraseMatcher:
    """The compiled matcher of a merged configuration (shared by FP01-FP05 of the same shop).

    With ``rule_id``: ValueError describing the first unusable entry of that rule's lists.
    """
    section = config.get(SECTION) or {}
    matcher, problems = _compile(json.dumps(section, ensure_ascii=False, sort_keys=True))
    mine = [problem for rule, problem in problems if rule == rule_id]
    if mine:
        raise ValueError(f"{SECTION}: {mine[0]}" + (f" (and {len(mine) - 1} more)" if len(mine) > 1 else ""))
    return matcher


class RegexTimeout(RuntimeError):
    """A shop regex took longer than its time limit on a message."""


class _ForbiddenPhraseRule(Rule):
    category: ClassVar[str] = "forbidden_phrase"
    config_schema: ClassVar[dict[str, Any]] = {SECTION: SCHEMA}
    default_title: ClassVar[str] = ""
    default_expected: ClassVar[str] = ""

    def __init__(self, config: dict[str, Any] | None = None):
        super().__init__(config)
        section = self.config.get(SECTION) or {}
        self.matcher = matcher_for(self.config, self.id)
        self.roles = ("agent", "bot") if section.get("check_bots") else ("agent",)
        # A string: its hash is computed once, a tuple's at every look-up.
        self._scans_key = f"forbidden_phrases.scans {id(self.matcher)} {self.roles}"
        lists = [lst for lst in merged_lists(section) if lst.get("rule", "FP05") == self.id]
        self.titles = {lst["name"]: lst.get("title") or self.default_title for lst in lists}
        self.expected = {lst["name"]: lst.get("expected") or self.default_expected for lst in lists}

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        scans = conversation.memo.get(self._scans_key)
        if scans is None:
            scans = self._scans(conversation)
        return self._findings(conversation, scans) if scans else ()

    def _findings(self, conversation: Conversation, scans: list[tuple[int, Scan]]) -> Iterable[Finding]:
        rule_id = self.id
        for index, scan in scans:
            for entry in scan.timeouts:
                if entry.rule == rule_id:
                    raise RegexTimeout(
                        f"regex {entry.label!r} of list {entry.group!r} took longer than "
                        f"{self.matcher.regex_timeout * 1000:.0f} ms on message {index}; "
                        f"this conversation was not fully checked: simplify the pattern"
                    )
            hits = [h for h in scan.hits if h.entry.rule == rule_id]
            if hits:
                yield self._finding(conversation, index, hits)

    def _scans(self, conversation: Conversation) -> list[tuple[int, Scan]]:
        """The messages with anything found, scanned once for FP01-FP05 together (the hot loop of a day)."""
        prescan, scan, roles = self.matcher.prescan, self.matcher.scan, self.roles
        scans = conversation.memo[self._scans_key] = [
            (m.index, found) for m in conversation.messages
            if m.role in roles and m.text
            and prescan(m.text) is not None and (found := scan(m.text)) is not EMPTY_SCAN
        ]
        return scans

    def _finding(self, conversation: Conversation, index: int, hits: list[Hit]) -> Finding:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        severity = max((h.entry.severity or self.severity for h in hits), key=rank.__getitem__)
        clusters = _clusters(hits)
        top = next(c for c in clusters if any((h.entry.severity or self.severity) == severity for h in c))
        # One label per place in the message: the longest entry found there.
        labels = list(dict.fromkeys(f"「{max(c, key=lambda h: h.end - h.start).entry.label}」" for c in clusters))
        group = top[0].entry.group
        text = conversation.messages[index].text
        evidence = text[min(h.start for h in top):max(h.end for h in top)]
        more = f"等{len(labels)}处" if len(labels) > 3 else ""
        return self.finding(
            conversation,
            index,
            evidence=evidence[:EVIDENCE_CHARS],
            reason=f"{self.titles.get(group) or self.default_title}：{'、'.join(labels[:3])}{more}（清单 {group}）",
            expected=self.expected.get(group) or self.default_expected,
            severity=severity,
        )


def _clusters(hits: list[Hit]) -> list[list[Hit]]:
    """Hits grouped where they overlap (业内最好 + 最好的 = one place), in text order."""
    out: list[list[Hit]] = []
    end = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if out and hit.start < end:
            out[-1].append(hit)
            end = max(end, hit.end)
        else:
            out.append([hit])
            end = hit.end
    return out


class AdvertisingLawTerms(_ForbiddenPhraseRule):
    """Advertising-law absolute terms (广告法极限词) in an agent message.

    Superlatives and unprovable claims about the product, price or brand
    (全网最低价, 第一品牌, 国家级, 独一无二 ...) break the Advertising Law and the
    platforms' rules. Whole words only: 最近, 第一时间, 第一次, 第二件半价 and 最好
    meaning "had better" (您最好今天下单) are not flagged. Lists: ``forbidden_phrases``
    entries with ``rule: FP01``.

    Bad:
        customer: 这个茶怎么样
        agent: 我们这款是业内最好的茶，全网独一无二

    Good:
        customer: 这个茶怎么样
        agent: 您最好今天下单，发货后第一时间通知您，第二件半价
    """

    id = "FP01"
    name = "广告法极限词"
    severity = "major"
    default_title = "广告法极限词"
    default_expected = "不要使用绝对化用语，改为客观描述（如：口感醇厚、回购率高）"


class OffPlatformLure(_ForbiddenPhraseRule):
    """Luring the buyer off the platform (站外引流): other contact channels or private payment.

    Asking the buyer to add a WeChat / QQ, to pay by private transfer or to trade
    outside the platform, also when disguised (加 薇 信, ＶＸ, V信, ➕V, 扣扣 + number,
    traditional characters, zero-width characters). A red line (一票否决). Not
    flagged: payment methods (微信支付), public accounts, and the agent refusing or
    warning (我们不支持私下交易).

    Bad:
        customer: 能便宜点吗
        agent: 加 薇 信 tea12345，私下转账给您便宜

    Good:
        customer: 可以私下交易吗
        agent: 亲，平台不支持私下交易哦，请在店铺内下单，支持微信支付
    """

    id = "FP02"
    name = "站外引流"
    severity = "critical"
    red_line = True
    default_title = "引导站外联系或交易"
    default_expected = "只在平台内沟通和交易，不要留微信/QQ等联系方式或引导私下转账"


class AbusiveLanguage(_ForbiddenPhraseRule):
    """Abusive or impolite language toward the buyer (辱骂 / 态度恶劣).

    Insults, swearing and dismissive replies (爱买不买, 问那么多干嘛, 你烦不烦).
    Whole words only: 滚 is not found in 滚筒, 去死 not in 去死皮.

    Bad:
        customer: 为什么还没发货
        agent: 问那么多干嘛，等着就是了

    Good:
        customer: 为什么还没发货
        agent: 亲，让您久等了，仓库今天发出，滚筒洗衣机的包装会加固
    """

    id = "FP03"
    name = "辱骂或不文明用语"
    severity = "critical"
    default_title = "不文明或辱骂用语"
    default_expected = "保持礼貌耐心，先安抚情绪再解决问题"


class BlameShifting(_ForbiddenPhraseRule):
    """Blame-shifting or refusing responsibility (推诿 / 踢皮球).

    Telling the buyer it is not the agent's business or to sort it out
    themselves (不归我管, 你自己去问, 不关我的事, 找快递去), instead of helping.

    Bad:
        customer: 快递一直不动
        agent: 这个不归我管，你自己去问快递

    Good:
        customer: 快递一直不动
        agent: 亲，我这边马上联系快递帮您催一下，有结果第一时间告诉您
    """

    id = "FP04"
    name = "推诿责任"
    severity = "major"
    default_title = "推诿责任"
    default_expected = "主动承担并跟进处理，例如：我帮您联系快递核实，稍后给您回复"


class ShopPhrases(_ForbiddenPhraseRule):
    """Phrases and patterns a shop forbids (its own lists: rule FP05, the default for a list).

    Shops add their own lists, with per-list and per-phrase severity; the
    defaults ship the platform's review-manipulation terms (好评返现, 刷单).

    Bad:
        customer: 收到了
        agent: 亲，五星好评返现5元哦

    Good:
        customer: 收到了
        agent: 亲，满意的话麻烦给个五星好评哦，谢谢
    """

    id = "FP05"
    name = "店铺自定义禁用语"
    severity = "major"
    default_title = "店铺禁用语"
    default_expected = "按店铺话术规范改写，不要使用该用语"


RULES = (AdvertisingLawTerms, OffPlatformLure, AbusiveLanguage, BlameShifting, ShopPhrases)


@hookimpl
def register_rules(register):
    for rule in RULES:
        register(rule)


@hookimpl
def register_rule_files(register):
    register(default_rule_file("forbidden_phrases.yaml"))
