"""Per-shop settings of the sales figures: the `orders` rule-file section and its defaults."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qc_engine.model import DEFAULT_TIMEZONE
from qc_engine.plugins import Registry
from qc_engine.rulefiles.files import merged_config
from qc_engine.audit.ruleset import RuleBook
from qc_engine.schemas import load_schema

DEFAULT_WINDOW_DAYS = 1

# The section is part of the core rule-file schema; this is the same object, for code that wants it alone.
ORDERS_SECTION_SCHEMA: dict[str, Any] = load_schema("rulefile")["properties"]["orders"]


@dataclass(frozen=True)
class SalesSettings:
    """The settings of one shop, with the documented defaults filled in."""

    timezone: str = DEFAULT_TIMEZONE
    window_days: int = DEFAULT_WINDOW_DAYS
    count_refunds_as_paid: bool = False
    count_closed_as_paid: bool = False
    columns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict[str, Any], default_timezone: str = DEFAULT_TIMEZONE) -> "SalesSettings":
        """Settings from a merged rule-file configuration."""
        section = config.get("orders") or {}
        return cls(
            timezone=config.get("timezone") or default_timezone,
            window_days=int(section.get("window_days", DEFAULT_WINDOW_DAYS)),
            count_refunds_as_paid=bool(section.get("count_refunds_as_paid", False)),
            count_closed_as_paid=bool(section.get("count_closed_as_paid", False)),
            columns=dict(section.get("columns") or {}),
        )


class SettingsBook:
    """Reads the rule files once and hands out each shop's SalesSettings (RuleFileError on a bad file)."""

    def __init__(self, registry: Registry, rule_files: list[str | Path] = (), default_timezone: str = DEFAULT_TIMEZONE):
        self._book = RuleBook(registry, list(rule_files))  # loads and validates files; compiles no rule until asked
        self._default_timezone = default_timezone
        self._cache: dict[str, SalesSettings] = {}
        self.general = SalesSettings.from_config(
            merged_config(self._book.default_files + [f for f in self._book.files if f.shops is None]),
            default_timezone,
        )

    def for_shop(self, shop: str) -> SalesSettings:
        settings = self._cache.get(shop)
        if settings is None:
            config = merged_config(list(self._book.files_for(shop)))
            settings = self._cache[shop] = SalesSettings.from_config(config, self._default_timezone)
        return settings

    def timezone_of(self, shop: str) -> str:
        return self.for_shop(shop).timezone
