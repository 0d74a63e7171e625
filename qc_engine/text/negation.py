"""Whether the clause around a phrase refuses or warns about it (我们不支持私下交易, 私下交易有风险,
加微信？不行的哦): list entries marked ``skip_negated`` are not reported there.
"""
from __future__ import annotations

import re

from qc_engine.text.fold import HARD_BREAKS, Folded, fold

# A clause that negates or warns about what follows: 不能/没法 + at most 4 characters, or
# a warning (请勿/谨防/禁止 ...) + at most 8 (请勿相信任何让您加微信的人).
_NEGATED_BEFORE = re.compile(
    r"(?:(?<!要)不(?![然仅但过管用错少同久断停止骗吹夸愧怕如妨])|别(?![人的家])|没(?!关系|问题|事)|无法|防止|避免).{0,4}$"
    r"|(?:勿|禁止|严禁|谨防|谢绝|拒绝|杜绝|小心|警惕|不要相信|不要轻信|千万不要).{0,8}$"
)
# ... or that says right after it that it is not allowed or risky: 私下交易是违规的, 加微信不行.
_NEGATED_AFTER = re.compile(
    r"^(?:的话|这种|等)?(?:是|都是|属于|会|都|有|存在|容易|可能)?"
    r"(?:不(?![然过但仅]|$)|违规|违法|禁止|风险|危险|被骗|诈骗|骗|没有保障|没保障|无保障|抱歉)"
    # ... the same said by whoever rules it out: 好评返现是平台禁止的, 加微信我们这边不支持
    r"|^.{0,2}?(?:是|都是|属于)?(?:平台|淘宝|天猫|京东|我们这边|我这边|这边|我们|本店|店铺|咱们)(?:这边|都|是|也)?(?:明确|一律)?"
    r"(?:不支持|不允许|不可以|不能|禁止|严禁|违规|不行|不提供|不做|不接受)"
)
# After a question (加微信？), an answer that refuses: 不行的哦 / 我们不能加微信 / 抱歉.
_REFUSING_ANSWER = re.compile(r"^.{0,4}(?:不(?![然过但仅])|没法|无法|抱歉|禁止|违规)")
_QUESTION_ENDS = ("？", "?")
_CONTEXT = 40  # original characters looked at around a match for negation


def _clause_before(fm: Folded, start: int) -> str:
    o_start = fm.src[start]
    before = fm.original[max(0, o_start - _CONTEXT):o_start]
    cut = max(before.rfind(c) for c in HARD_BREAKS)
    return fold(before[cut + 1:])[-8:]


def _clauses_after(fm: Folded, end: int) -> list[str]:
    """The rest of the clause; and, when that clause is a question, the answer that follows it."""
    o_end = fm.src[end - 1] + 1
    after = fm.original[o_end:o_end + _CONTEXT]
    out = []
    for _ in range(2):
        cuts = [i for i in (after.find(c) for c in HARD_BREAKS | set(_QUESTION_ENDS)) if i >= 0]
        cut = min(cuts) if cuts else len(after)
        out.append(fold(after[:cut])[:10])
        if cut >= len(after) or after[cut] not in _QUESTION_ENDS:
            break
        after = after[cut + 1:].lstrip("？?！!，, ")
    return out


def negated(fm: Folded, start: int, end: int) -> bool:
    """Whether the clause refuses or warns about the match (我们不支持私下交易 / 加微信？不行的哦)."""
    if _NEGATED_BEFORE.search(_clause_before(fm, start)):
        return True
    rest = _clauses_after(fm, end)
    return bool(_NEGATED_AFTER.match(rest[0]) or (len(rest) > 1 and _REFUSING_ANSWER.match(rest[1])))
