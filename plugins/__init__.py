"""The built-in plugins of qc-engine, registered through the same entry-point group as any vendor plugin."""
from importlib.resources import files


def default_rule_file(name: str) -> str:
    """Path of a default rule file shipped in rules/defaults/ (package qc_rules)."""
    return str(files("qc_rules").joinpath("defaults", name))
