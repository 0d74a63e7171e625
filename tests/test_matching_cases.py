"""The default rules on hand-written agent messages (tests/data/matching_cases.yaml), scored per category.

Each case is one agent message after a customer message; a case expects one rule to fire, or no
forbidden-phrase and no privacy finding. Precision and recall are counted per category over all the
cases, as a QC team counts them; the table per class of wording is printed (pytest -s) to show where a
miss or a false flag comes from.
"""
from collections import defaultdict
from pathlib import Path

import yaml

from qc_engine.audit.engine import audit_conversation
from qc_engine.testing import conversation_from_lines, ruleset_for

CASES = Path(__file__).parent / "data" / "matching_cases.yaml"
CATEGORY = {"FP": "forbidden_phrase", "PV": "privacy_leak"}
TARGET = 0.95


def _cases():
    data = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    for klass, rows in data.items():
        for row in rows:
            shop, expected, text = row[:3]
            customer = row[3] if len(row) > 3 else "在吗"
            yield klass, shop, expected, text, customer


def _score():
    ruleset = ruleset_for()
    counts = defaultdict(lambda: defaultdict(int))  # (scope) -> tp/fp/fn
    wrong = []
    for klass, shop, expected, text, customer in _cases():
        conv = conversation_from_lines([("customer", 5, customer), ("agent", 5, text)])
        result = audit_conversation(conv, ruleset)
        assert not result.errors, result.errors
        found = [f for f in result.findings if f.message_index == 1 and f.category in CATEGORY.values()]
        got = {f.category for f in found}
        want = {CATEGORY[expected[:2]]} if expected != "ok" else set()
        for category in CATEGORY.values():
            outcome = ("tp" if category in got else "fn") if category in want else ("fp" if category in got else None)
            if outcome:
                for scope in (category, f"{category} / {klass}", f"{category} / {shop}"):
                    counts[scope][outcome] += 1
        if got != want:
            wrong.append(f"{klass} {shop} want {expected} got {sorted(f.rule_id for f in found)}: {text}")
    return counts, wrong


def _pr(c) -> tuple[float, float]:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    return precision, recall


def test_default_rules_on_hand_written_cases():
    counts, wrong = _score()
    for scope in sorted(counts):
        p, r = _pr(counts[scope])
        c = counts[scope]
        print(f"{scope:45} precision {p:.2f} recall {r:.2f}  (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})")
    print("\n".join(wrong))
    for category in CATEGORY.values():
        p, r = _pr(counts[category])
        assert p >= TARGET and r >= TARGET, f"{category}: precision {p:.2f}, recall {r:.2f}\n" + "\n".join(wrong)
