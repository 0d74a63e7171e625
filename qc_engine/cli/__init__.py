"""The `qc` command line: nouns and verbs (qc audit, qc rules ..., qc plugins ...)."""
from __future__ import annotations

import os
import sqlite3
import sys

import click

from qc_engine import __version__
from qc_engine import lang as language
from qc_engine.lang import N_, _
from qc_engine.plugins import collect, load_plugins
from qc_engine.text.clean import terminal_safe
from qc_engine.cli import settings
from qc_engine.cli.accounts import accounts_group
from qc_engine.cli.audit import audit
from qc_engine.cli.config import config_group
from qc_engine.cli.context import Invocation
from qc_engine.cli.datasette import datasette_cmd
from qc_engine.cli.localize import localize
from qc_engine.cli.orders import orders_group
from qc_engine.cli.plugins import plugins_group
from qc_engine.cli.report import report
from qc_engine.cli.review import review_group
from qc_engine.cli.sample import sample
from qc_engine.cli.serve import serve
from qc_engine.cli.rules import rules_group


def _option_value(args: list[str], name: str) -> str | None:
    """The value of ``--name X`` or ``--name=X`` anywhere before ``--`` (the last one wins, as click has it)."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == name and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith(name + "="):
            found = arg[len(name) + 1:]
    return found


def prepare(args: list[str], environ=None) -> Invocation:
    """Before click reads the command line: the config file in force and the language, installed for every message.

    The language must be known before click parses anything: its errors and --help are shown while it parses.
    """
    environ = os.environ if environ is None else environ
    asked = _option_value(args, "--lang")
    if asked not in language.LANGS:
        asked = None  # click names the bad value itself, in the language of the environment
    lang, source = (asked, "--lang") if asked else language.from_locale(environ)
    language.install(lang)
    config = settings.load(_option_value(args, "--config"), environ)  # ConfigError: shown in that language
    if not asked and config.get("lang"):
        lang, source = config.get("lang"), str(config.path)
        language.install(lang)
    return Invocation(config, lang, source)


LANG_HELP = N_("Language of messages and reports. Default: the locale (LANG), Chinese when it is zh.")


def _lang_everywhere(group: click.Group) -> None:
    """Every command takes --lang (`qc audit --lang zh ...`); it acts in prepare(), before click parses."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _lang_everywhere(command)
        elif not any(p.name == "lang" for p in command.params):
            command.params.append(click.Option(["--lang"], type=click.Choice(language.LANGS), default=None,
                                               expose_value=False, help=LANG_HELP))


def _terminal_safe_echo() -> None:
    """Every message `qc` prints goes through click's echo: made terminal-safe there, once, it is safe whatever
    command prints it (a conversation id, a shop or a file name from an export may carry escape sequences)."""
    import click.exceptions
    import click.utils

    original = click.utils.echo
    if getattr(original, "terminal_safe", False):
        return

    def echo(message=None, file=None, nl=True, err=False, color=None):
        if isinstance(message, str):
            message = terminal_safe(message)
        return original(message, file=file, nl=nl, err=err, color=color)

    echo.terminal_safe = True
    for module in (click, click.utils, click.exceptions, click.termui):
        if getattr(module, "echo", None) is original:
            module.echo = echo


class QCGroup(click.Group):
    """The `qc` group: reads the config file and picks the language before click parses the command line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        _terminal_safe_echo()
        try:
            invocation = prepare(args)
        except settings.ConfigError as exc:
            error = click.ClickException(str(exc))
            if not standalone_mode:
                raise error from None
            error.show()
            sys.exit(error.exit_code)
        _lang_everywhere(self)
        localize(self)
        extra.setdefault("obj", invocation)
        extra.setdefault("default_map", settings.default_map(invocation.config))
        return super().main(args, prog_name, complete_var, standalone_mode, **extra)


@click.group(cls=QCGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             help=N_("""qc-engine: audit customer-service chats (质检) and report what to coach.

\b
A typical morning:
  qc audit logs/2026-11-20/ --db qc.db --rules shop-rules/
  qc report --db qc.db --date 2026-11-20 --out reports/

With a qc.toml in the working folder (see `qc config show`) the same morning is:

\b
  qc audit --date yesterday
  qc report --date yesterday"""))
@click.version_option(__version__, prog_name="qc")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, is_eager=True,
              help=N_("Settings file to use instead of ./qc.toml (or the QC_CONFIG environment variable)."))
@click.option("--lang", type=click.Choice(language.LANGS), default=None, is_eager=True, help=LANG_HELP)
def cli(config_file, lang):
    # --config and --lang take effect in QCGroup.main, before click parses anything; they are declared for --help.
    pass


cli.add_command(audit)
cli.add_command(rules_group)
cli.add_command(plugins_group)
cli.add_command(orders_group)
cli.add_command(report)
cli.add_command(sample)
cli.add_command(review_group)
cli.add_command(accounts_group)
cli.add_command(config_group)
cli.add_command(datasette_cmd)
cli.add_command(serve)


def _add_plugin_commands() -> None:
    registry = collect(load_plugins())
    for problem in registry.problems_of("register_commands"):  # one plugin's broken hook must not break `qc`
        click.echo(_("warning: {problem}").format(problem=problem), err=True)
    for c in registry.commands:
        if c.name in cli.commands:  # qc's own commands, or another plugin's of that name, stay
            click.echo(_("warning: plugin {plugin}: command {name!r} is already qc's; skipped").format(
                plugin=c.plugin, name=c.name), err=True)
        else:
            cli.add_command(c.command, c.name)


def _plain(exc: BaseException) -> str:
    """One line a QC specialist can act on, for errors no command anticipated."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if isinstance(exc, sqlite3.DatabaseError):
        return _("the database cannot be used ({error}); is --db a qc-engine SQLite file?").format(error=exc)
    return _("{kind}: {error} (set QC_DEBUG=1 to see the details)").format(kind=type(exc).__name__, error=exc)


def main(argv=None) -> None:
    _add_plugin_commands()
    try:
        code = cli.main(args=argv, prog_name="qc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(_("Aborted."), err=True)
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
            click.echo(_("Interrupted."), err=True)
            sys.exit(130)
        click.echo(_("Error: {message}").format(message=_plain(exc)), err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
