"""CPU cost of each part of an audit, per 100k messages: where the time goes, rule by rule.

    .venv/bin/python benchmarks/rule_costs.py [--messages 100000]

Loads a generated day (benchmarks/data/, made if missing), then times, in this one process:
parsing and normalizing, each rule on its own (derived facts rules share are cleared in between, so each
rule pays for what it computes), the whole rule set as the engine runs it, and turning results into rows.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from daygen import DayConfig, write_day  # noqa: E402

from qc_engine.audit.engine import audit_conversation  # noqa: E402
from qc_engine.model import RawRecord  # noqa: E402
from qc_engine.ingest.normalize import to_conversation  # noqa: E402
from qc_engine.audit.ruleset import RuleBook  # noqa: E402
from qc_engine.store.rows import Rows, add_audited  # noqa: E402
from qc_engine.testing import fresh_registry  # noqa: E402


def day_file(messages: int) -> Path:
    path = HERE / "data" / f"costs-{messages}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_day(DayConfig(messages=messages, seed=7), out=str(path))
    return path


def cpu(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    args = ap.parse_args()
    lines = day_file(args.messages).read_bytes().splitlines()
    book = RuleBook(fresh_registry())
    convs = []
    t_norm = cpu(lambda: convs.extend(to_conversation(RawRecord(l, "day", i)) for i, l in enumerate(lines, 1)))
    n = sum(len(c.messages) for c in convs)
    per = 100_000 / n
    print(f"{n:,} messages in {len(convs):,} conversations; CPU seconds per 100k messages:")
    print(f"  {'parse + normalize':24s} {t_norm * per:6.2f}")
    for c in convs:  # warm-up: compile every shop's rule set and load lazy resources outside the timings
        audit_conversation(c, book.for_shop(c.shop))
        c._derived.clear()  # each rule timed computing what it shares
    rulesets = [book.for_shop(c.shop) for c in convs]
    by_rule: dict[str, object] = {}
    for rs in rulesets:
        for compiled in rs.rules:
            by_rule.setdefault(compiled.rule.id, None)
    for rule_id in by_rule:
        def run(rule_id=rule_id):
            for conv, rs in zip(convs, rulesets):
                for compiled in rs.rules:
                    if compiled.rule.id == rule_id:
                        list(compiled.rule.check(conv))
                        list(compiled.metrics(conv) if compiled.metrics is not None else ())
                conv._derived.clear()
        print(f"  {'rule ' + rule_id:24s} {cpu(run) * per:6.2f}")
    results = []
    t_all = cpu(lambda: results.extend(audit_conversation(c, rs) for c, rs in zip(convs, rulesets)))
    print(f"  {'all rules (engine)':24s} {t_all * per:6.2f}")
    rows = Rows()
    t_rows = cpu(lambda: [add_audited(rows, r, 1) for r in results])
    print(f"  {'rows + masking':24s} {t_rows * per:6.2f}")
    print(f"  {'total before SQLite':24s} {(t_norm + t_all + t_rows) * per:6.2f}")


if __name__ == "__main__":
    main()
