"""The scorecard: each conversation starts at a shop's starting score, findings deduct, red lines zero it.

The figures live in the rule files (``scoring`` in ``rules/defaults/core.yaml``, which a shop may override).
"""
from __future__ import annotations

from typing import Any

from qc_engine.model import Finding
from qc_engine.rulefiles.files import core_defaults, merge


class Scorecard:
    """A shop's scoring settings, read once per rule set."""

    __slots__ = ("start", "weights")

    def __init__(self, config: dict[str, Any]):
        # The merged configuration carries core.yaml's scoring; a rule book built without it still scores alike.
        scoring = merge(core_defaults()["scoring"], config.get("scoring") or {})
        self.start = float(scoring["start"])
        self.weights = {severity: float(points) for severity, points in scoring["weights"].items()}

    def assign_points(self, findings: list[Finding]) -> None:
        """Fill in the points each finding deducts (a rule's own ``points`` setting wins)."""
        for f in findings:
            if f.points is None:
                f.points = float(self.weights.get(f.severity, 0.0))

    def score(self, findings: list[Finding]) -> tuple[float, bool]:
        """The conversation's score and whether a red-line finding zeroed it."""
        if any(f.red_line for f in findings):
            return 0.0, True
        return min(self.start, max(0.0, self.start - sum(f.points or 0.0 for f in findings))), False
