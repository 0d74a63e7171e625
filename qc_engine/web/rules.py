"""The rules' own account of themselves (id, name, category, summary from their docstrings), for the pages."""
from __future__ import annotations

from dataclasses import dataclass

from qc_engine.plugins import collect, load_plugins


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    category: str
    severity: str
    red_line: bool
    summary: str


def rule_infos(plugin_files=()) -> dict[str, RuleInfo]:
    """Every registered rule by id, as `qc rules docs` documents it; a rule that cannot describe itself is left out."""
    out: dict[str, RuleInfo] = {}
    for reg in collect(load_plugins(plugin_files)).rules:
        try:
            doc = reg.cls.doc()
        except Exception:  # noqa: BLE001 - one plugin's broken docstring must not take the pages down
            continue
        out[doc.id] = RuleInfo(doc.id, doc.name, doc.category, doc.severity, bool(doc.red_line), doc.summary)
    return dict(sorted(out.items()))
