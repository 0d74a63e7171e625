"""`qc plugins ...`: what is installed and loaded."""
from __future__ import annotations

from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.plugins import load_plugins
from qc_engine.plugins import collect


@click.group("plugins", help=N_("Installed plugins: rules, loaders and commands."))
def plugins_group():
    pass


@plugins_group.command("list", help=N_("List loaded plugins with their versions, and what each provides."))
@click.option("--plugin", "plugin_files", multiple=True, type=click.Path(path_type=Path),
              help=N_("Also load this plugin .py file."))
def list_plugins(plugin_files):
    plugins = load_plugins(plugin_files)
    registry = collect(plugins)
    for info in plugins.info:
        rules = [r.cls.id for r in registry.rules if r.plugin in (info.name, str(info.source))]
        loaders = [l.loader.name for l in registry.loaders if l.plugin in (info.name, str(info.source))]
        orders = [o.loader.name for o in registry.order_loaders if o.plugin in (info.name, str(info.source))]
        commands = [c.name for c in registry.commands if c.plugin in (info.name, str(info.source))]
        provides = []
        if rules:
            provides.append(_("rules {ids}").format(ids=", ".join(rules)))
        if loaders:
            provides.append(_("loader {names}").format(names=", ".join(loaders)))
        if orders:
            provides.append(_("order loader {names}").format(names=", ".join(orders)))
        if commands:
            provides.append(_("commands {names}").format(names=", ".join(commands)))
        click.echo(f"{info.name:20s} {info.version or '-':10s} {info.source}")
        if provides:
            click.echo(f"{'':20s} {'; '.join(provides)}")
    for failure in plugins.failures:
        click.echo(f"{failure.name:20s} {'FAILED':10s} {failure.source}: {failure.error}", err=True)
    for problem in registry.problems:
        click.echo(_("warning: {problem}").format(problem=problem), err=True)
