"""The scorecard: each conversation starts at 100, findings deduct, red lines zero it."""
from __future__ import annotations

from typing import Any

from qc_engine.model import Finding

DEFAULT_START = 100.0
DEFAULT_WEIGHTS = {"info": 0.0, "minor": 2.0, "major": 5.0, "critical": 10.0}


class Scorecard:
    """A shop's scoring settings, read once per rule set."""

    __slots__ = ("start", "weights")

    def __init__(self, config: dict[str, Any]):
        scoring = config.get("scoring") or {}
        self.start = float(scoring.get("start", DEFAULT_START))
        self.weights = {**DEFAULT_WEIGHTS, **(scoring.get("weights") or {})}

    def assign_points(self, findings: list[Finding]) -> None:
        """Fill in the points each finding deducts (a rule's own ``points`` setting wins)."""
        for f in findings:
            if f.points is None:
                f.points = float(self.weights.get(f.severity, 0.0))

    def score(self, findings: list[Finding]) -> tuple[float, bool]:
        """The conversation's score and whether a red-line finding zeroed it."""
        if any(f.red_line for f in findings):
            return 0.0, True
        return max(0.0, self.start - sum(f.points or 0.0 for f in findings)), False
