"""The command line as a QC specialist meets it: exit codes, one-line errors, a summary."""
import subprocess
import sys

from conftest import conversation, write_jsonl


def qc(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "qc_engine", *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_audit_prints_a_summary_and_exits_0(tmp_path, db_path):
    day = write_jsonl(tmp_path / "d.jsonl", [conversation("a"), conversation("b"), "{broken"])
    r = qc("audit", day, "--db", db_path, "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "Audited 2 conversations (4 messages)" in r.stdout
    assert "1 rejected records" in r.stdout and "rejected" in r.stdout


def test_missing_input_is_a_one_line_error(tmp_path, db_path):
    r = qc("audit", tmp_path / "nope.jsonl", "--db", db_path)
    assert r.returncode != 0
    assert "no such file or folder" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_nothing_readable_is_an_error(tmp_path, db_path):
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01\x02garbage")
    r = qc("audit", tmp_path, "--db", db_path)
    assert r.returncode != 0 and "nothing could be read" in r.stderr and "Traceback" not in r.stderr


def test_unrelated_files_in_a_folder_are_skipped_and_named(tmp_path, db_path):
    write_jsonl(tmp_path / "d.jsonl", [conversation("a")])
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    r = qc("audit", tmp_path, "--db", db_path, "--workers", "1")
    assert r.returncode == 0 and "photo.png" in r.stdout and "Audited 1 conversations" in r.stdout


def test_bad_rule_file_names_file_and_place(tmp_path, db_path):
    bad = tmp_path / "shop.yaml"
    bad.write_text("version: 1\nshops: [山野茶庄]\nrules:\n  SC02: {enabeld: false}\n", encoding="utf-8")
    day = write_jsonl(tmp_path / "d.jsonl", [conversation("a")])
    r = qc("audit", day, "--db", db_path, "--rules", bad)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "shop.yaml" in r.stderr and "rules/SC02" in r.stderr and "enabeld" in r.stderr
    v = qc("rules", "validate", bad)
    assert v.returncode != 0 and "rules/SC02" in v.stdout


def test_help_is_written_for_people(tmp_path):
    r = qc("audit", "--help")
    assert r.returncode == 0 and "--rules" in r.stdout and "Example" in r.stdout
    assert qc("--version").returncode == 0


def test_module_and_console_script_agree():
    r = qc("rules", "list")
    assert r.returncode == 0
