"""Labels of the store's keys (categories, severities, verdicts, roles) in Chinese and English, for every page."""
from __future__ import annotations

LANGS = ("zh", "en")

# The built-in rules' categories (a plugin's own show as their key).
CATEGORIES = {
    "latency": ("响应时效", "Response time"),
    "forbidden_phrase": ("违规用语", "Forbidden phrases"),
    "privacy_leak": ("隐私泄露", "Privacy leaks"),
    "script_adherence": ("话术规范", "Script adherence"),
    "customer_experience": ("客户体验风险", "Customer-experience risk"),
}
SEVERITIES = {
    "info": ("提示", "info"), "minor": ("轻微", "minor"), "major": ("严重", "major"), "critical": ("致命", "critical"),
}
VERDICTS = {
    "confirmed": ("人工确认", "confirmed"), "overturned": ("人工撤销", "overturned"), "": ("系统判定", "automatic"),
    "manual": ("人工发现", "manual"),
}
SAMPLE_REASONS = {"red_line": ("红线必检", "red line"), "weighted_share": ("按比例抽检（低分优先）", "weighted share")}
ROLES = {"customer": ("客户", "customer"), "agent": ("客服", "agent"), "bot": ("机器人", "bot"), "system": ("系统", "system")}


def label(table: dict[str, tuple[str, str]], key: str | None, lang: str = "zh") -> str:
    """The label of ``key`` in ``lang``; an unknown key (a plugin's own category) shows as itself."""
    key = key or ""
    return table[key][LANGS.index(lang)] if key in table else key
