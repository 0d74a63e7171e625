"""What the loaded plugins provide: rules, loaders and default rule files."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .loaders import Loader
from .plugins import Plugins
from .rules import Rule, valid_rule_id


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
