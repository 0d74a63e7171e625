"""The default rule files every shop starts from (rules/defaults in the source tree)."""
from importlib.resources import files

from qc_engine import hookimpl


@hookimpl
def register_rule_files(register):
    folder = files("qc_rules").joinpath("defaults")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml", ".json")):
            register(str(entry))
