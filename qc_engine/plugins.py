"""Finding and loading plugins: the entry-point group, plus plugin files given on the command line."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

import pluggy

from . import hookspecs

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


def plugin_of(plugins: Plugins, obj) -> str:
    """The name of the plugin a rule or loader class came from (by its module)."""
    module = getattr(obj, "__module__", "")
    for info in plugins.info:
        if info.module == module:
            return info.name
    return module
