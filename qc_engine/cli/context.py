"""What every command may ask of the command line it runs in: the config file in force and the language."""
from __future__ import annotations

from dataclasses import dataclass, field

import click

from qc_engine import lang as language
from qc_engine.cli.settings import Config
from qc_engine.model import DEFAULT_TIMEZONE


@dataclass
class Invocation:
    config: Config = field(default_factory=Config)
    lang: str = "en"
    lang_source: str = "default"

    @property
    def timezone(self) -> str:
        return self.config.get("timezone", DEFAULT_TIMEZONE)


def invocation() -> Invocation:
    """The current command line's settings (a command run on its own, as in some tests, gets the defaults)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Invocation) if ctx is not None else None
    return found or Invocation(lang=language.current())


def source_of(param_name: str, config_key: str) -> str:
    """Where a command's option value came from: the command line, the config file, or the built-in default."""
    ctx = click.get_current_context()
    src = ctx.get_parameter_source(param_name)
    if src is click.core.ParameterSource.DEFAULT_MAP:
        return str(invocation().config.path)
    if src in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT):
        return "command line"
    return "default"
