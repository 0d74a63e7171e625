"""Reading spreadsheet-like order exports row by row: CSV (UTF-8 or GBK) and XLSX."""
from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Iterator

from qc_engine.ingest.xlsx import WorkbookError, xlsx_rows
from qc_engine.orders.api import OrderFileError

XLSX_MAGIC = b"PK\x03\x04"
MAX_HEADER_SCAN_ROWS = 5  # some exports put a title line above the header
MAX_FIELD_CHARS = 1024 * 1024

csv.field_size_limit(MAX_FIELD_CHARS)


def csv_encoding(head: bytes) -> str:
    """utf-8-sig when the first bytes are valid UTF-8, otherwise gb18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"


def _clean_header(cells) -> list[str]:
    return [("" if c is None else str(c)).strip().strip("\ufeff\t\"").strip() for c in cells]


def head_header(path: Path, head: bytes) -> list[str]:
    """The header candidates of a file from its first bytes (all early rows' cells, for sniffing)."""
    if head.startswith(XLSX_MAGIC):
        try:
            return [c for row in _xlsx_rows(path, limit=MAX_HEADER_SCAN_ROWS) for c in _clean_header(row[1])]
        except Exception:  # noqa: BLE001 - not a readable workbook: not ours
            return []
    text = head.decode(csv_encoding(head), errors="replace")
    lines = text.splitlines()[:MAX_HEADER_SCAN_ROWS]
    cells: list[str] = []
    for row in csv.reader(lines, delimiter=_delimiter(lines[0] if lines else "")):
        cells.extend(_clean_header(row))
    return cells


def _delimiter(first_line: str) -> str:
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def _xlsx_rows(path: Path, limit: int | None = None) -> Iterator[tuple[int, tuple]]:
    try:
        yield from xlsx_rows(path, limit)
    except WorkbookError as exc:
        raise OrderFileError(str(exc)) from None


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open(path, "rb") as raw:
        head = raw.read(64 * 1024)
    encoding = csv_encoding(head)
    with open(path, encoding=encoding, errors="replace", newline="") as f:
        first = f.readline()
        f.seek(0)
        reader = csv.reader(f, delimiter=_delimiter(first))
        for row in reader:
            yield reader.line_num, row


def iter_records(path: Path, is_header) -> Iterator[tuple[int, dict[str, object]]]:
    """(line, {header: value}) for each data row; ``is_header(cells)`` picks the header among the first rows.

    Raises OrderFileError when no header row is found.
    """
    with open(path, "rb") as f:
        head = f.read(len(XLSX_MAGIC))
    rows = _xlsx_rows(path) if head.startswith(XLSX_MAGIC) else _csv_rows(path)
    header: list[str] | None = None
    for line, row in rows:
        if header is None:
            cells = _clean_header(row)
            if is_header(cells):
                header = cells
            elif line >= MAX_HEADER_SCAN_ROWS:
                raise OrderFileError("no header row with the expected column names in its first lines")
            continue
        if not any(c not in (None, "") and str(c).strip() for c in row):
            continue
        yield line, {name: row[i] if i < len(row) else None for i, name in enumerate(header) if name}
    if header is None:
        raise OrderFileError("no header row with the expected column names in its first lines")
