"""The core default rule file (scoring, known bots). Each rule plugin registers its own defaults,
so a plugin that is not installed leaves no settings behind that nothing can validate."""
from qc_engine import hookimpl
from qc_plugins import default_rule_file


@hookimpl
def register_rule_files(register):
    register(default_rule_file("core.yaml"))
