"""The Excel round trip of the review sample: export, fill in, import; mistakes by row, nothing applied twice,
hostile cells refused."""
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from qc_engine.cli import cli
from qc_engine.review.accounts import add_account
from qc_engine.review.workbook import HEADERS, REASON, VERDICT, export_sample, import_verdicts
from qc_engine.store import open_db

from test_rollup import DAY, OTHER_SHOP, PHONE, SHOP, agent_row, build_store, finding_id


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("excel"))


@pytest.fixture
def store(built, tmp_path):
    copy = tmp_path / "qc.db"
    copy.write_bytes(built.read_bytes())
    assert qc("sample", "--db", copy, "--date", DAY, "--share", 1)[0] == 0
    return copy


def qc(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def exported(store, tmp_path, *extra):
    out = tmp_path / "sample.xlsx"
    code, text = qc("review", "export", "--date", DAY, "--out", out, "--db", store, *extra)
    assert code == 0, text
    return out


def fill(path, verdicts: dict[str, tuple]):
    """Fill verdict and reason cells by finding id, as a reviewer in Excel would."""
    wb = load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        fid = row[0].value
        if fid in verdicts:
            row[header.index(VERDICT)].value, row[header.index(REASON)].value = verdicts[fid]
    wb.save(path)


def test_export_writes_the_sample_masked_with_a_verdict_list(store, tmp_path):
    out = exported(store, tmp_path)
    ws = load_workbook(out).active
    assert tuple(c.value for c in ws[1]) == HEADERS
    ids = [r[0].value for r in ws.iter_rows(min_row=2)]
    db = open_db(store)
    assert finding_id(db, "a2", "FP01") in ids and finding_id(db, "a3", "PV01") in ids
    assert ids[0] in {r[0] for r in db.execute("select finding_id from findings where red_line = 1")}  # red lines first
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert PHONE not in text
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1 and "确认" in validations[0].formula1 and "推翻" in validations[0].formula1
    col = chr(ord("A") + HEADERS.index(VERDICT))
    assert f"{col}2" in str(validations[0].sqref)
    assert all(r[HEADERS.index(VERDICT)].value is None for r in ws.iter_rows(min_row=2))


def test_export_only_the_shop_asked_for(store, tmp_path):
    ws = load_workbook(exported(store, tmp_path, "--shop", OTHER_SHOP)).active
    assert {r[1].value for r in ws.iter_rows(min_row=2)} == {OTHER_SHOP}


def test_round_trip_applies_verdicts_once(store, tmp_path):
    db = open_db(store)
    fp01, fp02 = finding_id(db, "a2", "FP01"), finding_id(db, "b2", "FP02")
    before = agent_row(db, "青青")["score_avg"]
    out = exported(store, tmp_path)
    fill(out, {fp01: ("推翻", "有比价截图"), fp02: ("确认", None)})
    code, text = qc("review", "import", out, "--reviewer", "王质检", "--db", store)
    assert code == 0, text
    assert "2 verdicts applied" in text, text
    rows = {r["finding_id"]: r for r in db.query("select * from reviews")}
    assert rows[fp01]["verdict"] == "overturned" and rows[fp01]["reviewer"] == "王质检" and rows[fp01]["reviewed_at"]
    assert rows[fp02]["verdict"] == "confirmed" and rows[fp02]["reason"]
    after = agent_row(db, "青青")["score_avg"]
    assert after > before
    code, text = qc("review", "import", out, "--reviewer", "王质检", "--db", store)
    assert code == 0 and "0 verdicts applied, 2 already applied" in text, text
    assert db.execute("select count(*) from reviews").fetchone()[0] == 2
    assert agent_row(db, "青青")["score_avg"] == after
    result = import_verdicts(db, out, "王质检")
    assert (result.applied, result.unchanged) == (0, 2)


def test_mistakes_are_reported_by_row_and_the_good_rows_applied(store, tmp_path):
    db = open_db(store)
    out = exported(store, tmp_path)
    wb = load_workbook(out)
    ws = wb.active
    ids = [r[0].value for r in ws.iter_rows(min_row=2)]
    v, r = HEADERS.index(VERDICT) + 1, HEADERS.index(REASON) + 1
    ws.cell(2, v, "推翻")                        # row 2: overturn without a reason
    ws.cell(3, v, "maybe")                       # row 3: not a verdict
    ws.cell(4, v, "确认")                        # row 4: fine
    ws.cell(5, 1, "no/such/finding/0")           # row 5: unknown id
    ws.cell(5, v, "确认")
    ws.cell(6, 1, ids[0])                        # row 6: the same finding as row 2, filled again
    ws.cell(6, v, "确认")
    ws.cell(7, v, "=1+1")                        # row 7: a formula
    ws.cell(7, r, '=HYPERLINK("http://evil","x")')
    wb.save(out)
    code, text = qc("review", "import", out, "--reviewer", "王质检", "--db", store)
    assert code != 0 and "Traceback" not in text
    for row in ("row 2", "row 3", "row 5", "row 6", "row 7"):
        assert row in text, text
    assert "row 4" not in text
    assert [r[0] for r in db.execute("select finding_id from reviews")] == [ids[2]]


def test_check_only_applies_nothing(store, tmp_path):
    db = open_db(store)
    out = exported(store, tmp_path)
    fill(out, {finding_id(db, "a2", "FP01"): ("推翻", "误判")})
    code, text = qc("review", "import", out, "--reviewer", "王质检", "--check", "--db", store)
    assert code == 0 and "checked: 1 to apply" in text, text
    assert db.execute("select count(*) from reviews").fetchone()[0] == 0


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04 broken zip"])
def test_a_file_that_is_not_a_workbook_is_one_line(store, tmp_path, content):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    code, text = qc("review", "import", bad, "--reviewer", "x", "--db", store)
    assert code != 0 and "Traceback" not in text and len(text.strip().splitlines()) == 1


def test_a_workbook_without_the_columns_is_refused(store, tmp_path):
    path = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active.append(["a", "b"])
    wb.save(path)
    code, text = qc("review", "import", path, "--reviewer", "x", "--db", store)
    assert code != 0 and "编号" in text


def test_chat_text_that_looks_like_a_formula_stays_text(tmp_path):
    from test_rollup import chat

    store = build_store(tmp_path, [chat("f1", SHOP, "青青", ["在吗", "=HYPERLINK(\"http://x\") 全网最低价", "好", "感谢您的咨询"])])
    db = open_db(store)
    db.execute("insert into samples (day, shop, conversation_id, reason, seed, created_at) values (?, ?, 'f1', 'red_line', 0, '')",
               [DAY, SHOP])
    db.conn.commit()
    out = tmp_path / "s.xlsx"
    assert export_sample(db, DAY, out) >= 1
    ws = load_workbook(out).active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and not c.value.startswith("=") for c in cells)


def test_accounts_limit_an_import_to_the_reviewers_shops(store, tmp_path):
    db = open_db(store)
    add_account(db, "萌宠质检", "password-1", "reviewer", [OTHER_SHOP])
    out = exported(store, tmp_path)
    fill(out, {finding_id(db, "a2", "FP01"): ("推翻", "误判"), finding_id(db, "o1", "FP01"): ("确认", "对")})
    code, text = qc("review", "import", out, "--reviewer", "萌宠质检", "--db", store)
    assert code != 0 and "not allowed" in text
    assert [r[0] for r in db.execute("select finding_id from reviews")] == [finding_id(db, "o1", "FP01")]
    code, text = qc("review", "import", out, "--reviewer", "nobody", "--db", store)
    assert code != 0 and "not an account" in text
