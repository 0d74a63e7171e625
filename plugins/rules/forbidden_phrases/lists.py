"""The rule-file section ``forbidden_phrases`` (its schema) and its compilation into one phrase matcher.

Lists with the same name are merged; every phrase, pattern term and allow entry is expanded
(``qc_engine.text.variants``: ``{name}`` variant sets, numbers either way, colloquial forms,
``~`` sounds, ``{数}``), and the matcher is compiled once per distinct section, shared by
FP01-FP05 of a shop. Patterns (``qc_engine.text.patterns``) are compiled here too.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Iterable

from qc_engine.model import SEVERITIES
from qc_engine.text.boundaries import BOUNDARIES
from qc_engine.text.patterns import PATTERN_SCHEMA, Pattern, compile_pattern, label
from qc_engine.text.phrases import DEFAULT_REGEX_TIMEOUT, Entry, PhraseMatcher, compile_regex
from qc_engine.text.variants import MAX_SPELLINGS, RESERVED_SETS, Term, expand_sets, parse_term

SECTION = "forbidden_phrases"
RULE_IDS = ("FP01", "FP02", "FP03", "FP04", "FP05")
MAX_EXPANSIONS = MAX_SPELLINGS  # per phrase: {a}{b}{c} must not explode

_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
_SEVERITY = {"enum": list(SEVERITIES)}
_BOUNDARY = {"enum": list(BOUNDARIES), "description": "word: whole words only; start: the phrase may begin a longer word; none: anywhere."}
_PHRASE = {
    "oneOf": [
        _TEXT,
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["phrase"],
            "properties": {"phrase": _TEXT, "severity": _SEVERITY, "boundary": _BOUNDARY},
        },
    ]
}
_REGEX = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 500},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["pattern"],
            "properties": {
                "pattern": {"type": "string", "minLength": 1, "maxLength": 500},
                "name": {"type": "string", "maxLength": 100, "description": "Shown in findings instead of the pattern."},
                "severity": _SEVERITY,
                "only_if_contains": {
                    "type": "array", "items": _TEXT, "maxItems": 100,
                    "description": "Run the regex only on messages containing one of these (speed).",
                },
            },
        },
    ]
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Forbidden-phrase lists (rules FP01-FP05). Lists add to the defaults; allow entries win over deny entries.",
    "properties": {
        "check_bots": {"type": "boolean", "description": "Also check bot / auto-reply messages (default false)."},
        "regex_timeout_ms": {"type": "number", "minimum": 1, "maximum": 1000},
        "allow": {"type": "array", "items": _TEXT, "maxItems": 100000},
        "variants": {
            "type": "object",
            "description": "{name} in a phrase or pattern term stands for each variant listed under name ({数} is built in: any number).",
            "propertyNames": {"pattern": "^[^{}]{1,20}$", "not": {"enum": list(RESERVED_SETS)}},
            "additionalProperties": {"type": "array", "items": {"type": "string", "maxLength": 50}, "maxItems": 500},
        },
        "lists": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 60},
                    "rule": {"enum": list(RULE_IDS)},
                    "title": {"type": "string", "maxLength": 100},
                    "severity": _SEVERITY,
                    "expected": {"type": "string", "maxLength": 300},
                    "boundary": _BOUNDARY,
                    "skip_negated": {"type": "boolean"},
                    "phrases": {"type": "array", "items": _PHRASE, "maxItems": 100000},
                    "regexes": {"type": "array", "items": _REGEX, "maxItems": 1000},
                    "patterns": {"type": "array", "items": PATTERN_SCHEMA, "maxItems": 10000},
                    "allow": {"type": "array", "items": _TEXT, "maxItems": 100000},
                },
            },
        },
    },
}


def merged_lists(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The section's lists with same-name lists merged: entries add up, later settings replace."""
    by_name: dict[str, dict[str, Any]] = {}
    for item in section.get("lists") or []:
        merged = by_name.setdefault(item["name"], {"phrases": [], "regexes": [], "patterns": [], "allow": []})
        for key, value in item.items():
            if key in ("phrases", "regexes", "patterns", "allow"):
                merged[key] = merged[key] + list(value)
            else:
                merged[key] = value
    return list(by_name.values())


def expand(phrase: str, variants: dict[str, list[str]]) -> list[str]:
    """Every spelling of a phrase whose {name} placeholders stand for their variants."""
    return expand_sets(phrase, variants)


@lru_cache(maxsize=64)
def _compile(section_json: str) -> tuple[PhraseMatcher, tuple[tuple[str, str], ...]]:
    """The shared matcher, and (rule id, problem) for each entry that could not be used.

    A bad entry (invalid regex, unknown {variant}, a term with nothing to match) is left out
    and reported by the rule that owns it only, so a shop's broken FP05 entry does not stop
    FP01-FP04. Problems name the list and the entry.
    """
    section = json.loads(section_json)
    variants = {k: list(dict.fromkeys(v)) for k, v in (section.get("variants") or {}).items()}
    phrases: list[tuple[Term, Entry]] = []
    regexes, allow, patterns, problems = [], [], [], []

    def attempt(rules: Iterable[str], where: str, make):
        try:
            return make()
        except ValueError as exc:
            problems.extend((rule, f"{where}: {exc}") for rule in rules)
            return None

    for text in section.get("allow") or []:
        allow.extend((p, None) for p in attempt(RULE_IDS, "allow", lambda: expand(text, variants)) or ())
    for lst in merged_lists(section):
        rule, group = lst.get("rule", "FP05"), lst["name"]
        base = dict(rule=rule, group=group, skip_negated=bool(lst.get("skip_negated", False)))
        where = f"list {group!r}"
        for item in lst["phrases"]:
            item = {"phrase": item} if isinstance(item, str) else item
            settings = dict(severity=item.get("severity") or lst.get("severity", ""),
                            boundary=item.get("boundary") or lst.get("boundary", "word"), **base)
            # One entry per {name} spelling: a finding names the words found (加薇信), not {加}{微信}.
            for spelling in attempt([rule], where, lambda: expand(item["phrase"], variants)) or ():
                entry = Entry(label=spelling.lstrip("~"), **settings)
                term = attempt([rule], where, lambda: parse_term(spelling, {}))
                if term is None:
                    continue
                if term.regex:  # a phrase with {数}: a pattern of one term
                    patterns.append(compile_pattern({"any": [spelling]}, entry, {}))
                else:
                    phrases.append((term, entry))
        for i, spec in enumerate(lst["patterns"], 1):
            entry = Entry(label=label(spec), severity=spec.get("severity") or lst.get("severity", ""),
                          boundary=spec.get("boundary") or lst.get("boundary", "word"), **base)
            pattern = attempt([rule], f"{where}, pattern {i} ({label(spec)})", lambda: compile_pattern(spec, entry, variants))
            if pattern is not None:
                patterns.append(pattern)
        for item in lst["regexes"]:
            item = {"pattern": item} if isinstance(item, str) else item
            entry = Entry(label=item.get("name") or item["pattern"], severity=item.get("severity") or lst.get("severity", ""),
                          is_regex=True, **base)
            if attempt([rule], where, lambda: compile_regex(item["pattern"], group)) is None:
                continue
            regexes.append((item["pattern"], entry, item.get("only_if_contains") or ()))
        for text in lst["allow"]:
            allow.extend((p, group) for p in attempt([rule], where, lambda: expand(text, variants)) or ())
    timeout = float(section.get("regex_timeout_ms", DEFAULT_REGEX_TIMEOUT * 1000)) / 1000
    return PhraseMatcher(phrases, regexes, allow, regex_timeout=timeout, patterns=patterns), tuple(problems)


def patterns_of(config: dict[str, Any], rule_id: str) -> list[Pattern]:
    """The compiled patterns one rule reports, for its reference page."""
    return [p for p in matcher_for(config).patterns if p.entry.rule == rule_id]


def section_json(config: dict[str, Any]) -> str:
    """The merged section as canonical JSON: equal settings, equal text."""
    return json.dumps(config.get(SECTION) or {}, ensure_ascii=False, sort_keys=True)


def compiled_matcher(section: str) -> PhraseMatcher:
    """The matcher of a section given as canonical JSON, compiled once (its unusable entries left out)."""
    return _compile(section)[0]


def matcher_for(config: dict[str, Any], rule_id: str | None = None) -> PhraseMatcher:
    """The compiled matcher of a merged configuration (shared by FP01-FP05 of the same shop).

    With ``rule_id``: ValueError describing the first unusable entry of that rule's lists.
    """
    matcher, problems = _compile(section_json(config))
    mine = [problem for rule, problem in problems if rule == rule_id]
    if mine:
        more = f" (and {len(mine) - 5} more)" if len(mine) > 5 else ""
        raise ValueError(f"{SECTION}: " + "; ".join(mine[:5]) + more)
    return matcher
