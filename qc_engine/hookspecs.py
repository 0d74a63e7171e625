"""The hooks a qc-engine plugin can implement.

Every built-in capability is a plugin implementing these hooks, registered
through the ``qc_engine`` entry-point group exactly as a vendor's plugin is.
"""
from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("qc_engine")
hookimpl = HookimplMarker("qc_engine")


@hookspec
def register_rules(register):
    """Register rule classes (subclasses of ``qc_engine.Rule``) by calling ``register(RuleClass)``."""


@hookspec
def register_loaders(register):
    """Register transcript loaders (subclasses of ``qc_engine.Loader``) by calling ``register(LoaderClass)``."""


@hookspec
def register_rule_files(register):
    """Register rule files applied to every shop before shop files, by calling ``register(path)``."""


@hookspec
def register_commands(cli):
    """Add click commands or groups to the ``qc`` command-line interface."""


@hookspec
def register_order_loaders(register):
    """Register order-export loaders (subclasses of ``qc_engine.orders.OrderLoader``) by calling ``register(LoaderClass)``."""
