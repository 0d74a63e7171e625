"""Rule files cannot switch rules off silently: validate compiles what the audit compiles, the audit refuses
what it could not use whole, and a shop nobody matched is a warning the reports show."""
import json
import os
import threading

import pytest
from click.testing import CliRunner

from qc_engine.cli import cli

from conftest import conversation, rows, write_jsonl

BROKEN = {
    "hours_backwards.yaml": ('version: 1\nworking_hours: {default: "18:00-09:00"}\n', "working_hours"),
    "hours_past_midnight.yaml": ('version: 1\nworking_hours: {sat: "09:00-25:00"}\n', "25:00"),
    "bad_regex.yaml": ('version: 1\nforbidden_phrases:\n  lists:\n    - {name: x, rule: FP05, regexes: [{pattern: "qq(\\\\d", name: y}]}\n', "FP05"),
    "unknown_rule.yaml": ("version: 1\nrules: {FP99: {enabled: false}}\n", "FP99"),
    "lowercase_rule.yaml": ("version: 1\nrules: {lt01: {enabled: false}}\n", "lt01"),
    "outside.yaml": ("version: 1\nscript: {quick_phrases_file: ../elsewhere/phrases.txt}\n", "outside"),
    "absolute.yaml": ("version: 1\nscript: {quick_phrases_file: /etc/hostname}\n", "outside"),
}


def validate(*paths):
    return CliRunner().invoke(cli, ["rules", "validate", *map(str, paths)])


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validate_and_audit_refuse_what_the_audit_could_not_use(tmp_path, name):
    text, word = BROKEN[name]
    folder = tmp_path / "rules"
    folder.mkdir()
    path = folder / name
    path.write_text(text, encoding="utf-8")
    result = validate(path)
    assert result.exit_code != 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error")]
    assert errors and all(str(path) in line for line in errors), result.output
    assert word in result.output
    assert "Traceback" not in result.output
    chats = write_jsonl(tmp_path / "day.jsonl", [conversation("c1")])
    db = tmp_path / "qc.db"
    audit = CliRunner().invoke(cli, ["audit", str(chats), "--db", str(db), "--rules", str(path)])
    assert audit.exit_code != 0
    assert audit.output.startswith("Error: ") and len(audit.output.strip().splitlines()) == 1, audit.output
    assert not db.exists() or rows(db, "select count(*) from conversations") == [(0,)]


def test_validate_reports_every_problem_of_every_file(tmp_path):
    for name in ("hours_backwards.yaml", "unknown_rule.yaml", "bad_regex.yaml"):
        (tmp_path / name).write_text(BROKEN[name][0], encoding="utf-8")
    (tmp_path / "fine.yaml").write_text("version: 1\nlatency: {response_seconds: 60}\n", encoding="utf-8")
    result = validate(tmp_path)
    assert result.exit_code != 0
    assert sum(line.startswith("error") for line in result.output.splitlines()) >= 3
    assert f"ok      {tmp_path / 'fine.yaml'}" in result.output


def test_a_shipped_rule_file_validates():
    from conftest import ROOT

    result = validate(ROOT / "rules" / "shops")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_deeply_nested_rule_file_is_a_clear_error(tmp_path, suffix):
    path = tmp_path / f"deep{suffix}"
    path.write_text('{"version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    result = validate(path)
    assert result.exit_code != 0
    assert "RecursionError" not in result.output and "Traceback" not in result.output
    assert str(path) in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_as_quick_phrases_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "phrases.txt")
    path = tmp_path / "shop.yaml"
    path.write_text("version: 1\nrules: {SC04: {enabled: true}}\nscript: {quick_phrases_file: phrases.txt}\n", encoding="utf-8")
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("r", validate(path)), daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "validate waited on a FIFO"
    assert result["r"].exit_code != 0 and "regular file" in result["r"].output


def test_a_shop_no_file_matched_is_a_warning_in_the_run_and_the_report(tmp_path):
    rules = tmp_path / "shop.yaml"
    rules.write_text("version: 1\nshops: [山野茶莊]\nlatency: {response_seconds: 30}\n", encoding="utf-8")
    chats = write_jsonl(tmp_path / "day.jsonl", [conversation("c1")])
    db = tmp_path / "qc.db"
    result = CliRunner().invoke(cli, ["audit", str(chats), "--db", str(db), "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    problems = json.loads(rows(db, "select problems from runs")[0][0])
    assert any("山野茶莊" in p and "matched no shop" in p for p in problems), problems
    assert any("山野茶庄" in p and "matched no shop rule file" in p for p in problems), problems
    assert "matched no shop" in result.output
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["report", "--db", str(db), "--out", str(out)]).exit_code == 0
    assert "matched no shop" in (out / "index.html").read_text(encoding="utf-8")
