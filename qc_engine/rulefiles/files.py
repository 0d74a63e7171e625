"""Rule files: reading them safely, validating them strictly, and merging them per shop."""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from qc_engine.text.diskcache import cached
from qc_engine.text.named_file import MAX_NAMED_FILE_BYTES, read_named_file  # noqa: F401 - part of this module's API
from qc_engine.schemas import load_schema

MAX_RULE_FILE_BYTES = 5 * 1024 * 1024
PER_FILE_KEYS = ("version", "name", "shops", "tests")


class RuleFileError(Exception):
    """A rule file that cannot be used; the message names the file, the place and what was expected."""


@dataclass(frozen=True)
class RuleFile:
    path: str
    data: dict[str, Any]
    sha256: str

    @property
    def name(self) -> str:
        return self.data.get("name") or Path(self.path).name

    @property
    def shops(self) -> tuple[str, ...] | None:
        """The shops this file is for, or None when it is for every shop."""
        shops = self.data.get("shops", "*")
        return None if shops == "*" else tuple(shops)

    def applies_to(self, shop: str) -> bool:
        return self.shops is None or shop in self.shops


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors/aliases: a rule file cannot expand into a memory bomb."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in rule files", event.start_mark)
        return super().compose_node(parent, index)


def _load_yaml(text: str) -> Any:
    if not yaml.__with_libyaml__:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    # libyaml's parser is several times faster; it composes in C, so aliases are looked for in its events first.
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in rule files", event.start_mark)
    return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe loader


def rule_file_schema(section_schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    """The rule-file schema: the core sections plus those the loaded rules read."""
    schema = copy.deepcopy(load_schema("rulefile"))
    for section, sub in (section_schemas or {}).items():
        schema["properties"].setdefault(section, sub)
    return schema


def _where(err) -> str:
    return "/".join(str(p) for p in err.absolute_path) or "(top level)"


def _explain(err) -> str:
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = err.message.split("(")[-1].rstrip(")") if "(" in err.message else err.message
        hint = f"; expected one of: {', '.join(allowed)}" if allowed and len(allowed) <= 30 else ""
        return f"unknown key {extra}{hint}"
    if err.validator == "oneOf" and err.context:
        best = max(err.context, key=lambda e: len(e.absolute_path))
        return best.message
    return err.message


def validate(data: Any, path: str, schema: dict[str, Any]) -> list[str]:
    """Every schema error as 'FILE: at PATH: what was expected'."""
    from jsonschema import Draft202012Validator  # here: a run whose rule files were all seen valid never needs it

    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{path}: at {_where(e)}: {_explain(e)}" for e in errors]


def parse(path: str | Path) -> tuple[Any, str]:
    """The file's content (YAML or JSON) and its sha256; RuleFileError when it cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read rule file: {exc.strerror or exc}") from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise RuleFileError(f"{path}: rule file is larger than {MAX_RULE_FILE_BYTES // (1024 * 1024)} MB")
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleFileError(f"{path}: rule file is not UTF-8 text") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = _load_yaml(text)
    except json.JSONDecodeError as exc:
        raise RuleFileError(f"{path}: at line {exc.lineno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise RuleFileError(f"{path}: nested too deeply to be a rule file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"at line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleFileError(f"{path}: {where}not valid YAML: {problem}") from None
    if data is None:
        data = {}
    return data, digest


def _resolve_files(node: Any, base: Path, path: str, where: str = "") -> Any:
    """Paths in ``*_file`` keys are relative to the rule file that names them, and must stay in its folder."""
    if isinstance(node, dict):
        return {
            k: (_named_file(v, base, path, f"{where}{k}") if k.endswith("_file") and isinstance(v, str)
                else _resolve_files(v, base, path, f"{where}{k}/"))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_resolve_files(v, base, path, f"{where}{i}/") for i, v in enumerate(node)]
    return node


def _named_file(name: str, base: Path, path: str, where: str) -> str:
    target = (base / name).resolve()
    if not target.is_relative_to(base):
        raise RuleFileError(f"{path}: at {where}: {name!r} is outside the rule file's folder {base}; "
                            "files a rule file names must lie beside it")
    return str(target)


def _schema_digest(schema: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def load_rule_file(path: str | Path, schema: dict[str, Any]) -> RuleFile:
    """Read and validate one rule file; RuleFileError lists every problem found."""
    data, digest = parse(path)

    def valid() -> bool:
        errors = validate(data, str(path), schema)
        if errors:
            raise RuleFileError("\n".join(errors))
        return True

    try:
        # The same content against the same schema is valid again: only the verdict "valid" is kept between runs.
        cached("valid-rule-file", f"1 {digest} {_schema_digest(schema)}", valid, lambda v: v is True)
        return RuleFile(str(path), _resolve_files(data, Path(path).resolve().parent, str(path)), digest)
    except RecursionError:
        raise RuleFileError(f"{path}: nested too deeply to be a rule file") from None


def rule_file_paths(paths: list[str | Path]) -> list[Path]:
    """Rule files named directly, or every .yaml/.yml/.json file in a folder (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in (".yaml", ".yml", ".json") and f.is_file()))
        else:
            out.append(p)
    return out


def merge(base: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    """Layer a rule file over a configuration: lists add, mappings merge, single values replace."""
    out = dict(base)
    for key, value in layer.items():
        if key in PER_FILE_KEYS:
            continue
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            out[key] = old + value
        else:
            out[key] = copy.deepcopy(value)
    return out


def merged_config(files: list[RuleFile]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for f in files:
        config = merge(config, f.data)
    return config


@cache
def core_defaults() -> dict[str, Any]:
    """The engine's own settings from ``rules/defaults/core.yaml`` (scoring, known bots), the one place they live.

    A run reads them as one of its default rule files; code that works without a rule book (the review rollup,
    a loader tried on its own) reads them here.
    """
    return load_rule_file(files("qc_rules").joinpath("defaults", "core.yaml"), rule_file_schema()).data
