"""Checking rule files exactly as an audit uses them: read, validated, and compiled for every shop they name.

``qc rules validate`` and ``qc audit`` both call ``check_rule_files``: a file validate calls fine is a file
the audit can use whole, and a file the audit could not use whole stops it before it starts (no rule is
switched off silently). Every problem names the file and the place in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qc_engine.lang import _
from qc_engine.plugins import Registry
from qc_engine.rulefiles.files import RuleFile, RuleFileError, load_rule_file, rule_file_paths, rule_file_schema


@dataclass
class RuleFilesCheck:
    files: list[RuleFile] = field(default_factory=list)  # the files that could be read
    errors: list[str] = field(default_factory=list)  # "FILE: at PLACE: what", every one found
    by_file: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, problem: str) -> None:
        self.errors.append(problem)
        self.by_file.setdefault(path, []).append(problem)

    def first_error(self) -> str:
        """The first problem on one line, with how many more there are."""
        more = len(self.errors) - 1
        first = self.errors[0].replace("\n", " ")
        return first + (f" (and {more} more problem(s); `qc rules validate` lists them all)" if more else "")


def check_rule_files(registry: Registry, paths: list[str | Path]) -> RuleFilesCheck:
    """Read, validate and compile the rule files (and the folders' files) as an audit would."""
    from qc_engine.audit.ruleset import compile_ruleset  # the audit layer compiles; rule files only describe

    check = RuleFilesCheck()
    schema = rule_file_schema(registry.section_schemas())
    defaults = [load_rule_file(p, schema) for p in registry.default_rule_files]
    for path in rule_file_paths(list(paths)):
        try:
            rule_file = load_rule_file(path, schema)
        except RuleFileError as exc:
            for line in str(exc).splitlines():
                check.add(str(path), line)
            continue
        check.files.append(rule_file)
        for problem in _unknown_rule_ids(rule_file, registry) + _working_hours(rule_file):
            check.add(rule_file.path, problem)
    baseline = set(compile_ruleset(registry, defaults).setup_errors)
    general = [f for f in check.files if f.shops is None]
    for rule_file in check.files:
        if rule_file.path in check.by_file:
            continue  # its problems are said already, where they are
        # Each file over the defaults (and, for a shop's file, the general files it is layered over).
        layered = defaults + (general if rule_file.shops is not None else []) + [rule_file]
        layered = list({id(f): f for f in layered}.values())
        for error in compile_ruleset(registry, layered).setup_errors:
            if error not in baseline:
                check.add(rule_file.path, f"{rule_file.path}: {error}")
    attributed = {e.split(": ", 1)[1] for e in check.errors if ": " in e}
    shops = sorted({s for f in check.files if f.shops for s in f.shops})
    for shop in shops:  # files that start alone but not together
        own = [f for f in check.files if f.shops is not None and f.applies_to(shop)]
        for error in compile_ruleset(registry, defaults + general + own).setup_errors:
            if error not in baseline and error not in attributed:
                where = ", ".join(f.path for f in own)
                check.add(own[0].path, f"{where}: for shop {shop!r}, together: {error}")
    return check


def _unknown_rule_ids(rule_file: RuleFile, registry: Registry) -> list[str]:
    known = {r.cls.id for r in registry.rules}
    settings = rule_file.data.get("rules") or {}
    out = []
    for rule_id in settings if isinstance(settings, dict) else ():
        if rule_id not in known:
            near = [k for k in sorted(known) if k.lower() == str(rule_id).lower()]
            hint = f" (did you mean {near[0]}?)" if near else "; `qc rules list` shows them"
            out.append(f"{rule_file.path}: at rules/{rule_id}: unknown rule id {rule_id!r}{hint}")
    return out


def _working_hours(rule_file: RuleFile) -> list[str]:
    from qc_engine.text.workhours import parse_spans

    section = rule_file.data.get("working_hours")
    out = []
    for key, value in (section.items() if isinstance(section, dict) else ()):
        if isinstance(value, str) and key != "calendar":  # calendar names one (china, none); the rest are spans
            try:
                parse_spans(value)
            except ValueError as exc:
                out.append(f"{rule_file.path}: at working_hours/{key}: {exc}")
    return out


def unmatched_shops(files: list[RuleFile], shops_seen: set[str]) -> list[str]:
    """Warnings for a run: shops a file names that the data did not have, and shops of the data no shop's file
    matched (when there are shop files at all: a typo in a shop's name switches its own settings off)."""
    warnings = []
    own_files = [f for f in files if f.shops is not None]
    for f in own_files:
        for shop in f.shops:
            if shop not in shops_seen:
                warnings.append(_("rule file {file}: shop {shop!r} (under shops:) matched no shop in this run's data").format(
                    file=f.path, shop=shop))
    if own_files:
        for shop in sorted(shops_seen):
            if not any(f.applies_to(shop) for f in own_files):
                warnings.append(_("shop {shop!r} of this run's data matched no shop rule file; it was audited with the general "
                                  "rules").format(shop=shop))
    return warnings
