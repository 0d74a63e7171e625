"""The report figures as CSV files and one Excel workbook (the same rows the HTML pages show).

Text is masked again and guarded against spreadsheet formula injection (a chat line starting with
"=" must stay text in Excel).
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

from qc_engine.text.clean import storable
from qc_engine.text.personal_data import mask_text
from qc_engine.reports.data import ReportData
from qc_engine.reports.i18n import Words

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value):
    """Numbers as they are; text masked, with a leading quote where a spreadsheet would run it as a formula."""
    if value is None or isinstance(value, (int, float)):
        return value
    text = _CONTROLS.sub("\ufffd", storable(mask_text(str(value))))  # a spreadsheet cannot hold control characters
    return "'" + text if text.startswith(FORMULA_START) else text


def cleaned(tables: dict[str, tuple[list[str], list[list]]]) -> dict[str, tuple[list[str], list[list]]]:
    """The tables with every cell passed through ``_text`` once (reasons and names repeat: each is masked once)."""
    seen: dict[str, object] = {}

    def clean(value):
        if not isinstance(value, str):
            return _text(value)
        out = seen.get(value)
        if out is None:
            out = seen[value] = _text(value)
        return out

    return {name: ([clean(h) for h in headers], [[clean(v) for v in row] for row in rows])
            for name, (headers, rows) in tables.items()}


def sheets(data: ReportData, w: Words) -> dict[str, tuple[list[str], list[list]]]:
    """Sheet name -> (headers, rows) for every table the reports contain."""
    shops = []
    for shop in data.shops:
        t = data.shop_today(shop)
        s = data.sales.get(shop, {})
        shops.append([data.day, shop, t.get("conversations"), t.get("customers"), t.get("messages"), t.get("score_avg"),
                      t.get("findings"), t.get("red_lines"), s.get("inquiries"), s.get("paid"), s.get("conversion_rate"),
                      s.get("paid_amount")])
    agents = [[a["day"], a["shop"], a["agent"], a["conversations"], a["score_avg"], a["findings"], a["red_lines"],
               a["first_response_avg"], a["avg_response_time"], a["response_rate_3min"], a["slow_rounds"],
               a["unanswered_rounds"], a["answer_ratio"], a["rounds"], a["agent_messages"], a["customer_messages"],
               a.get("high_risk"), a.get("high_risk_rate")]
              for a in data.agents_today]
    findings = [[f["day"], f["shop"], f["agent"], f["conversation_id"], f["message_index"], f["finding_id"], f["rule_id"],
                 w.category(f["category"]), w.severity(f["severity"]), f["points"], "Y" if f["red_line"] else "",
                 w.verdict(f["verdict"]), f["reason"], f["expected"], f["evidence"]] for f in data.findings]
    findings += [[m["day"], m["shop"], m["agent"], m["conversation_id"], m["message_index"], f"manual/{m['id']}", "",
                  w.category(m["category"]), w.severity(m["severity"]), m["points"], "", w.verdict("manual"), m["note"],
                  "", ""] for m in data.manual]
    reviews = [[f["day"], f["shop"], f["agent"], f["finding_id"], f["rule_id"], w.verdict("overturned"), f["review_reason"],
                f["reviewer"], f["reviewed_at"]] for f in data.overturned]
    trend = [[r["day"], shop, r["conversations"], r["score_avg"], r["findings"], r["red_lines"]]
             for shop in data.shops for r in data.shop_trend.get(shop, [])]
    follow_up = [[data.day, r["shop"], r["rank"], r["risk"], r["agent"], r["conversation_id"], r["customer"], r["why"],
                  r["evidence"]] for r in data.follow_up]
    sample = [[data.day, s["shop"], s["conversation_id"], s["agent"], s["score"], w.sample_reason(s["reason"]), s["seed"]]
              for s in data.sample]
    return {
        "shops": ([w("day"), w("shop"), w("conversations"), w("customers"), w("messages"), w("score_avg"), w("findings"),
                   w("red_lines"), w("inquiries"), w("paid"), w("conversion"), w("paid_amount")], shops),
        "agents": ([w("day"), w("shop"), w("agent"), w("conversations"), w("score_avg"), w("findings"), w("red_lines"),
                    w("first_response"), w("avg_response"), w("rate_3min"), w("slow_rounds"), w("unanswered"),
                    w("answer_ratio"), w("rounds"), w("agent_messages"), w("customer_messages"), w("high_risk"),
                    w("high_risk_rate")], agents),
        "findings": ([w("day"), w("shop"), w("agent"), w("conversation"), w("message_index"), w("finding_id"), w("rule"),
                      w("category"), w("severity"), w("points"), w("red_lines"), w("verdict"), w("reason"), w("expected"),
                      w("evidence")], findings),
        "overturned": ([w("day"), w("shop"), w("agent"), w("finding_id"), w("rule"), w("verdict"), w("note"), w("reviewer"),
                        w("reviewed_at")], reviews),
        "trend": ([w("day"), w("shop"), w("conversations"), w("score_avg"), w("findings"), w("red_lines")], trend),
        "sample": ([w("day"), w("shop"), w("conversation"), w("agent"), w("score"), w("sample_reason"), w("seed")], sample),
        "follow_up": ([w("day"), w("shop"), w("rank"), w("risk"), w("agent"), w("conversation"), w("customer"),
                       w("risk_why"), w("evidence")], follow_up),
    }


# What each column holds, for the workbook's number formats ("text" for the rest); the CSV files keep plain values.
KINDS = {
    "shops": ("date", "text", "int", "int", "int", "score", "int", "int", "int", "int", "pct", "money"),
    "agents": ("date", "text", "text", "int", "score", "int", "int", "duration", "duration", "pct", "int", "int", "ratio",
               "int", "int", "int", "int", "pct"),
    "findings": ("date", "text", "text", "text", "int", "text", "text", "text", "text", "score"),
    "overturned": ("date", "text", "text", "text", "text", "text", "text", "text", "datetime"),
    "trend": ("date", "text", "int", "score", "int", "int"),
    "sample": ("date", "text", "text", "text", "score", "text", "int"),
    "follow_up": ("date", "text", "int", "ratio"),
}
FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "#,##0", "score": "0.0", "ratio": "0.00",
           "pct": "0.0%", "money": "#,##0.00", "duration": "[h]:mm:ss"}
SECONDS_PER_DAY = 86400.0
UNIT = re.compile(r"\s*[(（](秒|s)[)）]\s*$")  # "首次响应(秒)": the unit goes, the cell is a duration


def _typed(kind: str, value):
    """A cell value Excel understands as what it is: real dates, durations as fractions of a day."""
    try:
        if kind == "date" and isinstance(value, str):
            return date.fromisoformat(value[:10])
        if kind == "datetime" and isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=None)
        if kind == "duration" and isinstance(value, (int, float)):
            return value / SECONDS_PER_DAY
    except ValueError:
        return value
    return value


def write_csv(out_dir: Path, tables: dict[str, tuple[list[str], list[list]]]) -> dict[str, Path]:
    """One UTF-8 CSV per table (with a BOM, so Excel opens Chinese text correctly); tables as ``cleaned`` returns."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (headers, rows) in tables.items():
        path = out_dir / f"{name}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            writer.writerows(rows)
        paths[name] = path
    return paths


def write_xlsx(path: Path, tables: dict[str, tuple[list[str], list[list]]], w: Words | None = None) -> Path:
    """One workbook, one sheet per table (named in the report's language), header row bold, frozen and filtered;
    dates, durations, percentages and money formatted as such. Tables as ``cleaned`` returns."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)  # streams rows: a day of findings stays fast and small in memory
    bold = Font(bold=True)
    for name, (headers, rows) in tables.items():
        ws = wb.create_sheet((w.sheet(name) if w else name)[:31])
        ws.freeze_panes = "A2"
        kinds = KINDS.get(name, ())
        kinds = tuple(kinds) + ("text",) * (len(headers) - len(kinds))
        headers = [UNIT.sub("", str(h)) if k == "duration" else h for h, k in zip(headers, kinds)]
        for i, header in enumerate(headers, 1):
            sample = [len(str(r[i - 1])) for r in rows[:200] if r[i - 1] is not None]
            width = max(8, len(str(header)) * 2, *sample, 0) + 2
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(width, 12 if kinds[i - 1] != "text" else 0))
        if headers:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
        head = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        formats = [FORMATS.get(k) for k in kinds]
        for row in rows:
            cells = []
            for value, kind, number_format in zip(row, kinds, formats):
                if number_format is None or value is None or isinstance(value, str) and kind not in ("date", "datetime"):
                    cells.append(value)
                    continue
                cell = WriteOnlyCell(ws, value=_typed(kind, value))
                cell.number_format = number_format
                cells.append(cell)
            ws.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
