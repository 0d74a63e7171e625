"""The plugin host: finding and loading plugins (the entry-point group, plus plugin files given on the
command line), and collecting what they register: rules, loaders and default rule files."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from qc_engine import hookspecs
from qc_engine.audit.rule import Rule, valid_rule_id
from qc_engine.ingest.loaders import Loader

ENTRY_POINT_GROUP = "qc_engine"


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
class Registry:
    rules: list[RegisteredRule] = field(default_factory=list)
    loaders: list[RegisteredLoader] = field(default_factory=list)
    default_rule_files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per plugin contribution that was refused

    def rule(self, rule_id: str) -> RegisteredRule | None:
        return next((r for r in self.rules if r.cls.id == rule_id), None)

    def section_schemas(self) -> dict[str, Any]:
        sections: dict[str, Any] = {}
        for r in self.rules:
            for name, schema in (r.cls.config_schema or {}).items():
                sections.setdefault(name, schema)
        return sections


def _each_impl(plugins: Plugins, hook_name: str, registry: Registry, make_register):
    """Call a register-style hook plugin by plugin, so one plugin's error is its own."""
    for impl in getattr(plugins.hook, hook_name).get_hookimpls():
        try:
            impl.function(make_register(impl.plugin_name))
        except Exception as exc:  # noqa: BLE001 - a vendor's broken hook must not stop the others
            registry.problems.append(f"plugin {impl.plugin_name}: {hook_name} failed: {type(exc).__name__}: {exc}")


def collect(plugins: Plugins) -> Registry:
    registry = Registry()
    seen_ids: dict[str, str] = {}

    def rule_register(plugin_name):
        def register(cls):
            if not (isinstance(cls, type) and issubclass(cls, Rule)):
                registry.problems.append(f"plugin {plugin_name}: {cls!r} is not a Rule subclass; skipped")
            elif not valid_rule_id(cls.id) or not cls.category:
                registry.problems.append(f"plugin {plugin_name}: rule {cls.__name__} needs an id like QC101 and a category; skipped")
            elif cls.id in seen_ids:
                registry.problems.append(f"plugin {plugin_name}: rule id {cls.id} is already used by {seen_ids[cls.id]}; skipped")
            else:
                seen_ids[cls.id] = plugin_name
                registry.rules.append(RegisteredRule(cls, plugin_name))
        return register

    def loader_register(plugin_name):
        def register(cls):
            try:
                loader = cls() if isinstance(cls, type) else cls
            except Exception as exc:  # noqa: BLE001
                registry.problems.append(f"plugin {plugin_name}: loader {cls!r} failed to start: {exc}")
                return
            registry.loaders.append(RegisteredLoader(loader, plugin_name))
        return register

    def file_register(plugin_name):
        def register(path):
            registry.default_rule_files.append(Path(path))
        return register

    _each_impl(plugins, "register_rules", registry, rule_register)
    _each_impl(plugins, "register_loaders", registry, loader_register)
    _each_impl(plugins, "register_rule_files", registry, file_register)
    registry.rules.sort(key=lambda r: r.cls.id)
    return registry
