"""The forbidden-phrase rules FP01-FP05: the messages each list finds, reported once per message and rule."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Iterable

from qc_engine import Derivation, Rule
from qc_engine.model import SEVERITIES, Conversation, Finding
from qc_engine.text.phrases import EMPTY_SCAN, Hit, PhraseMatcher, Scan
from qc_plugins.rules.forbidden_phrases.lists import SCHEMA, SECTION, compiled_matcher, matcher_for, merged_lists, section_json
from qc_engine.text.patterns import DEFAULT_WITHIN

EVIDENCE_CHARS = 40


@dataclass(frozen=True)
class PhraseScans(Derivation[list[tuple[int, Scan]]]):
    """The messages in which a shop's lists find anything, with what they find: scanned once for FP01-FP05."""

    section: str  # the merged forbidden_phrases section as canonical JSON, which the matcher is compiled from
    roles: tuple[str, ...]  # the roles of the messages checked
    matcher: PhraseMatcher = field(compare=False, repr=False)

    def compute(self, conversation: Conversation) -> list[tuple[int, Scan]]:
        # The hot loop of a day: nearly every message stops at the prescan, without a Python call.
        prescan, scan, roles = self.matcher.prescan, self.matcher.scan, self.roles
        return [
            (m.index, found) for m in conversation.messages
            if m.role in roles and m.text
            and prescan(m.text) is not None and (found := scan(m.text)) is not EMPTY_SCAN
        ]


@lru_cache(maxsize=64)
def _scans(section: str, roles: tuple[str, ...]) -> PhraseScans:
    """One spec for the rules of the same settings: looked up by identity, without comparing the JSON."""
    return PhraseScans(section, roles, compiled_matcher(section))


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
        self.scans = _scans(section_json(self.config), self.roles)
        lists = [lst for lst in merged_lists(section) if lst.get("rule", "FP05") == self.id]
        self.titles = {lst["name"]: lst.get("title") or self.default_title for lst in lists}
        self.expected = {lst["name"]: lst.get("expected") or self.default_expected for lst in lists}

    def reference(self) -> list[str]:
        """The lists this rule reports, each with its title and entries: every entry traceable to its category."""
        section = self.config.get(SECTION) or {}
        lists = [lst for lst in merged_lists(section) if lst.get("rule", "FP05") == self.id]
        if not lists:
            return []
        out = ["**Default lists** (rule file section `forbidden_phrases`; a finding names its list)", ""]
        for lst in lists:
            out.append(f"- `{lst['name']}` {lst.get('title') or self.default_title}"
                       + (f": {lst['expected']}" if lst.get("expected") else ""))
            phrases = [p if isinstance(p, str) else p["phrase"] for p in lst.get("phrases") or []]
            if phrases:
                out.append(f"  - phrases: {'、'.join(phrases)}")
            for spec in lst.get("patterns") or []:
                out.append(f"  - pattern: {_describe_pattern(spec)}")
            for rx in lst.get("regexes") or []:
                name = rx if isinstance(rx, str) else rx.get("name") or rx["pattern"]
                out.append(f"  - regex: {name}")
            if lst.get("allow"):
                out.append(f"  - allowed: {'、'.join(lst['allow'])}")
        return out

    def check(self, conversation: Conversation) -> Iterable[Finding]:
        scans = conversation.derived(self.scans)
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


def _describe_pattern(spec: dict[str, Any]) -> str:
    """A pattern of a rule file in words: its name, its terms, distance, order and exclusions."""
    def item(x) -> str:
        return x if isinstance(x, str) else "(" + " | ".join(x) + ")"

    if "all" in spec:
        terms = " + ".join(item(x) for x in spec["all"])
        how = f"（{spec.get('within', DEFAULT_WITHIN)}字间隔内，{'依次' if spec.get('ordered') else '不限顺序'}）" if len(spec["all"]) > 1 else ""
    else:
        terms, how = " / ".join(spec.get("any") or []), ""
    text = (f"{spec['name']}：" if spec.get("name") else "") + terms + how
    if spec.get("unless"):
        text += f"，除非有：{'、'.join(spec['unless'])}"
    return text


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
