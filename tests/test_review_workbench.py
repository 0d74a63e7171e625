"""The review workbench's data side through its public interfaces: accounts and roles, appeals that move the
score in the report, calibration between reviewers, and the Excel round trip."""
import csv

import pytest
from click.testing import CliRunner

from qc_engine.cli import cli
from qc_engine.review.accounts import (Forbidden, add_account, authenticate, can_appeal, can_decide_appeals, can_review,
                                       can_see_conversation, conversation_filter, list_accounts, remove_account, set_password)
from qc_engine.review.appeals import decide_appeal, file_appeal, list_appeals
from qc_engine.review.calibration import calibration, record_calibration
from qc_engine.review.verdicts import ReviewError, record_verdict
from qc_engine.store import open_db

from test_rollup import DAY, OTHER_SHOP, PHONE, SHOP, agent_row, build_store, finding_id

QING = f"{SHOP}:青青"
HE = f"{SHOP}:小禾"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("workbench"))


@pytest.fixture
def store(built, tmp_path):
    copy = tmp_path / "qc.db"
    copy.write_bytes(built.read_bytes())
    return copy


@pytest.fixture
def db(store):
    handle = open_db(store)
    yield handle
    handle.close()


def qc(*args, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
    return result.exit_code, result.output


# --- accounts and roles ----------------------------------------------------------------------------------------

def test_accounts_keep_a_hash_never_the_password(db, store):
    code, out = qc("accounts", "add", "王质检", "--role", "reviewer", "--shop", SHOP, "--db", store,
                   input="s3cret-pass\ns3cret-pass\n")
    assert code == 0, out
    assert "s3cret-pass" not in out
    raw = store.read_bytes() + (store.with_name(store.name + "-wal").read_bytes()
                                if store.with_name(store.name + "-wal").exists() else b"")
    assert b"s3cret-pass" not in raw
    stored = db.execute("select password_hash from accounts where name = '王质检'").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert authenticate(db, "王质检", "s3cret-pass").role == "reviewer"
    assert authenticate(db, "王质检", "wrong-pass!") is None
    assert authenticate(db, "nobody", "s3cret-pass") is None
    code, out = qc("accounts", "list", "--db", store, "--json")
    assert code == 0 and "argon2" not in out and "王质检" in out


def test_password_change_and_removal(db):
    add_account(db, "李主管", "first-password", "lead", [SHOP])
    set_password(db, "李主管", "second-password")
    assert authenticate(db, "李主管", "first-password") is None
    assert authenticate(db, "李主管", "second-password").name == "李主管"
    remove_account(db, "李主管")
    assert authenticate(db, "李主管", "second-password") is None
    assert list_accounts(db) == []


def test_passwd_and_remove_through_the_cli(store):
    assert qc("accounts", "add", "a", "--role", "lead", "--shop", SHOP, "--password-stdin", "--db", store,
              input="long-enough-1\n")[0] == 0
    assert qc("accounts", "passwd", "a", "--password-stdin", "--db", store, input="long-enough-2\n")[0] == 0
    db = open_db(store)
    assert authenticate(db, "a", "long-enough-2") is not None
    assert qc("accounts", "remove", "a", "--db", store)[0] == 0
    code, out = qc("accounts", "remove", "a", "--db", store)
    assert code != 0 and "no account" in out and "Traceback" not in out


@pytest.mark.parametrize("kwargs, message", [
    ({"role": "boss"}, "role must be"),
    ({"password": "short"}, "at least"),
    ({"role": "agent"}, "agent id"),
    ({"role": "agent", "agent": QING, "shops": ["*"]}, "not to every shop"),
    ({"shops": []}, "at least one shop"),
])
def test_bad_accounts_are_refused(db, kwargs, message):
    args = {"name": "x", "password": "long enough", "role": "reviewer", "shops": [SHOP], **kwargs}
    with pytest.raises(ReviewError, match=message):
        add_account(db, args.pop("name"), args.pop("password"), args.pop("role"), args.pop("shops"), **args)


def test_an_agent_sees_only_their_own_conversations_and_no_other_shop(db):
    qing = add_account(db, "青青", "password-1", "agent", [SHOP], agent=QING)
    reviewer = add_account(db, "王质检", "password-2", "reviewer", [SHOP])
    central = add_account(db, "总部", "password-3", "lead", ["*"])
    assert can_see_conversation(db, qing, "a2") and not can_see_conversation(db, qing, "b2")
    assert not can_see_conversation(db, qing, "o1")
    assert can_see_conversation(db, reviewer, "b2") and not can_see_conversation(db, reviewer, "o1")
    assert can_see_conversation(db, central, "o1")
    where, params = conversation_filter(qing)
    seen = {r[0] for r in db.execute(f"select conversation_id from conversations c where {where}", params)}
    assert seen == {"a1", "a2", "a3", "p1", "p2"}
    finding = {"shop": SHOP, "agent": QING}
    assert can_appeal(qing, finding) and not can_appeal(qing, {"shop": SHOP, "agent": HE})
    assert not can_appeal(reviewer, finding) and can_appeal(central, finding)
    assert can_review(reviewer, SHOP) and not can_review(reviewer, OTHER_SHOP) and not can_review(qing, SHOP)
    assert can_decide_appeals(central, OTHER_SHOP) and not can_decide_appeals(reviewer, SHOP)


def test_once_accounts_exist_a_verdict_needs_a_reviewer_of_the_shop(db, store):
    add_account(db, "青青", "password-1", "agent", [SHOP], agent=QING)
    add_account(db, "萌宠质检", "password-2", "reviewer", [OTHER_SHOP])
    fid = finding_id(db, "a2", "FP01")
    for who in ("青青", "萌宠质检", "陌生人"):
        code, out = qc("review", "overturn", fid, "--reason", "x", "--reviewer", who, "--db", store)
        assert code != 0 and "Traceback" not in out, out
    assert db.execute("select count(*) from reviews").fetchone()[0] == 0


# --- appeals -----------------------------------------------------------------------------------------------------

def _report_score(store, tmp_path, agent=QING):
    out = tmp_path / "report"
    code, text = qc("report", "--db", store, "--date", DAY, "--out", out, "--lang", "en")
    assert code == 0, text
    with open(out / "csv" / "agents.csv", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    row = next(r for r in rows[1:] if agent in r)
    return float(row[header.index(next(h for h in header if "score" in h.lower()))])


def test_an_accepted_appeal_moves_the_score_in_the_report_once(store, tmp_path):
    db = open_db(store)
    fid = finding_id(db, "a2", "FP01")
    before = _report_score(store, tmp_path)
    code, out = qc("review", "appeal", "file", fid, "--reason", "有比价截图，确为全网最低", "--by", "青青", "--db", store)
    assert code == 0, out
    code, out = qc("review", "appeal", "file", fid, "--reason", "再申诉一次", "--by", "青青", "--db", store)
    assert code != 0 and "already appealed" in out
    appeal_id = list_appeals(db)[0]["id"]
    assert _report_score(store, tmp_path) == before  # filing alone changes nothing
    code, out = qc("review", "appeal", "accept", appeal_id, "--reason", "截图属实", "--by", "李主管", "--db", store)
    assert code == 0, out
    after = _report_score(store, tmp_path)
    assert after > before
    code, out = qc("review", "appeal", "accept", appeal_id, "--reason", "again", "--by", "李主管", "--db", store)
    assert code != 0 and "already decided" in out
    code, out = qc("review", "appeal", "reject", appeal_id, "--reason", "again", "--by", "李主管", "--db", store)
    assert code != 0
    assert _report_score(store, tmp_path) == after
    appeal = list_appeals(db)[0]
    assert (appeal["status"], appeal["filed_by"], appeal["decided_by"]) == ("accepted", "青青", "李主管")
    assert appeal["filed_at"] and appeal["decided_at"] and appeal["review_id"]
    assert db.execute("select count(*) from reviews where finding_id = ?", [fid]).fetchone()[0] == 1
    code, out = qc("review", "appeal", "list", "--db", store)
    assert code == 0 and "截图属实" in out


def test_a_rejected_appeal_leaves_the_score(db):
    fid = finding_id(db, "a2", "FP01")
    before = agent_row(db, "青青")["score_avg"]
    appeal = file_appeal(db, fid, "不服", name="青青")
    decided = decide_appeal(db, appeal.id, False, "话术确实违规", name="李主管")
    assert decided.status == "rejected" and agent_row(db, "青青")["score_avg"] == before
    assert db.execute("select count(*) from reviews").fetchone()[0] == 0


def test_appeal_roles(db):
    qing = add_account(db, "青青", "password-1", "agent", [SHOP], agent=QING)
    he = add_account(db, "小禾", "password-2", "agent", [SHOP], agent=HE)
    reviewer = add_account(db, "王质检", "password-3", "reviewer", [SHOP])
    lead = add_account(db, "李主管", "password-4", "lead", [SHOP])
    other_lead = add_account(db, "萌宠主管", "password-5", "lead", [OTHER_SHOP])
    fid = finding_id(db, "a2", "FP01")
    with pytest.raises(Forbidden):
        file_appeal(db, fid, "not mine", account=he)
    with pytest.raises(Forbidden):
        file_appeal(db, fid, "not an agent", account=reviewer)
    appeal = file_appeal(db, fid, "有截图", account=qing)
    for who in (qing, reviewer, other_lead):
        with pytest.raises(Forbidden):
            decide_appeal(db, appeal.id, True, "ok", account=who)
    assert [a["id"] for a in list_appeals(db, account=qing)] == [appeal.id]
    assert list_appeals(db, account=he) == [] and list_appeals(db, account=other_lead) == []
    assert decide_appeal(db, appeal.id, True, "属实", account=lead).status == "accepted"


def test_an_overturned_finding_cannot_be_appealed(db):
    fid = finding_id(db, "a2", "FP01")
    record_verdict(db, fid, "overturned", "误判", "王质检")
    with pytest.raises(ReviewError, match="already overturned"):
        file_appeal(db, fid, "x", name="青青")


# --- calibration -------------------------------------------------------------------------------------------------

def test_calibration_shows_where_reviewers_disagree_without_moving_scores(db, store):
    fp01, fp02, pv01 = finding_id(db, "a2", "FP01"), finding_id(db, "b2", "FP02"), finding_id(db, "a3", "PV01")
    record_verdict(db, fp01, "confirmed", "违规", "王质检")
    record_verdict(db, fp02, "confirmed", "引流", "王质检")
    record_verdict(db, pv01, "confirmed", "泄露", "王质检")
    before = agent_row(db, "青青")["score_avg"]
    record_calibration(db, fp01, "overturned", "赵质检", "有截图")
    record_calibration(db, fp02, "confirmed", "赵质检")
    record_calibration(db, pv01, "confirmed", "赵质检")
    record_calibration(db, pv01, "confirmed", "钱质检")
    assert agent_row(db, "青青")["score_avg"] == before
    report = calibration(db, day=DAY)
    assert report.findings == 3
    rules = {a.key: (a.compared, a.agreed) for a in report.by_rule}
    assert rules == {"FP01": (1, 0), "FP02": (1, 1), "PV01": (3, 3)}
    assert report.by_rule[0].key == "FP01"  # least agreement first
    pairs = {a.key: a.rate for a in report.by_pair}
    assert pairs["王质检 / 赵质检"] == pytest.approx(2 / 3)
    assert report.disagreements == [{"finding_id": fp01, "rule_id": "FP01",
                                     "opinions": {"王质检": "confirmed", "赵质检": "overturned"}}]
    assert report.overall.rate == pytest.approx(4 / 5)
    assert calibration(db, shop=OTHER_SHOP).findings == 0
    code, out = qc("review", "calibration", "--db", store, "--date", DAY)
    assert code == 0 and "FP01" in out and fp01 in out


def test_calibrate_through_the_cli(store):
    db = open_db(store)
    fid = finding_id(db, "a2", "FP01")
    assert qc("review", "confirm", fid, "--reason", "ok", "--reviewer", "甲", "--db", store)[0] == 0
    code, out = qc("review", "calibrate", fid, "overturned", "--reviewer", "乙", "--db", store)
    assert code == 0, out
    assert calibration(db).by_pair[0].key == "乙 / 甲"
    code, out = qc("review", "calibration", "--db", store, "--json")
    assert code == 0 and '"rate": 0.0' in out


# --- comments ----------------------------------------------------------------------------------------------------

def test_comments_keep_who_and_when_masked_and_respect_shops(db):
    from qc_engine.review.comments import add_comment, list_comments

    reviewer = add_account(db, "王质检", "password-1", "reviewer", [SHOP])
    agent = add_account(db, "青青", "password-2", "agent", [SHOP], agent=QING)
    add_comment(db, "a3", f"不要复述客户电话 {PHONE}", message_index=1, account=reviewer)
    (row,) = list_comments(db, "a3")
    assert (row["author"], row["message_index"]) == ("王质检", 1) and row["created_at"]
    assert PHONE not in row["body"] and "不要复述" in row["body"]
    for who, conversation in ((agent, "a3"), (reviewer, "o1")):
        with pytest.raises(Forbidden):
            add_comment(db, conversation, "x", account=who)
    with pytest.raises(ReviewError):
        add_comment(db, "a3", "x", "王质检", message_index=99)
