"""An audit end to end through the public tables: counts add up, re-runs are idempotent, workers agree."""
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from conftest import audit, conversation, rows, write_jsonl

PLUGIN = textwrap.dedent('''
    from qc_engine import Rule, hookimpl

    class SaysSorry(Rule):
        """Agent says 抱歉 (a test rule).

        Bad:
            customer: 在吗
            agent: 抱歉
        Good:
            customer: 在吗
            agent: 您好
        """
        id = "TST01"
        name = "says-sorry"
        category = "test_category"
        severity = "minor"

        def check(self, conversation):
            for m in conversation.messages:
                if m.role == "agent" and "抱歉" in m.text:
                    yield self.finding(conversation, m.index, "抱歉", "agent said sorry")

    @hookimpl
    def register_rules(register):
        register(SaysSorry)
''')

TABLES = ("conversations", "messages", "findings", "metrics", "rejected", "rule_errors")


def day(tmp_path, n=30):
    convs = []
    for i in range(n):
        lines = [("10:00:00", "customer", "在吗"), ("10:00:05", "agent", "抱歉久等" if i % 3 == 0 else "您好"),
                 ("10:00:30", "customer", f"我的电话 1380013{i:04d}")]
        convs.append(conversation(f"c{i}", shop="山野茶庄" if i % 2 else "萌宠用品店", lines=lines))
    lines = [c if isinstance(c, str) else c for c in convs]
    lines.insert(5, "{not json")
    lines.insert(9, '{"conversation_id": "x", "shop": "s", "messages": []}')
    return write_jsonl(tmp_path / "day.jsonl", lines)


def plugin_file(tmp_path):
    p = tmp_path / "sorry_plugin.py"
    p.write_text(PLUGIN, encoding="utf-8")
    return p


def snapshot(db):
    out = {}
    for t in TABLES:
        cols = [r[1] for r in rows(db, f"pragma table_info({t})") if r[1] not in ("run_id", "id", "conversation_key")]  # keys, not content
        out[t] = sorted(rows(db, f"select {', '.join(cols)} from {t}"), key=repr)
    return out


def test_counts_add_up_and_bad_records_are_kept_aside(tmp_path, db_path):
    s = audit([day(tmp_path)], db_path, plugin_files=[plugin_file(tmp_path)])
    assert (s.read, s.audited, s.rejected) == (32, 30, 2)
    run = rows(db_path, "select status, read, audited, rejected, messages from runs")[0]
    assert run == ("complete", 32, 30, 2, 90)
    assert rows(db_path, "select count(*) from conversations")[0][0] == 30
    rejected = rows(db_path, "select source_file, line, reason from rejected order by line")
    assert [r[1] for r in rejected] == [6, 10]
    assert "not valid JSON" in rejected[0][2] and "messages" in rejected[1][2]
    assert rows(db_path, "select count(*) from findings where rule_id = 'TST01'")[0][0] == 10


def test_message_order_and_masking_in_the_store(tmp_path, db_path):
    audit([day(tmp_path, 3)], db_path)
    msgs = rows(db_path, "select message_index, role, text from messages where conversation_id = 'c1' order by message_index")
    assert [m[:2] for m in msgs] == [(0, "customer"), (1, "agent"), (2, "customer")]
    assert "13800130001" not in msgs[2][2] and "****" in msgs[2][2]
    started = rows(db_path, "select started_at, ended_at from conversations where conversation_id = 'c1'")[0]
    assert started == ("2026-11-20T10:00:00+08:00", "2026-11-20T10:00:30+08:00")


def test_auditing_the_same_day_twice_gives_the_same_rows(tmp_path, db_path):
    f, p = day(tmp_path), plugin_file(tmp_path)
    audit([f], db_path, plugin_files=[p])
    first = snapshot(db_path)
    audit([f], db_path, plugin_files=[p])
    second = snapshot(db_path)
    first.pop("rejected"), second.pop("rejected")  # kept per run, by design
    assert first == second
    assert rows(db_path, "select count(*) from runs where status = 'complete'")[0][0] == 2


def test_a_rerun_with_other_rules_replaces_the_stored_results(tmp_path, db_path):
    f = day(tmp_path)
    audit([f], db_path, plugin_files=[plugin_file(tmp_path)])
    assert rows(db_path, "select count(*) from findings where rule_id = 'TST01'")[0][0] == 10
    audit([f], db_path)
    assert rows(db_path, "select count(*) from findings where rule_id = 'TST01'")[0][0] == 0
    assert rows(db_path, "select count(distinct run_id) from conversations")[0][0] == 1
    assert rows(db_path, "select count(*) from messages")[0][0] == 30 * 3


def test_workers_give_the_same_database_content(tmp_path):
    f, p = day(tmp_path, 600), plugin_file(tmp_path)
    audit([f], tmp_path / "one.db", plugin_files=[p], workers=1)
    audit([f], tmp_path / "two.db", plugin_files=[p], workers=2)
    assert snapshot(tmp_path / "one.db") == snapshot(tmp_path / "two.db")


def test_duplicate_conversation_ids_are_rejected_not_merged(tmp_path, db_path):
    f = write_jsonl(tmp_path / "d.jsonl", [conversation("same"), conversation("same")])
    s = audit([f], db_path)
    assert (s.read, s.audited, s.rejected) == (2, 1, 1)
    assert "duplicate" in rows(db_path, "select reason from rejected")[0][0]


def test_duplicates_far_apart_in_a_large_day_are_rejected_too(tmp_path, db_path):
    convs = [conversation(f"c{i}") for i in range(1500)] + [conversation("c7"), conversation("c1200")]
    s = audit([write_jsonl(tmp_path / "d.jsonl", convs)], db_path, workers=2)
    assert (s.read, s.audited, s.rejected) == (1502, 1500, 2)
    assert sorted(r[0] for r in rows(db_path, "select raw from rejected")) == ["c1200", "c7"]


def test_a_rule_that_raises_is_recorded_and_the_others_still_run(tmp_path, db_path):
    broken = tmp_path / "broken_rule.py"
    broken.write_text(PLUGIN.replace('if m.role == "agent" and "抱歉" in m.text:', 'if m.index == 1 and 1 / 0:'), encoding="utf-8")
    other = tmp_path / "other.py"
    other.write_text(PLUGIN.replace("TST01", "TST02").replace("SaysSorry", "SaysSorry2"), encoding="utf-8")
    s = audit([day(tmp_path, 6)], db_path, plugin_files=[broken, other])
    assert s.audited == 6
    errs = rows(db_path, "select rule_id, error from rule_errors")
    assert len(errs) == 6 and all(r[0] == "TST01" and "ZeroDivisionError" in r[1] for r in errs)
    assert rows(db_path, "select count(*) from findings where rule_id = 'TST02'")[0][0] == 2


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"  # a zombie is dead, only not reaped yet
    except FileNotFoundError:
        return False


def _audit_writing_often(path, db):
    from qc_engine.run import runner

    runner.WRITE_EVERY_MESSAGES = 3_000  # several transactions in a small day
    audit([path], db)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from Linux /proc")
def test_sigkill_leaves_a_consistent_store_and_a_rerun_completes_it(tmp_path, db_path):
    import multiprocessing

    n = 6_000  # 18k messages, written every 3k: a day long enough to be killed between two writes
    f = day(tmp_path, n)
    proc = multiprocessing.get_context("fork").Process(target=_audit_writing_often, args=(f, db_path))
    proc.start()
    deadline = time.time() + 60
    written = workers = None
    while time.time() < deadline and not written:
        time.sleep(0.05)
        workers = _children(proc.pid)
        try:
            written = rows(db_path, "select count(*) from conversations")[0][0]
        except Exception:
            pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    assert 0 < written < n and workers  # killed mid-run, while a worker was auditing
    deadline = time.time() + 10
    while any(_alive(w) for w in workers) and time.time() < deadline:  # the workers go with it
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)
    assert rows(db_path, "pragma integrity_check")[0][0] == "ok"
    s = audit([f], db_path)
    assert s.audited == n
    assert rows(db_path, "select status from runs order by id") == [("incomplete",), ("complete",)]
    assert rows(db_path, "select count(*) from conversations")[0][0] == n
    assert rows(db_path, "select count(*) from messages")[0][0] == 3 * n


def test_jsonl_in_gbk_or_utf16_is_read_and_a_binary_file_is_one_clear_rejection(tmp_path, db_path):
    import json as _json
    line = _json.dumps(conversation("enc"), ensure_ascii=False) + "\n"
    (tmp_path / "gbk.jsonl").write_bytes(line.encode("gbk"))
    (tmp_path / "u16.jsonl").write_bytes(line.replace('"enc"', '"enc16"').encode("utf-16"))
    (tmp_path / "junk.jsonl").write_bytes(b'{"conversation_id": ' + bytes(range(256)) * 20 + b"\n")
    s = audit([tmp_path], db_path)
    assert (s.audited, s.rejected) == (2, 1)
    texts = {r[0] for r in rows(db_path, "select text from messages")}
    assert "在吗" in texts and "您好，在的" in texts
    assert "binary" in rows(db_path, "select reason from rejected")[0][0]


def test_batches_the_writing_process_audits_itself_store_the_same(tmp_path, monkeypatch):
    from qc_engine.run import batches, runner
    from qc_plugins.loaders import jsonl as jsonl_loader

    f, p = day(tmp_path, 600), plugin_file(tmp_path)
    audit([f], tmp_path / "usual.db", plugin_files=[p], workers=2)
    here = []

    class AuditedHere(batches._Done):
        def __init__(self, rows):
            here.append(rows)
            super().__init__(rows)

    # Tiny batches and one batch per worker at a time: the worker is nearly always busy when the next is read.
    monkeypatch.setattr(batches, "_Done", AuditedHere)
    monkeypatch.setattr(jsonl_loader, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(runner, "BATCH_CONVERSATIONS", 8)
    monkeypatch.setattr(runner, "QUEUED_PER_WORKER", 1)
    monkeypatch.setattr(runner, "cpu_cores", lambda: 2)  # a core for the writing process, on any machine
    monkeypatch.setattr(runner, "_has_guest_rules", lambda book: False)  # the test's plugin is trusted here
    s = audit([f], tmp_path / "mixed.db", plugin_files=[p], workers=1)
    audited_here = sum(len(rows.conversations) for rows in here)
    assert s.audited == 600 and 0 < audited_here < 600  # some batches were audited here, some by the worker
    assert snapshot(tmp_path / "usual.db") == snapshot(tmp_path / "mixed.db")


def test_checkpoints_copy_the_log_into_the_database_beside_the_writing(tmp_path):
    import sqlite3

    from qc_engine.store import Checkpoints, open_db

    db = open_db(tmp_path / "c.db")
    conn = db.conn
    conn.execute("PRAGMA wal_autocheckpoint = 777")
    conn.execute("create table t (x)")
    with Checkpoints(tmp_path / "c.db", conn, every=2) as checkpoints:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0  # the thread does it, not the writer
        for i in range(6):
            with conn:
                conn.executemany("insert into t values (?)", [(i,)] * 1000)
            checkpoints.committed()
        checkpoints.close()
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 777
    # The database file alone (immutable: its log left unread) holds everything committed.
    alone = sqlite3.connect(f"file:{tmp_path / 'c.db'}?immutable=1", uri=True)
    assert alone.execute("select count(*) from t").fetchone()[0] == 6000


def test_an_audit_leaves_the_callers_alarm_handler_in_place(tmp_path, db_path):
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        audit([day(tmp_path, 5)], db_path)
        assert signal.getsignal(signal.SIGALRM) is mine
    finally:
        signal.signal(signal.SIGALRM, previous)
