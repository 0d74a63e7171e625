"""The scorecard: each conversation starts at 100, findings deduct, red lines zero it."""
from __future__ import annotations

from typing import Any, Iterable

from .model import Finding

DEFAULT_START = 100.0
DEFAULT_WEIGHTS = {"info": 0.0, "minor": 2.0, "major": 5.0, "critical": 10.0}


def assign_points(findings: Iterable[Finding], config: dict[str, Any]) -> None:
    """Fill in the points each finding deducts (a rule's own ``points`` setting wins)."""
    weights = {**DEFAULT_WEIGHTS, **((config.get("scoring") or {}).get("weights") or {})}
    for f in findings:
        if f.points is None:
            f.points = float(weights.get(f.severity, 0.0))


def score(findings: list[Finding], config: dict[str, Any]) -> tuple[float, bool]:
    """The conversation's score and whether a red-line finding zeroed it."""
    start = float((config.get("scoring") or {}).get("start", DEFAULT_START))
    if any(f.red_line for f in findings):
        return 0.0, True
    return max(0.0, start - sum(f.points or 0.0 for f in findings)), False
