"""The review loop through `qc review`: verdicts kept apart, scores follow them, allowlist entries land safely."""
import yaml
from click.testing import CliRunner

from qc_engine.cli import cli
from qc_engine.review.verdicts import ReviewError, _insert_allow_entry, append_allowlist
from qc_engine.store import open_db

from test_rollup import DAY, SHOP, agent_row, build_store, chat, finding_id

import pytest


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path)


def qc(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def test_overturn_keeps_the_finding_records_who_and_changes_the_score(store):
    db = open_db(store)
    fid = finding_id(db, "a2", "FP01")
    code, out = qc("review", "overturn", fid, "--reason", "商品确为全网最低价，有比价截图", "--reviewer", "王质检", "--db", store)
    assert code == 0, out
    assert "overturned" in out
    row = next(db.query("select * from reviews where finding_id = ?", [fid]))
    assert (row["verdict"], row["reviewer"], row["conversation_id"]) == ("overturned", "王质检", "a2")
    assert row["reviewed_at"]
    assert db.execute("select count(*) from findings where finding_id = ?", [fid]).fetchone()[0] == 1
    assert agent_row(db, "青青")["score_avg"] == pytest.approx(200 / 3, abs=0.01)


def test_confirm_and_list(store):
    db = open_db(store)
    fid = finding_id(db, "b2", "FP02")
    assert qc("review", "confirm", fid, "--reason", "确实引导站外", "--reviewer", "李组长", "--db", store)[0] == 0
    code, out = qc("review", "list", "--db", store, "--date", DAY)
    assert code == 0 and "confirmed" in out and "李组长" in out and fid in out
    assert agent_row(db, "小禾")["red_lines"] == 1  # confirming changes nothing in the figures


def test_manual_finding_through_the_cli(store):
    code, out = qc("review", "add", "b1", "--category", "script_adherence", "--note", "没有推荐搭配商品",
                   "--message", 1, "--points", 4, "--db", store, "--reviewer", "王质检")
    assert code == 0, out
    db = open_db(store)
    row = next(db.query("select * from manual_findings"))
    assert (row["agent"], row["points"], row["message_index"]) == (f"{SHOP}:小禾", 4.0, 1)
    code, out = qc("review", "list", "--db", store)
    assert "没有推荐搭配商品" in out


@pytest.mark.parametrize("args, message", [
    (["review", "confirm", "no/such/finding", "--reason", "x"], "no finding"),
    (["review", "add", "nope", "--category", "latency", "--note", "slow"], "no conversation"),
    (["review", "add", "a1", "--category", "latency", "--note", "slow", "--message", 99], "no message 99"),
    (["review", "overturn", "x", "--reason", " "], "reason is required"),
])
def test_mistakes_get_one_line_errors(store, args, message):
    code, out = qc(*args, "--db", store)
    assert code != 0
    assert message in out and "Traceback" not in out


def test_missing_store_is_an_error_not_a_new_file(tmp_path):
    code, out = qc("review", "list", "--db", tmp_path / "none.db")
    assert code != 0 and "no store" in out
    assert not (tmp_path / "none.db").exists()


def test_overturn_with_allowlist_creates_a_shop_rule_file_that_stops_the_finding(store, tmp_path):
    from qc_engine.run.runner import AuditOptions, run_audit

    db = open_db(store)
    fid = finding_id(db, "a2", "FP01")
    rules = tmp_path / "rules" / "shanye.yaml"
    code, out = qc("review", "overturn", fid, "--reason", "可证实", "--db", store, "--allowlist", rules)
    assert code == 0, out
    data = yaml.safe_load(rules.read_text(encoding="utf-8"))
    assert data["shops"] == [SHOP] and data["forbidden_phrases"]["allow"] == ["全网最低价"]
    code, out = qc("rules", "validate", rules)
    assert code == 0, out
    src = tmp_path / "again.jsonl"
    import json
    src.write_text(json.dumps(chat("a2", SHOP, "青青", ["在吗", "您好，我们是全网最低价", "好的谢谢", "感谢您的咨询，祝您生活愉快"]),
                              ensure_ascii=False) + "\n", encoding="utf-8")
    run_audit(AuditOptions(inputs=[src], db=store, rule_files=[rules], workers=1))
    assert open_db(store).execute("select count(*) from findings where conversation_id = 'a2'").fetchone()[0] == 0
    assert append_allowlist(rules, "全网最低价", SHOP) is False  # already there: the file is not touched


def test_allowlist_refuses_findings_that_are_not_phrases(store, tmp_path):
    db = open_db(store)
    fid = finding_id(db, "a3", "PV01")
    rules = tmp_path / "r.yaml"
    code, out = qc("review", "overturn", fid, "--reason", "x", "--db", store, "--allowlist", rules)
    assert code != 0 and "forbidden-phrase" in out
    assert not rules.exists()
    assert db.execute("select count(*) from reviews").fetchone()[0] == 0  # nothing half-done


EXISTING = """\
version: 1
name: 山野茶庄规则
shops: [山野茶庄]   # only this shop
# our own words
forbidden_phrases:
  lists:
    - name: shop_words
      phrases: [便宜货]
  allow:
    - 第一时间   # keep
    - 最好的茶
scoring:
  start: 100
"""


def test_appending_to_an_existing_file_keeps_its_comments(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(EXISTING, encoding="utf-8")
    assert append_allowlist(path, '极品"好茶": #1', SHOP) is True
    text = path.read_text(encoding="utf-8")
    assert "# our own words" in text and "# keep" in text
    data = yaml.safe_load(text)
    assert data["forbidden_phrases"]["allow"] == ["第一时间", "最好的茶", '极品"好茶": #1']
    assert data["scoring"] == {"start": 100}
    assert append_allowlist(path, "最好的茶", SHOP) is False


def test_a_section_without_allow_gets_one(tmp_path):
    text = _insert_allow_entry("forbidden_phrases:\n  check_bots: true\nother: 1\n", '"全网最低"', tmp_path)
    data = yaml.safe_load(text)
    assert data == {"forbidden_phrases": {"check_bots": True, "allow": ["全网最低"]}, "other": 1}
    data = yaml.safe_load(_insert_allow_entry("version: 1\n", '"x"', tmp_path))
    assert data["forbidden_phrases"]["allow"] == ["x"]


def test_a_file_for_another_shop_or_inline_lists_are_left_alone(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("shops: [萌宠用品店]\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="not a rule file for shop"):
        append_allowlist(path, "x", SHOP)
    path.write_text("forbidden_phrases: {allow: [a]}\n", encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ReviewError):
        append_allowlist(path, "x", SHOP)
    assert path.read_text(encoding="utf-8") == before
