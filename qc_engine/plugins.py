"""The plugin host: finding and loading plugins (the entry-point group, plus plugin files given on the
command line), and collecting what they register through every ``register_*`` hook: rules, loaders,
default rule files, order loaders and commands."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import click
import pluggy

from qc_engine import hookspecs
from qc_engine.audit.rule import Rule, valid_rule_id
from qc_engine.ingest.loaders import Loader

ENTRY_POINT_GROUP = "qc_engine"

if TYPE_CHECKING:
    from qc_engine.orders.api import RegisteredOrderLoader


@dataclass
class PluginFailure:
    name: str
    source: str
    error: str


@dataclass
class PluginInfo:
    name: str
    module: str
    version: str
    source: str  # "entry point (<distribution>)" or the file path


@dataclass
class Plugins:
    """A plugin manager with what was loaded and what failed to load."""

    pm: pluggy.PluginManager
    info: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)

    @property
    def hook(self):
        return self.pm.hook


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_plugins(plugin_files: list[str | Path] = (), entry_point_group: str = ENTRY_POINT_GROUP) -> Plugins:
    """A fresh plugin manager with every installed plugin and the given plugin files.

    A plugin that fails to import is recorded in ``failures`` and skipped; the
    others still load.
    """
    pm = pluggy.PluginManager("qc_engine")
    pm.add_hookspecs(hookspecs)
    plugins = Plugins(pm)
    for ep in sorted(entry_points(group=entry_point_group), key=lambda e: e.name):
        dist = ep.dist
        source = f"entry point ({dist.name} {dist.version})" if dist else "entry point"
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except BaseException as exc:  # noqa: BLE001 - a broken vendor package must not stop the run
            if isinstance(exc, KeyboardInterrupt):
                raise
            plugins.failures.append(PluginFailure(ep.name, source, _describe(exc)))
            continue
        plugins.info.append(PluginInfo(ep.name, getattr(module, "__name__", ep.value), dist.version if dist else "", source))
    for path in plugin_files:
        path = Path(path)
        name = f"qc_plugin_file_{path.stem}"
        try:
            if not path.is_file():
                raise FileNotFoundError(f"no such plugin file: {path}")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # lets worker processes and pickling find it
            spec.loader.exec_module(module)
            pm.register(module, name=str(path))
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt):
                raise
            sys.modules.pop(name, None)
            plugins.failures.append(PluginFailure(path.name, str(path), _describe(exc)))
            continue
        plugins.info.append(PluginInfo(path.stem, name, getattr(module, "__version__", ""), str(path)))
    return plugins


@dataclass
class RegisteredRule:
    cls: type[Rule]
    plugin: str


@dataclass
class RegisteredLoader:
    loader: Loader
    plugin: str


@dataclass
class RegisteredCommand:
    name: str
    command: click.Command
    plugin: str


@dataclass
class Registry:
    """What the plugins registered, through every ``register_*`` hook, and what was refused."""

    rules: list[RegisteredRule] = field(default_factory=list)
    loaders: list[RegisteredLoader] = field(default_factory=list)
    default_rule_files: list[Path] = field(default_factory=list)
    order_loaders: list[RegisteredOrderLoader] = field(default_factory=list)
    commands: list[RegisteredCommand] = field(default_factory=list)
    # One line per plugin contribution refused, by hook: each part of qc reports the problems of what it uses.
    refused: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in REGISTER_HOOKS})

    @property
    def problems(self) -> list[str]:
        return self.problems_of(*REGISTER_HOOKS)

    def problems_of(self, *hooks: str) -> list[str]:
        return [line for hook in hooks for line in self.refused[hook]]

    def rule(self, rule_id: str) -> RegisteredRule | None:
        return next((r for r in self.rules if r.cls.id == rule_id), None)

    def section_schemas(self) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        for r in self.rules:
            for name, schema in (r.cls.config_schema or {}).items():
                sections.setdefault(name, schema)
        return sections


REGISTER_HOOKS = ("register_rules", "register_loaders", "register_rule_files", "register_order_loaders",
                  "register_commands")
AUDIT_HOOKS = REGISTER_HOOKS[:3]  # what an audit uses


def collect(plugins: Plugins) -> Registry:
    """Everything the plugins register, each hook called through pluggy one plugin at a time.

    A plugin whose hook raises, or which registers something unusable, is reported in ``refused``; what
    the other plugins registered still counts.
    """
    registry = Registry()
    each_plugin = _EachPlugin(plugins.pm, registry.refused)
    each_plugin.call("register_rules", lambda plugin: {"register": _RuleRegister(registry, plugin)})
    each_plugin.call("register_loaders", lambda plugin: {"register": _LoaderRegister(registry, plugin)})
    each_plugin.call("register_rule_files", lambda plugin: {"register": _add_rule_file(registry)})
    each_plugin.call("register_order_loaders", lambda plugin: {"register": _OrderLoaderRegister(registry, plugin)})
    each_plugin.call("register_commands", lambda plugin: {"cli": _CommandGroup(registry, plugin)})
    registry.rules.sort(key=lambda r: r.cls.id)
    return registry


class _EachPlugin:
    """Calls a hook through pluggy for one plugin at a time (a subset hook caller without the others), so
    that one plugin's exception is reported as its own and the others are still called."""

    def __init__(self, pm: pluggy.PluginManager, refused: dict[str, list[str]]):
        self.pm, self.refused = pm, refused

    def call(self, hook_name: str, arguments: Callable[[str], dict[str, Any]]) -> None:
        implementing = {}  # plugin object -> its name, in registration order
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            implementing.setdefault(impl.plugin, impl.plugin_name)
        everyone = self.pm.get_plugins()
        for plugin, name in implementing.items():
            alone = self.pm.subset_hook_caller(hook_name, remove_plugins=[p for p in everyone if p is not plugin])
            try:
                alone(**arguments(name))
            except Exception as exc:  # noqa: BLE001 - a vendor's broken hook must not stop the others
                self.refused[hook_name].append(f"plugin {name}: {hook_name} failed: {type(exc).__name__}: {exc}")


class _RuleRegister:
    def __init__(self, registry: Registry, plugin: str):
        self.registry, self.plugin = registry, plugin

    def __call__(self, cls) -> None:
        registry, plugin = self.registry, self.plugin
        refused = registry.refused["register_rules"]
        if not (isinstance(cls, type) and issubclass(cls, Rule)):
            refused.append(f"plugin {plugin}: {cls!r} is not a Rule subclass; skipped")
        elif not valid_rule_id(cls.id) or not cls.category:
            refused.append(f"plugin {plugin}: rule {cls.__name__} needs an id like QC101 and a category; skipped")
        elif (taken := registry.rule(cls.id)) is not None:
            refused.append(f"plugin {plugin}: rule id {cls.id} is already used by {taken.plugin}; skipped")
        else:
            registry.rules.append(RegisteredRule(cls, plugin))


class _LoaderRegister:
    def __init__(self, registry: Registry, plugin: str):
        self.registry, self.plugin = registry, plugin

    def __call__(self, cls) -> None:
        try:
            loader = cls() if isinstance(cls, type) else cls
        except Exception as exc:  # noqa: BLE001 - a vendor's loader that cannot start is reported
            self.registry.refused["register_loaders"].append(f"plugin {self.plugin}: loader {cls!r} failed to start: {exc}")
            return
        self.registry.loaders.append(RegisteredLoader(loader, self.plugin))


def _add_rule_file(registry: Registry) -> Callable[[str | Path], None]:
    return lambda path: registry.default_rule_files.append(Path(path))


class _OrderLoaderRegister:
    def __init__(self, registry: Registry, plugin: str):
        self.registry, self.plugin = registry, plugin

    def __call__(self, cls) -> None:
        # Imported here: qc_engine.orders imports this module.
        from qc_engine.orders.api import OrderLoader, RegisteredOrderLoader

        refused = self.registry.refused["register_order_loaders"]
        try:
            loader = cls() if isinstance(cls, type) else cls
        except Exception as exc:  # noqa: BLE001 - a vendor's loader that cannot start is reported
            refused.append(f"plugin {self.plugin}: order loader {cls!r} failed to start: {exc}")
            return
        if not isinstance(loader, OrderLoader):
            refused.append(f"plugin {self.plugin}: {cls!r} is not an OrderLoader; skipped")
            return
        self.registry.order_loaders.append(RegisteredOrderLoader(loader, self.plugin))


class _CommandGroup(click.Group):
    """The group a plugin's register_commands adds to: its commands are collected, and the CLI takes them."""

    def __init__(self, registry: Registry, plugin: str):
        super().__init__(name="qc")
        self.registry, self.plugin = registry, plugin

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(cmd, name)
        self.registry.commands.append(RegisteredCommand(name or cmd.name, cmd, self.plugin))
