"""Next-day reports from the store: coaching sheets per agent, a daily report per shop, a team overview."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
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


MANIFEST = ".qc-report-files.json"  # what the last `qc report` wrote into a folder: the only files it may remove


def _write(path: Path, text: str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="replace")
    written.append(path)


def build_reports(db: sqlite_utils.Database, out_dir: str | Path, day: str | None = None, shop: str | None = None,
                  lang: str = "zh") -> ReportSummary:
    """Write every page, the CSV files and the workbook of one day into ``out_dir``; returns what was written.

    Everything is made in a staging folder first: a report that fails leaves the previous one as it was. Then
    each file replaces its namesake atomically, and the files the previous report of this folder wrote that
    this one did not make (pages of agents gone, a workbook of another day) are removed. Files anybody else
    put there are never touched.
    """
    started = time.monotonic()
    w = Words(lang)
    data: ReportData = load_report_data(db, day, shop)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".qc-report-", dir=out))
    try:
        made = _make(data, w, staging)
        _publish(staging, out, made)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary = ReportSummary(data.day, out, data.shops, sample_size=len(data.sample))
    summary.pages = [out / p.relative_to(staging) for p in made.pages]
    summary.csv_files = [out / p.relative_to(staging) for p in made.csv_files]
    summary.xlsx = out / made.xlsx.relative_to(staging)
    summary.duration_s = time.monotonic() - started
    return summary


def _make(data: ReportData, w: Words, out: Path) -> ReportSummary:
    summary = ReportSummary(data.day, out, data.shops, sample_size=len(data.sample))
    tables = cleaned(sheets(data, w))
    summary.csv_files = list(write_csv(out / "csv", tables).values())
    summary.xlsx = write_xlsx(out / f"qc-report-{data.day}.xlsx", tables, w)
    files = {f"{w('xlsx')} ({summary.xlsx.name})": summary.xlsx.name}
    files.update({f"{w('csv')}: {p.name}": f"csv/{p.name}" for p in summary.csv_files})
    for s in data.shops:
        _write(out / "shops" / html.page_name("shop", s), html.shop_page(data, w, s), summary.pages)
    for a in data.agents_today:
        _write(out / "agents" / html.agent_page_name(a["shop"], a["agent"]),
               html.agent_page(data, w, a["shop"], a["agent"]), summary.pages)
    _write(out / "team.html", html.team_page(data, w), summary.pages)
    _write(out / "sample.html", html.sample_page(data, w), summary.pages)
    _write(out / "followup.html", html.follow_up_page(data, w), summary.pages)
    _write(out / "index.html", html.index_page(data, w, files), summary.pages)
    return summary


def _publish(staging: Path, out: Path, made: ReportSummary) -> list[str]:
    """Move what was made into ``out`` (each file by an atomic rename), then remove what the last report made
    and this one did not; returns the new list of files, which is kept in the folder's manifest."""
    names = sorted(str(p.relative_to(staging)) for p in [*made.pages, *made.csv_files, made.xlsx])
    for name in names:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and not target.is_symlink():
            raise OSError(f"{target} is a folder; remove it or choose another --out")
        os.replace(staging / name, target)
    previous = _manifest(out)
    for name in sorted(set(previous) - set(names)):
        stale = out / name
        if _inside(stale, out) and stale.is_file() and not stale.is_symlink():
            stale.unlink()
    manifest = out / MANIFEST
    tmp = staging / MANIFEST
    tmp.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, manifest)
    return names


def _manifest(out: Path) -> list[str]:
    try:
        names = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _inside(path: Path, folder: Path) -> bool:
    try:
        return os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep) and ".." not in Path(path).parts
    except (OSError, ValueError):
        return False
