"""Shops side by side: a conversation is identified within its shop; one shop's data never replaces,
joins or shows in another's."""
import json

from click.testing import CliRunner

from qc_engine.cli import cli
from qc_engine.reports.html import agent_page_name
from qc_engine.review.verdicts import record_verdict
from qc_engine.store import open_db

from conftest import audit, conversation, rows, write_jsonl

RUDE = (("10:00:00", "customer", "在吗"), ("10:00:08", "agent", "滚"))


def test_another_shops_export_reusing_ids_never_replaces_a_shops_conversations(tmp_path, db_path):
    a = write_jsonl(tmp_path / "a.jsonl", [conversation("c1", shop="店A", lines=RUDE), conversation("c2", shop="店A")])
    b = write_jsonl(tmp_path / "b.jsonl", [conversation("c1", shop="店B"), conversation("c2", shop="店B", lines=RUDE)])
    audit([a], db_path)
    finding, = rows(db_path, "select finding_id from findings where shop = '店A' and rule_id like 'FP%'")
    record_verdict(open_db(db_path), finding[0], "confirmed", reason="rude", reviewer="qa")
    for _ in range(2):  # and re-running either keeps each where it is
        audit([b], db_path)
        audit([a], db_path)
    stored = rows(db_path, "select shop, count(*), sum(message_count) from conversations group by shop order by shop")
    assert stored == [("店A", 2, 4), ("店B", 2, 4)]
    assert rows(db_path, "select count(*) from rejected") == [(0,)]
    texts = rows(db_path, "select c.shop, m.text from messages m join conversations c using (conversation_id)"
                          " where m.role = 'agent' and m.text = '滚'")
    assert sorted(texts) == [("店A", "滚"), ("店B", "滚")]
    reviewed = rows(db_path, "select f.shop from reviews r join findings f using (finding_id)")
    assert reviewed == [("店A",)]
    ids = [r[0] for r in rows(db_path, "select finding_id from findings")]
    assert len(ids) == len(set(ids))


def test_two_shops_with_one_id_in_one_file_are_both_stored(tmp_path, db_path):
    path = write_jsonl(tmp_path / "day.jsonl", [conversation("c1", shop="店A"), conversation("c1", shop="店B"),
                                                conversation("c1", shop="店A")])
    summary = audit([path], db_path)
    assert (summary.audited, summary.rejected) == (2, 1)
    assert sorted(r[0] for r in rows(db_path, "select shop from conversations")) == ["店A", "店B"]


def test_shops_split_over_batches_and_workers_stay_apart(tmp_path, db_path):
    chats = [conversation(f"c{i}", shop=shop) for shop in ("店A", "店B") for i in range(600)]
    path = write_jsonl(tmp_path / "day.jsonl", chats)
    summary = audit([path], db_path, workers=2)
    assert (summary.audited, summary.rejected) == (1200, 0)
    assert rows(db_path, "select shop, count(*) from conversations group by shop") == [("店A", 600), ("店B", 600)]
    assert rows(db_path, "select count(*) from messages") == [(2400,)]


def test_coaching_pages_of_two_shops_never_share_a_file():
    assert agent_page_name("A", "B/甲") != agent_page_name("A/B", "甲")
    assert agent_page_name("A", "AB:甲") != agent_page_name("AB", "AB:甲")


def test_report_out_writes_only_what_it_made(tmp_path, db_path):
    path = write_jsonl(tmp_path / "day.jsonl", [conversation("c1", shop="店A"), conversation("c2", shop="店B")])
    audit([path], db_path)
    out = tmp_path / "out"
    mine = [out / "csv" / "budget.xlsx", out / "shops" / "notes.md", out / "agents" / "old.html", out / "keep.txt"]
    for p in mine:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("mine", encoding="utf-8")
    for args in ([], ["--shop", "店A"], []):
        result = CliRunner().invoke(cli, ["report", "--db", str(db_path), "--out", str(out), *args])
        assert result.exit_code == 0, result.output
    assert all(p.read_text(encoding="utf-8") == "mine" for p in mine)
    manifest = json.loads((out / ".qc-report-files.json").read_text(encoding="utf-8"))
    assert all((out / name).is_file() for name in manifest)
    assert not any(p.name.startswith(".qc-report-") and p.is_dir() for p in out.iterdir())
