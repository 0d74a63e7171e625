"""--help texts in the language in force: each command's and option's text is looked up in the catalog.

click keeps help texts as plain strings given at import time, before the language is known; the
English text stays the message id (kept aside on first use) and the shown text is its translation.
"""
from __future__ import annotations

from typing import Iterator

import click

from qc_engine.lang import _

_ORIGINAL = "_qc_msgids"


def _walk(command: click.Command) -> Iterator[click.Command]:
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from _walk(sub)


def _originals(command: click.Command) -> dict:
    kept = command.__dict__.get(_ORIGINAL)
    if kept is None:
        kept = command.__dict__[_ORIGINAL] = {
            "help": command.help, "short_help": command.short_help, "epilog": command.epilog,
            "params": {id(p): p.help for p in command.params if isinstance(p, click.Option)},
        }
    return kept


def help_texts(command: click.Command) -> Iterator[str]:
    """Every help text of a command tree, in English (the catalog's message ids)."""
    for cmd in _walk(command):
        kept = _originals(cmd)
        for key in ("help", "short_help", "epilog"):
            if kept[key]:
                yield kept[key]
        yield from (h for h in kept["params"].values() if h)


def localize(command: click.Command) -> None:
    """Show the help texts of a command tree in the language in force."""
    for cmd in _walk(command):
        kept = _originals(cmd)
        for key in ("help", "short_help", "epilog"):
            setattr(cmd, key, _(kept[key]) if kept[key] else kept[key])
        for p in cmd.params:
            original = kept["params"].get(id(p))
            if original:
                p.help = _(original)
        if "_help_option" in cmd.__dict__:  # click makes --help once, in the language of that moment: made again
            cmd._help_option = None
