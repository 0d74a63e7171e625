"""`qc config ...`: the settings in force and where each came from; a qc.toml to start from."""
from __future__ import annotations

import json
import os
from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.cli.context import invocation
from qc_engine.cli.settings import CONFIG_ENV, FILE_NAME, KEYS
from qc_engine.model import DEFAULT_TIMEZONE
from qc_engine.text.diskcache import CACHE_DIR_ENV, cache_dir

TEMPLATE = """\
# qc.toml: what `qc audit` and `qc report` use when the command line does not say.
# Relative paths are relative to this file's folder. `qc config show` prints what is in force.

db = "qc.db"                      # the results (qc audit --db)
rules = ["rules/shops/"]          # shop rule files or folders (qc audit --rules)
inputs = ["logs/{date}/"]         # what `qc audit` reads when given no paths ({date}: the --date day)
out = "reports/{date}/"           # report folder ({date}: the report's day)
lang = "zh"                       # zh or en: messages and reports
timezone = "{timezone}"        # the shops' time zone (dates by name, exports without an offset)
# shop = "山野茶庄"               # shop of exports that name none (as qc audit --shop)

[shops]                           # WeCom archives name no shop: the staff account or corp id -> shop
# zhangsan = "山野茶庄"
# wwcorp0001 = "萌宠用品店"
"""


@click.group("config", help=N_("The settings file qc.toml: what is in force and where it came from."))
def config_group():
    pass


def settings_in_force() -> list[tuple[str, object, str]]:
    """(key, value, source) of every setting, as the commands will use them."""
    inv = invocation()
    cfg = inv.config
    rows: list[tuple[str, object, str]] = []
    where = f"{cfg.path}" if cfg.path else ""
    rows.append(("config", str(cfg.path) if cfg.path else None,
                 cfg.found_by or _("no {name} in the working folder and no {env}").format(name=FILE_NAME, env=CONFIG_ENV)))
    for key in KEYS:
        if key == "lang":
            rows.append((key, inv.lang, inv.lang_source))
        elif key in cfg.values:
            rows.append((key, cfg.values[key], where))
        elif key == "timezone":
            rows.append((key, DEFAULT_TIMEZONE, _("default")))
        else:
            rows.append((key, None, _("not set")))
    chosen = os.environ.get(CACHE_DIR_ENV)
    cache = cache_dir()
    rows.append(("cache", str(cache) if cache else None,
                 f"{CACHE_DIR_ENV}={chosen}" if chosen is not None else _("default for this system")))
    return rows


@config_group.command("show", help=N_("Print every setting in force and where it came from (command line, "
                                      "qc.toml, environment or default)."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON (for scripts)."))
def show_cmd(as_json):
    rows = settings_in_force()
    if as_json:
        click.echo(json.dumps({k: {"value": v, "source": s} for k, v, s in rows}, ensure_ascii=False, indent=2))
        return
    from qc_engine.cli.tables import print_table

    def shown(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, list):
            return ", ".join(value)
        if isinstance(value, dict):
            return ", ".join(f"{k} → {v}" for k, v in value.items())
        return str(value)

    print_table([_("setting"), _("value"), _("from")], [[k, shown(v), s] for k, v, s in rows])


@config_group.command("init", help=N_("Write a commented qc.toml to start from (never over an existing file)."))
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def init_cmd(path):
    path = path or Path(FILE_NAME)
    if path.exists():
        raise click.ClickException(_("{path} exists already; edit it, or name another file").format(path=path))
    path.write_text(TEMPLATE.replace("{timezone}", DEFAULT_TIMEZONE), encoding="utf-8")
    click.echo(_("wrote {path}; `qc config show` prints what is in force").format(path=path))
