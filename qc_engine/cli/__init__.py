"""The `qc` command line: nouns and verbs (qc audit, qc rules ..., qc plugins ...)."""
from __future__ import annotations

import os
import sqlite3
import sys

import click

from qc_engine import __version__
from qc_engine.plugins import collect, load_plugins
from qc_engine.cli.audit import audit
from qc_engine.cli.orders import orders_group
from qc_engine.cli.plugins import plugins_group
from qc_engine.cli.report import report
from qc_engine.cli.review import review_group
from qc_engine.cli.sample import sample
from qc_engine.cli.rules import rules_group


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="qc")
def cli():
    """qc-engine: audit customer-service chats (质检) and report what to coach.

    \b
    A typical morning:
      qc audit logs/2026-11-20/ --db qc.db --rules shop-rules/
      qc report --db qc.db --date 2026-11-20 --out reports/
    """


cli.add_command(audit)
cli.add_command(rules_group)
cli.add_command(plugins_group)
cli.add_command(orders_group)
cli.add_command(report)
cli.add_command(sample)
cli.add_command(review_group)


def _add_plugin_commands() -> None:
    registry = collect(load_plugins())
    for problem in registry.problems_of("register_commands"):  # one plugin's broken hook must not break `qc`
        click.echo(f"warning: {problem}", err=True)
    for c in registry.commands:
        if c.name in cli.commands:  # qc's own commands, or another plugin's of that name, stay
            click.echo(f"warning: plugin {c.plugin}: command {c.name!r} is already qc's; skipped", err=True)
        else:
            cli.add_command(c.command, c.name)


def _plain(exc: BaseException) -> str:
    """One line a QC specialist can act on, for errors no command anticipated."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if isinstance(exc, sqlite3.DatabaseError):
        return f"the database cannot be used ({exc}); is --db a qc-engine SQLite file?"
    return f"{type(exc).__name__}: {exc} (set QC_DEBUG=1 to see the details)"


def main(argv=None) -> None:
    _add_plugin_commands()
    try:
        code = cli.main(args=argv, prog_name="qc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - a user sees one line, not a traceback
        if os.environ.get("QC_DEBUG"):
            raise
        if isinstance(exc, KeyboardInterrupt):
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        click.echo(f"Error: {_plain(exc)}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
