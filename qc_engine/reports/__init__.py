"""Next-day reports from the store: coaching sheets per agent, a daily report per shop, a team overview."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from qc_engine.reports import html
from qc_engine.reports.data import NoDataError, ReportData, load_report_data
from qc_engine.reports.i18n import Words
from qc_engine.reports.tables import cleaned, sheets, write_csv, write_xlsx

__all__ = ["NoDataError", "ReportSummary", "build_reports", "load_report_data"]


@dataclass
class ReportSummary:
    day: str
    out_dir: Path
    shops: list[str]
    pages: list[Path] = field(default_factory=list)
    csv_files: list[Path] = field(default_factory=list)
    xlsx: Path | None = None
    sample_size: int = 0
    duration_s: float = 0.0


def _write(path: Path, text: str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written.append(path)


def build_reports(db: sqlite_utils.Database, out_dir: str | Path, day: str | None = None, shop: str | None = None,
                  lang: str = "zh") -> ReportSummary:
    """Write every page, the CSV files and the workbook of one day into ``out_dir``; returns what was written."""
    started = time.monotonic()
    w = Words(lang)
    data: ReportData = load_report_data(db, day, shop)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("agents", "shops", "csv"):  # pages of agents or shops no longer in the report must not linger
        if (out / sub).is_dir():
            shutil.rmtree(out / sub)
    summary = ReportSummary(data.day, out, data.shops, sample_size=len(data.sample))
    tables = cleaned(sheets(data, w))
    summary.csv_files = list(write_csv(out / "csv", tables).values())
    summary.xlsx = write_xlsx(out / f"qc-report-{data.day}.xlsx", tables)
    files = {f"{w('xlsx')} ({summary.xlsx.name})": summary.xlsx.name}
    files.update({f"{w('csv')}: {p.name}": f"csv/{p.name}" for p in summary.csv_files})
    for s in data.shops:
        _write(out / "shops" / html.page_name("shop", s), html.shop_page(data, w, s), summary.pages)
    for a in data.agents_today:
        _write(out / "agents" / html.agent_page_name(a["shop"], a["agent"]),
               html.agent_page(data, w, a["shop"], a["agent"]), summary.pages)
    _write(out / "team.html", html.team_page(data, w), summary.pages)
    _write(out / "sample.html", html.sample_page(data, w), summary.pages)
    _write(out / "index.html", html.index_page(data, w, files), summary.pages)
    summary.duration_s = time.monotonic() - started
    return summary
