"""Store states: a newer version's store is refused untouched, a read-only store still reports, and what
`qc` prints never carries an export's escape sequences to the terminal."""
import hashlib
import os
import sqlite3

from click.testing import CliRunner

from qc_engine.cli import cli

from conftest import audit, conversation, write_jsonl


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store(tmp_path, db_path, cid="c1"):
    audit([write_jsonl(tmp_path / "d.jsonl", [conversation(cid)])], db_path)
    con = sqlite3.connect(db_path)
    con.execute("pragma wal_checkpoint(truncate)")
    con.close()


def test_a_store_of_a_newer_version_is_refused_untouched(tmp_path, db_path):
    _store(tmp_path, db_path)
    con = sqlite3.connect(db_path)
    con.execute("insert into _qc_migrations (name, applied_at) values ('m999_from_the_future', '2030-01-01')")
    con.commit()
    con.close()
    before = _digest(db_path)
    chats = write_jsonl(tmp_path / "e.jsonl", [conversation("c2")])
    for args in (["audit", str(chats), "--db", str(db_path)], ["report", "--db", str(db_path), "--out", str(tmp_path / "o")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code != 0
        assert "newer" in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert _digest(db_path) == before


def test_a_read_only_store_can_be_reported_from(tmp_path, db_path, monkeypatch):
    _store(tmp_path, db_path)
    before = _digest(db_path)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if mode & os.W_OK and str(p).startswith(str(tmp_path))
                        and "out" not in str(p) else real_access(p, mode, **kw))
    os.chmod(db_path, 0o444)
    try:
        result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--out", str(tmp_path / "out")])
    finally:
        os.chmod(db_path, 0o644)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "index.html").exists()
    assert _digest(db_path) == before


def test_escape_sequences_in_ids_never_reach_the_terminal(tmp_path, db_path):
    hostile = "c1\x1b[2J\x1b]0;pwned\x07\x9b31m"
    _store(tmp_path, db_path, cid=hostile)
    for args in (["sample", "--db", str(db_path), "--date", "2026-11-20"],
                 ["report", "--db", str(db_path), "--out", str(tmp_path / "o"), "--sample"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "c1" in result.output, result.output
        assert "\x1b" not in result.output and "\x07" not in result.output and "\x9b" not in result.output, args
