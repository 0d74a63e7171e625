"""Benchmark: the audit against the floor, on the same generated day, in one run.

    python benchmarks/bench.py --messages 400000 --workers 2
    python benchmarks/bench.py --curve            # 10k, 100k and 1M messages

The floor is the least work any audit must do: parse every conversation of the JSONL day and
store every message row in SQLite through sqlite-utils, as it comes (a rollback journal, and a synced
commit every 100 rows). A stricter floor is timed too: the same with the durability settings of the
audit's store (write-ahead log, synchronous=NORMAL), so that neither side is timed on syncs the other
does not do. The audit is `qc audit` with the default rules. Both run as child processes and are measured the same way: wall time, and peak memory
(ru_maxrss of the child, which includes its reaped worker processes, as RUSAGE_CHILDREN reports
it; plus the peak of the whole process tree's summed RSS, sampled). Days are generated once and
cached under benchmarks/data/ (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import daygen  # noqa: E402
from qc_engine.reports.i18n import CATEGORIES  # noqa: E402 - the built-in categories

DATA = HERE / "data"
CURVE = (10_000, 100_000, 1_000_000)


@dataclass
class Measured:
    seconds: float
    maxrss_mb: float  # the largest single process (child or one of its workers)
    tree_peak_mb: float  # the largest sum over the child and its descendants, sampled every 50 ms
    returncode: int
    stderr: str


def ensure_day(messages: int, seed: int, jobs: int) -> tuple[Path, Path, dict]:
    """The cached day for (messages, seed, generator version), generated when missing."""
    DATA.mkdir(parents=True, exist_ok=True)
    stem = DATA / f"day-{messages}-s{seed}-g{daygen.GENERATOR_VERSION}"
    day, labels, meta = stem.with_suffix(".jsonl"), stem.with_suffix(".labels.jsonl"), stem.with_suffix(".json")
    if not (day.exists() and labels.exists() and meta.exists()):
        t0 = time.perf_counter()
        tmp_day, tmp_labels = day.with_suffix(".tmp"), labels.with_suffix(".tmp")
        counts = daygen.write_day(daygen.DayConfig(messages=messages, seed=seed), out=tmp_day, labels=tmp_labels, jobs=jobs)
        counts["generate_s"] = round(time.perf_counter() - t0, 2)
        tmp_day.replace(day)
        tmp_labels.replace(labels)
        meta.write_text(json.dumps(counts), encoding="utf-8")
        print(f"generated {day.name}: {counts['messages']:,} messages in {counts['generate_s']}s "
              f"({counts['messages'] / counts['generate_s']:,.0f} messages/s, {jobs} jobs)")
    return day, labels, json.loads(meta.read_text(encoding="utf-8"))


def floor(day: Path, db_path: Path, store_settings: bool = False) -> None:
    """Parse every conversation and insert every message row, plainly, through sqlite-utils."""
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    if store_settings:
        db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")

    def rows():
        with open(day, encoding="utf-8") as f:
            for line in f:
                conv = json.loads(line)
                cid = conv["conversation_id"]
                for i, m in enumerate(conv["messages"]):
                    yield {"conversation_id": cid, "message_index": i, "ts": m["ts"], "role": m["role"],
                           "sender": m.get("sender", ""), "text": m["text"]}

    db["messages"].insert_all(rows())


def _tree_rss_kb(pid: int) -> int:
    """Summed RSS of pid and its descendants (Linux /proc; 0 where unavailable)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str]) -> Measured:
    """Run cmd as a child; its wall time, its ru_maxrss (via wait4) and its sampled tree peak."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        peak, done = [0], threading.Event()

        def sample():
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Measured(seconds, usage.ru_maxrss / 1024, peak[0] / 1024, proc.returncode, stderr)


def score(db_path: Path, labels: Path) -> list[str]:
    """Findings against the generator's labels: precision and recall per category."""
    db = sqlite3.connect(db_path)
    got = {c: set() for c in CATEGORIES}
    for cid, cat, idx in db.execute("select conversation_id, category, message_index from findings"):
        if cat in got:
            got[cat].add((cid, idx) if cat in ("forbidden_phrase", "privacy_leak") else cid)
    want = {c: set() for c in CATEGORIES}
    with open(labels, encoding="utf-8") as f:
        for line in f:
            lab = json.loads(line)
            if "broken" in lab:
                continue
            cid = lab["conversation_id"]
            for cat in ("latency", "script_adherence"):
                if lab[cat]:
                    want[cat].add(cid)
            for cat in ("forbidden_phrase", "privacy_leak"):
                want[cat].update((cid, i) for i in lab[cat])
    out = []
    for cat in CATEGORIES:
        tp = len(got[cat] & want[cat])
        p = tp / len(got[cat]) if got[cat] else float(not want[cat])
        r = tp / len(want[cat]) if want[cat] else 1.0
        out.append(f"  {cat:17s} findings {len(got[cat]):>8,}  labelled {len(want[cat]):>8,}  precision {p:.3f}  recall {r:.3f}")
    return out


def run_once(messages: int, seed: int, workers: int, jobs: int, keep: bool, show_score: bool) -> dict:
    day, labels, meta = ensure_day(messages, seed, jobs)
    n = meta["messages"]
    with tempfile.TemporaryDirectory(prefix="qc-bench-") as tmp:
        floor_db, strict_db, audit_db = Path(tmp) / "floor.db", Path(tmp) / "strict.db", Path(tmp) / "audit.db"
        me = [sys.executable, str(Path(__file__).resolve())]
        f = measure([*me, "--floor-only", str(day), str(floor_db)])
        strict = measure([*me, "--floor-only", str(day), str(strict_db), "--store-settings"])
        for run in (f, strict):
            if run.returncode:
                raise SystemExit(f"floor failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
        a = measure([sys.executable, "-m", "qc_engine", "audit", str(day), "--db", str(audit_db),
                     "--workers", str(workers), "--quiet"])
        row = {"messages": n, "floor_s": f.seconds, "strict_floor_s": strict.seconds, "audit_s": a.seconds,
               "floor_rss": f.maxrss_mb, "audit_rss": a.maxrss_mb, "floor_tree": f.tree_peak_mb, "audit_tree": a.tree_peak_mb,
               "audit_rc": a.returncode}
        if a.returncode:
            print(f"audit failed ({a.returncode}): {a.stderr.strip()[-2000:]}", file=sys.stderr)
            return row
        stored = sqlite3.connect(audit_db).execute("select count(*) from messages").fetchone()[0]
        row["stored"] = stored
        if show_score:
            row["score"] = score(audit_db, labels)
        if keep:
            kept = DATA / f"audit-{messages}-w{workers}.db"
            audit_db.replace(kept)
            print(f"kept {kept}")
    return row


def print_run(row: dict, workers: int) -> None:
    n = row["messages"]
    print(f"day: {n:,} messages")
    print(f"floor  {row['floor_s']:7.2f}s  {n / row['floor_s']:>9,.0f} messages/s  peak {row['floor_rss']:6.0f} MB "
          f"(tree {row['floor_tree']:.0f} MB)  sqlite-utils as it comes")
    print(f"strict {row['strict_floor_s']:7.2f}s  {n / row['strict_floor_s']:>9,.0f} messages/s  "
          f"the same with the store's write-ahead log and synchronous=NORMAL")
    if row["audit_rc"]:
        print("audit  failed")
        return
    print(f"audit  {row['audit_s']:7.2f}s  {n / row['audit_s']:>9,.0f} messages/s  peak {row['audit_rss']:6.0f} MB "
          f"(tree {row['audit_tree']:.0f} MB)  --workers {workers}")
    print(f"ratio audit/floor: {row['audit_s'] / row['floor_s']:.2f}  "
          f"(audit/strict floor: {row['audit_s'] / row['strict_floor_s']:.2f})")
    if row.get("stored") != n:
        print(f"warning: the audit stored {row.get('stored')} messages, the day has {n}")
    for line in row.get("score", ()):
        print(line)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=400_000)
    ap.add_argument("--workers", type=int, default=2, help="qc audit --workers")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="processes generating a missing day")
    ap.add_argument("--curve", action="store_true", help=f"run {', '.join(f'{n:,}' for n in CURVE)} messages")
    ap.add_argument("--score", action="store_true", help="also compare findings with the generator's labels")
    ap.add_argument("--keep", action="store_true", help="keep the audit database under benchmarks/data/")
    ap.add_argument("--floor-only", nargs=2, metavar=("DAY", "DB"), help=argparse.SUPPRESS)
    ap.add_argument("--store-settings", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.floor_only:
        floor(Path(a.floor_only[0]), Path(a.floor_only[1]), store_settings=a.store_settings)
        return 0
    if not a.curve:
        print_run(run_once(a.messages, a.seed, a.workers, a.jobs, a.keep, a.score), a.workers)
        return 0
    rows = [run_once(n, a.seed, a.workers, a.jobs, False, False) for n in CURVE]
    print(f"{'messages':>10} {'floor msg/s':>12} {'audit msg/s':>12} {'ratio':>6} {'ratio, strict':>14} "
          f"{'floor MB':>9} {'audit MB':>9} {'audit tree MB':>14}   (--workers {a.workers})")
    for r in rows:
        n, ok = r["messages"], r["audit_rc"] == 0
        audit_rate = f"{n / r['audit_s']:,.0f}" if ok else "failed"
        ratio = f"{r['audit_s'] / r['floor_s']:.2f}" if ok else "-"
        strict_ratio = f"{r['audit_s'] / r['strict_floor_s']:.2f}" if ok else "-"
        print(f"{n:>10,} {n / r['floor_s']:>12,.0f} {audit_rate:>12} {ratio:>6} {strict_ratio:>14} "
              f"{r['floor_rss']:>9.0f} {r['audit_rss']:>9.0f} {r['audit_tree']:>14.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
