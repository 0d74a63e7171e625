"""Judging one conversation: the Rule base class, the compiled rule set, the pure engine and the scorecard."""
