"""The rules that judge one shop: defaults, general files and the shop's own, compiled once per run."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from qc_engine.plugins import Registry
from qc_engine.rulefiles.files import RuleFile, RuleFileError, load_rule_file, merged_config, rule_file_paths, rule_file_schema
from qc_engine.audit.rule import Figures, Rule
from qc_engine.audit.scoring import Scorecard


@dataclass
class CompiledRule:
    rule: Rule
    plugin: str
    figures: Figures | None = None  # the figures this rule reports for the rules naming them too
    # What gives the rule's figures: its own metrics(), its Figures', both, or None (not worth a call).
    metrics: Callable[[Any], Iterable] | None = field(init=False, default=None)

    def __post_init__(self):
        own = self.rule.metrics if type(self.rule).metrics is not Rule.metrics else None
        shared = self.figures.metrics if self.figures is not None else None
        if own is not None and shared is not None:
            self.metrics = lambda conversation: [*own(conversation), *shared(conversation)]
        else:
            self.metrics = own or shared


@dataclass
class RuleSet:
    """Everything needed to audit a conversation of one shop; built once, used for all its conversations."""

    rules: list[CompiledRule]
    config: dict[str, Any]
    files: tuple[RuleFile, ...]
    setup_errors: list[str] = field(default_factory=list)
    file_ids: tuple[str, ...] = ()  # "name@sha" of each file, recorded with every conversation it judges
    scorecard: Scorecard = field(init=False)

    def __post_init__(self):
        self.file_ids = tuple(f"{Path(f.path).name}@{f.sha256[:12]}" for f in self.files)
        self.scorecard = Scorecard(self.config)


class RuleBook:
    """All rule files of a run; hands out the compiled rule set for each shop."""

    def __init__(self, registry: Registry, extra_files: list[str | Path] = (), checked: bool = False):
        """``checked``: refuse (RuleFileError, its first problem on one line) rule files that the audit could not
        use whole, as ``qc rules validate`` finds them; otherwise the first file that cannot be read raises."""
        self.registry = registry
        self.schema = rule_file_schema(registry.section_schemas())
        self.default_files = [load_rule_file(p, self.schema) for p in registry.default_rule_files]
        if checked:
            from qc_engine.rulefiles.check import check_rule_files

            check = check_rule_files(registry, list(extra_files))
            if check.errors:
                raise RuleFileError(check.first_error())
            self.files = check.files
        else:
            self.files = [load_rule_file(p, self.schema) for p in rule_file_paths(list(extra_files))]
        self._cache: dict[tuple[int, ...], RuleSet] = {}
        self._by_shop: dict[str, RuleSet] = {}
        self.setup_errors: list[str] = []  # of every rule set compiled so far, in order

    @property
    def all_files(self) -> list[RuleFile]:
        return self.default_files + self.files

    def files_for(self, shop: str) -> tuple[RuleFile, ...]:
        general = [f for f in self.files if f.shops is None]
        own = [f for f in self.files if f.shops is not None and f.applies_to(shop)]
        return tuple(self.default_files + general + own)

    def for_shop(self, shop: str) -> RuleSet:
        ruleset = self._by_shop.get(shop)
        if ruleset is None:
            ruleset = self._by_shop[shop] = self._compile_for(shop)
        return ruleset

    def _compile_for(self, shop: str) -> RuleSet:
        files = self.files_for(shop)
        key = tuple(id(f) for f in files)
        ruleset = self._cache.get(key)
        if ruleset is None:
            ruleset = self._cache[key] = compile_ruleset(self.registry, files)
            self.setup_errors.extend(ruleset.setup_errors)
        return ruleset


def compile_ruleset(registry: Registry, files: tuple[RuleFile, ...] | list[RuleFile]) -> RuleSet:
    config = merged_config(list(files))
    settings = config.get("rules") or {}
    compiled, errors = [], []
    figures_built: set[type[Figures]] = set()  # each figures class once, with the first enabled rule naming it
    for reg in registry.rules:
        if (settings.get(reg.cls.id) or {}).get("enabled", True) is False:
            continue
        try:
            rule = reg.cls(config)
            kind = reg.cls.figures
            figures = kind(config) if kind is not None and kind not in figures_built else None
            compiled.append(CompiledRule(rule, reg.plugin, figures))
            if kind is not None:
                figures_built.add(kind)
        except Exception as exc:  # noqa: BLE001 - a rule that cannot start is reported, the rest run
            errors.append(f"rule {reg.cls.id} ({reg.plugin}) could not start: {type(exc).__name__}: {exc}")
    return RuleSet(compiled, config, tuple(files), errors)
