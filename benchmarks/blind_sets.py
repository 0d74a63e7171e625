"""Score the default rules on held-out hand-written sets (tests/data/blind_*.yaml), as a user would.

    python benchmarks/blind_sets.py                       # every tests/data/blind_*.yaml
    python benchmarks/blind_sets.py tests/data/blind_m1.yaml -v

Each set is written blind, before looking at the lexicons, and is never tuned to: it estimates how the
matching generalizes (see the set's header for its format). The conversations are rendered to the
normalized JSON Lines, audited by ``qc audit`` with the default rules, and the findings read back from the
store. Forbidden phrases and privacy leaks are scored per agent message, latency and script adherence per
conversation (every conversation of a set is written to answer in time, greet and close). A finding of
the right category but another rule counts as right for the category and is listed as a rule mismatch.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATS = ("forbidden_phrase", "privacy_leak", "latency", "script_adherence")
PER_MESSAGE = {"FP": "forbidden_phrase", "PV": "privacy_leak"}
ROLES = {"c": "customer", "a": "agent", "b": "bot"}


def render(cases: list[dict], start: datetime) -> tuple[list[dict], dict]:
    """Conversations in the normalized format and the expected (conversation, message) -> rule."""
    convs, want = [], {}
    for n, case in enumerate(cases):
        t0 = start + timedelta(minutes=5 * n)
        messages = []
        for i, turn in enumerate(case["turns"]):
            role = ROLES[turn[0]]
            sender = f"{case['shop']}:客服" if role == "agent" else ("bot" if role == "bot" else "buyer")
            messages.append({"ts": (t0 + timedelta(seconds=8 * i)).isoformat() + "+08:00", "role": role,
                             "sender": sender, "text": str(turn[1])})
            if len(turn) > 2:
                want[(case["id"], i)] = turn[2]
        convs.append({"conversation_id": case["id"], "shop": case["shop"], "platform": "taobao",
                      "customer": "buyer", "messages": messages})
    return convs, want


def _qc() -> list[str]:
    here = Path(sys.executable).parent / "qc"
    return [str(here)] if here.exists() else [shutil.which("qc") or "qc"]


def score(path: Path, verbose: bool) -> float:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    convs, want = render(cases, datetime(2026, 11, 20, 10, 0, 0))
    text = {(c["conversation_id"], i): m["text"] for c in convs for i, m in enumerate(c["messages"])}
    with tempfile.TemporaryDirectory(prefix="qc-blind-") as tmp:
        src, db = Path(tmp) / "set.jsonl", Path(tmp) / "set.db"
        src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in convs), encoding="utf-8")
        run = subprocess.run([*_qc(), "audit", str(src), "--db", str(db), "-q"], capture_output=True, text=True)
        if run.returncode not in (0, 1) or not db.exists():
            sys.exit(f"qc audit failed: {run.stderr.strip() or run.stdout.strip()}")
        rows = sqlite3.connect(db).execute(
            "select conversation_id, message_index, category, rule_id from findings").fetchall()
    got: dict[str, dict] = {c: {} for c in CATS}
    for cid, idx, cat, rule in rows:
        if cat in PER_MESSAGE.values():
            got[cat].setdefault((cid, idx), set()).add(rule)
        elif cat in got:
            got[cat].setdefault(cid, set()).add(rule)
    agents = sum(m["role"] == "agent" for c in convs for m in c["messages"])
    print(f"{path.name}: {len(convs)} conversations, {agents} agent messages, {len(want)} labelled violations")
    worst = 1.0
    for cat in CATS:
        if cat in PER_MESSAGE.values():
            exp = {k: r for k, r in want.items() if PER_MESSAGE[r[:2]] == cat}
        else:
            exp = {}
        g = got[cat]
        tp = set(g) & set(exp)
        p = len(tp) / len(g) if g else 1.0
        r = len(tp) / len(exp) if exp else 1.0
        worst = min(worst, p, r)
        print(f"  {cat:17s} precision {p:.2f} recall {r:.2f}  (expected {len(exp)}, flagged {len(g)}, right {len(tp)})")
        if verbose:
            for k in sorted(set(exp) - set(g)):
                print(f"      missed {exp[k]} {k[0]}#{k[1]}: {text[k]}")
            for k in sorted(set(g) - set(exp), key=str):
                where = f"{k[0]}#{k[1]}: {text[k]}" if isinstance(k, tuple) else k
                print(f"      false+ {','.join(sorted(g[k]))} {where}")
            for k in sorted(tp):
                if exp[k] not in g[k]:
                    print(f"      rule   {exp[k]} -> {','.join(sorted(g[k]))} {k[0]}#{k[1]}: {text[k]}")
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss, false flag and rule mismatch")
    a = ap.parse_args(argv)
    paths = a.sets or sorted((ROOT / "tests" / "data").glob("blind_*.yaml"))
    worst = min(score(p, a.verbose) for p in paths)
    print(f"worst {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
