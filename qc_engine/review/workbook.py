"""The review sample as an Excel workbook and back (for offices that review in Excel).

Export: one row per finding of the day's stored sample, text masked and kept as text (a chat line starting
with "=" never becomes a formula), an empty 判定 column with a drop-down of 确认/推翻 and a 理由 column.
Import: the filled workbook's verdicts are applied as `qc review confirm/overturn` would, all in one
transaction; every mistake is reported with its row number and that row is skipped. A verdict already
imported (same finding, verdict and reason) is not applied again, so importing a workbook twice changes
nothing. Only values are read: a formula, an error value or an oversized cell is refused, never evaluated.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from qc_engine.lang import _
from qc_engine.store import write_transaction
from qc_engine.text.clean import storable
from qc_engine.text.personal_data import mask_text
from qc_engine.review.accounts import Account, can_review
from qc_engine.review.rollup import rebuild_agent_daily
from qc_engine.review.verdicts import ReviewError, _now, insert_review

SHEET = "复核样本"
# Column headers, in order; the import finds columns by these names, so moved columns still work.
ID, SHOP, AGENT, CONVERSATION, RULE, SEVERITY, POINTS, EXCERPT, EVIDENCE, REASON_AUTO, VERDICT, REASON = (
    "编号", "店铺", "客服", "会话", "规则", "严重程度", "扣分", "消息摘录", "命中内容", "规则说明", "判定", "理由")
HEADERS = (ID, SHOP, AGENT, CONVERSATION, RULE, SEVERITY, POINTS, EXCERPT, EVIDENCE, REASON_AUTO, VERDICT, REASON)
WIDTHS = (30, 12, 16, 18, 8, 10, 6, 48, 24, 36, 8, 36)
VERDICT_WORDS = {"确认": "confirmed", "推翻": "overturned", "confirmed": "confirmed", "overturned": "overturned",
                 "confirm": "confirmed", "overturn": "overturned"}
CONFIRM_REASON = "Excel 复核确认"  # a confirmation without a reason: kept with this note
EXCERPT_CHARS = 120
MAX_CELL = 2000
MAX_ROWS = 50_000
MAX_FILE_BYTES = 50 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_text(value: Any, mask: bool = True) -> Any:
    """Numbers as they are; text masked (not ids: they must come back as they went), controls replaced, a
    leading quote where Excel would see a formula."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = _CONTROLS.sub("\ufffd", storable(mask_text(str(value)) if mask else str(value)))
    return "'" + text if text.startswith(FORMULA_START) else text


def sample_findings(db: sqlite_utils.Database, day: str, shop: str | None = None,
                    shops: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The findings of the day's stored sample (red lines first), with the text of the message each is on."""
    where, params = ["s.day = ?"], [day]
    if shop:
        where.append("s.shop = ?")
        params.append(shop)
    if shops is not None and "*" not in shops:
        where.append(f"s.shop in ({', '.join('?' * len(shops))})")
        params += list(shops)
    sql = (f"select f.finding_id, f.shop, f.agent, f.conversation_id, f.rule_id, f.severity, f.points, f.red_line,"
           f" f.evidence, f.reason, m.text as message from samples s"
           f" join findings f on f.conversation_id = s.conversation_id"
           f" left join messages m on m.conversation_id = f.conversation_id and m.message_index = f.message_index"
           f" where {' and '.join(where)}"
           f" order by f.red_line desc, f.shop, f.agent, f.conversation_id, f.message_index, f.finding_id")
    return list(db.query(sql, params))


def export_sample(db: sqlite_utils.Database, day: str, out: Path, shop: str | None = None,
                  account: Account | None = None) -> int:
    """Write the day's sample to ``out`` (.xlsx); returns the number of findings written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    if not db.execute("select 1 from samples where day = ? limit 1", [day]).fetchone():
        raise ReviewError(_("no review sample for {day} yet; `qc sample --date {day}` draws one").format(day=day))
    rows = sample_findings(db, day, shop, account.shops if account is not None else None)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        excerpt = (r["message"] or "")[:EXCERPT_CHARS]
        ws.append([_cell_text(r["finding_id"], mask=False)] + [_cell_text(v) for v in (r["shop"], r["agent"] or "")]
                  + [_cell_text(r["conversation_id"], mask=False)]
                  + [_cell_text(v) for v in (r["rule_id"], r["severity"], r["points"], excerpt, r["evidence"] or "",
                                             r["reason"] or "", None, None)])
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    verdict_col = get_column_letter(HEADERS.index(VERDICT) + 1)
    reason_col = get_column_letter(HEADERS.index(REASON) + 1)
    last = max(len(rows) + 1, 2)
    dv = DataValidation(type="list", formula1='"确认,推翻"', allow_blank=True, showErrorMessage=True,
                        errorTitle="判定", error="请选择 确认 或 推翻")
    dv.add(f"{verdict_col}2:{verdict_col}{last}")
    ws.add_data_validation(dv)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for row in range(2, len(rows) + 2):
        ws[f"{verdict_col}{row}"].fill = fill
        ws[f"{reason_col}{row}"].fill = fill
    ws.freeze_panes = "B2"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(rows)


@dataclass
class ImportResult:
    applied: int = 0
    unchanged: int = 0  # verdicts imported before (this workbook or an earlier copy of it)
    blank: int = 0  # rows with no verdict filled in
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number in the sheet, what is wrong)


def _read_rows(path: Path) -> tuple[dict[str, int], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file():
        raise ReviewError(_("no file {path}").format(path=path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ReviewError(_("{path} is too large for a review workbook").format(path=path))
    try:
        wb = load_workbook(path, read_only=True, data_only=False)  # formulas stay formulas: refused, not evaluated
    except Exception as exc:  # noqa: BLE001 - zip, XML or format errors of a file from elsewhere: one line
        raise ReviewError(_("{path} is not an Excel workbook (.xlsx) qc can read: {error}").format(
            path=path, error=type(exc).__name__)) from None
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows()
        header = next(rows, None)
        names = [str(c.value).strip() if c.value is not None else "" for c in (header or ())]
        columns = {name: i for i, name in enumerate(names) if name in (ID, VERDICT, REASON)}
        if ID not in columns or VERDICT not in columns:
            raise ReviewError(_("{path}: the first row must name the columns {id} and {verdict} (as `qc review export` "
                                "writes them)").format(path=path, id=ID, verdict=VERDICT))
        out = []
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise ReviewError(_("{path} has more than {n} rows").format(path=path, n=MAX_ROWS))
            out.append((number, [_value(row[i]) if i < len(row) else None for i in
                                 (columns[ID], columns[VERDICT], columns.get(REASON, -1))]))
        return columns, out
    finally:
        wb.close()


class _Hostile(Exception):
    pass


def _value(cell) -> Any:
    """A cell's value as typed, or _Hostile for what a review workbook never needs (formulas, errors, giants)."""
    if getattr(cell, "data_type", None) in ("f", "e"):
        return _Hostile()
    value = getattr(cell, "value", None)
    if isinstance(value, str):
        if value.startswith("=") and len(value) > 1:
            return _Hostile()
        if len(value) > MAX_CELL:
            return _Hostile()
        return _CONTROLS.sub("", value).strip()
    return value


def import_verdicts(db: sqlite_utils.Database, path: Path, reviewer: str, *, account: Account | None = None,
                    check_only: bool = False) -> ImportResult:
    """Apply the verdicts filled in a workbook ``qc review export`` wrote; mistakes come back by row."""
    if account is not None:
        reviewer = account.name
    if not (reviewer or "").strip():
        raise ReviewError(_("say who you are (--reviewer)"))
    _columns, rows = _read_rows(path)
    source = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    result = ImportResult()
    filled: list[tuple[int, str, str, str]] = []
    for number, (fid, word, reason) in rows:
        if any(isinstance(v, _Hostile) for v in (fid, word, reason)):
            result.errors.append((number, _("a formula, error value or oversized cell; type plain values")))
            continue
        word = "" if word is None else str(word).strip()
        if not word:
            result.blank += 1
            continue
        filled.append((number, "" if fid is None else str(fid).strip().lstrip("'"), word,
                       "" if reason is None else str(reason).strip()))
    rows_of: dict[str, list[int]] = {}
    for number, fid, _word, _reason in filled:
        rows_of.setdefault(fid, []).append(number)
    wanted: dict[str, tuple[int, str, str]] = {}
    for number, fid, word, reason in filled:
        verdict = VERDICT_WORDS.get(word.lower())
        if not fid:
            result.errors.append((number, _("no finding id (编号)")))
        elif len(rows_of[fid]) > 1:
            result.errors.append((number, _("finding {id} is filled in on more than one row ({rows}); none of them "
                                            "was applied").format(id=fid, rows=", ".join(map(str, rows_of[fid])))))
        elif verdict is None:
            result.errors.append((number, _("verdict {word!r} is not 确认 or 推翻").format(word=word)))
        elif verdict == "overturned" and not reason:
            result.errors.append((number, _("an overturn needs a reason (理由)")))
        else:
            wanted[fid] = (number, verdict, reason or CONFIRM_REASON)
    findings: dict[str, dict[str, Any]] = {}
    for fid, (number, _verdict, _reason) in wanted.items():
        row = list(db.query("select * from findings where finding_id = ?", [fid]))
        if not row:
            result.errors.append((number, _("no finding {id!r} in the store").format(id=fid)))
        elif account is not None and not can_review(account, row[0]["shop"]):
            result.errors.append((number, _("not allowed: review findings of shop {shop}").format(shop=row[0]["shop"])))
        else:
            findings[fid] = row[0]
    result.errors.sort()
    todo = []
    for fid, finding in findings.items():
        _number, verdict, reason = wanted[fid]
        done = db.execute("select 1 from review_imports where finding_id = ? and verdict = ? and reason = ?",
                          [fid, verdict, mask_text(reason)]).fetchone()
        if done:
            result.unchanged += 1
        else:
            todo.append((finding, verdict, reason))
    if check_only or not todo:
        result.applied = len(todo) if check_only else 0  # checked: what an import would apply
        return result
    now = _now()
    with write_transaction(db.conn):
        for finding, verdict, reason in todo:
            # Checked again under the write lock: a second import running at once must not apply it too.
            if db.conn.execute("select 1 from review_imports where finding_id = ? and verdict = ? and reason = ?",
                               (finding["finding_id"], verdict, mask_text(reason))).fetchone():
                result.unchanged += 1
                continue
            review_id = insert_review(db.conn, finding, verdict, reason, reviewer.strip(), now)
            db.conn.execute("insert into review_imports (finding_id, verdict, reason, review_id, source, reviewer,"
                            " imported_at) values (?, ?, ?, ?, ?, ?, ?)",
                            (finding["finding_id"], verdict, mask_text(reason), review_id, source, reviewer.strip(), now))
            result.applied += 1
    rebuild_agent_daily(db, {(f["shop"], f["day"]) for f, _v, _r in todo})
    return result
