"""qc.toml: the settings an office writes once (database, rule folders, report folder, shops, language).

Found as ``--config FILE``, else the file named by ``QC_CONFIG``, else ``qc.toml`` in the working folder.
Relative paths in it are relative to the file's own folder, so a scheduled job may start anywhere.
Options given on the command line win over the file. ``qc config show`` prints what is in force and
where each value came from.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qc_engine.lang import LANGS, N_, _
from qc_engine.model import DEFAULT_TIMEZONE

CONFIG_ENV = "QC_CONFIG"
FILE_NAME = "qc.toml"

# key: (kind, help); kinds: path, paths, text, lang, shops
KEYS: dict[str, tuple[str, str]] = {
    "db": ("path", N_("SQLite file of the results (qc audit --db)")),
    "rules": ("paths", N_("shop rule files or folders (qc audit --rules)")),
    "inputs": ("paths", N_("what qc audit reads when given no paths; {date} is the --date day")),
    "out": ("path", N_("report folder (qc report --out); {date} is the report's day")),
    "lang": ("lang", N_("language of messages and reports: zh or en")),
    "timezone": ("text", N_("the shops' time zone, for dates by name and exports without an offset")),
    "shop": ("text", N_("shop of exports that name none (qc audit --shop)")),
    "shops": ("shops", N_("WeCom staff account or corp id -> shop, for archives that name no shop")),
}


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass
class Config:
    path: Path | None = None
    found_by: str = ""  # "--config", "QC_CONFIG" or "working folder"
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def source(self, key: str) -> str:
        return f"{self.path}" if key in self.values else ""


def find(explicit: str | os.PathLike | None, environ=None, cwd: Path | None = None) -> tuple[Path | None, str]:
    """The config file in force and how it was found; (None, "") when there is none."""
    environ = os.environ if environ is None else environ
    if explicit:
        return Path(explicit), "--config"
    named = environ.get(CONFIG_ENV)
    if named:
        return Path(named), CONFIG_ENV
    if named is not None:  # QC_CONFIG set but empty: no config file at all
        return None, ""
    here = (cwd or Path.cwd()) / FILE_NAME
    return (here, _("working folder")) if here.is_file() else (None, "")


def load(explicit: str | os.PathLike | None = None, environ=None, cwd: Path | None = None) -> Config:
    """The settings of the config file in force (empty when there is none); ConfigError when it cannot be used."""
    path, found_by = find(explicit, environ, cwd)
    if path is None:
        return Config()
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(_("config file {path} does not exist").format(path=path)) from None
    except OSError as exc:
        raise ConfigError(_("config file {path} cannot be read: {error}").format(path=path, error=exc.strerror)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(_("config file {path} is not valid TOML: {error}").format(path=path, error=exc)) from None
    return Config(path.resolve(), found_by, _checked(raw, path.resolve().parent, path))


def _checked(raw: dict, base: Path, path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise ConfigError(_("{path}: unknown key {key!r}; known keys: {keys}").format(
                path=path, key=key, keys=", ".join(KEYS)))
        kind = KEYS[key][0]
        wrong = _("{path}: {key} must be {what}")
        if kind == "path":
            if not isinstance(value, str) or not value:
                raise ConfigError(wrong.format(path=path, key=key, what=_("a path")))
            values[key] = str(_resolve(value, base))
        elif kind == "paths":
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
                raise ConfigError(wrong.format(path=path, key=key, what=_("a path or a list of paths")))
            values[key] = [str(_resolve(v, base)) for v in items]
        elif kind == "lang":
            if value not in LANGS:
                raise ConfigError(wrong.format(path=path, key=key, what=" / ".join(LANGS)))
            values[key] = value
        elif kind == "text":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(wrong.format(path=path, key=key, what=_("a text")))
            values[key] = value.strip()
        elif kind == "shops":
            if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in _flat(value).values()):
                raise ConfigError(wrong.format(path=path, key=key, what=_("a table of account = \"shop\"")))
            values[key] = {k: v.strip() for k, v in _flat(value).items()}
    return values


def _flat(table: dict) -> dict:
    """[shops] may group accounts in sub-tables ([shops.wecom]); the accounts are what counts."""
    out = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(_flat(v))
        else:
            out[str(k)] = v
    return out


def _resolve(value: str, base: Path) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else base / p


def default_map(config: Config) -> dict[str, dict[str, Any]]:
    """click's defaults for each command from the config file (the command line still wins)."""
    v = config.values
    audit = {"db_path": v["db"]} if "db" in v else {}
    if "rules" in v:
        audit["rule_files"] = v["rules"]
    for key in ("timezone", "shop"):
        if key in v:
            audit[key] = v[key]
    reader = {"db_path": v["db"]} if "db" in v else {}
    report = dict(reader)
    if "out" in v:
        report["out_dir"] = v["out"]
    if "lang" in v:
        report["lang"] = v["lang"]
    orders = {**reader, **({"rule_files": v["rules"]} if "rules" in v else {})}
    if "timezone" in v:
        orders["timezone"] = v["timezone"]
    if "shop" in v:
        orders["shop"] = v["shop"]
    review = {name: dict(reader) for name in ("confirm", "overturn", "add", "list")}
    return {"audit": audit, "report": report, "sample": dict(reader), "review": review,
            "orders": {"import": orders}}
