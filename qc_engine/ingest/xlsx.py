"""Reading the rows of an Excel workbook that nobody vouches for, in bounded time and memory.

openpyxl trusts the workbook: it pads every row to the width the sheet's ``<dimension>`` claims (a sheet
claiming A1:XFD1048576 makes each row 16,384 cells), and it holds every shared string in memory (a 2 MB
workbook can unpack to gigabytes of them). Here the claimed dimension is ignored, rows are cut at
``MAX_COLUMNS`` and the parts are measured, from the zip's own sizes, before anything is parsed.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterator

MAX_COLUMNS = 256  # chat and order exports have a few dozen
MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024
MAX_SHARED_STRINGS = 1_000_000
MAX_PART_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # unpacked / packed: real workbooks stay near 10, zip bombs go far beyond
_CHUNK = 1024 * 1024


class WorkbookError(ValueError):
    """The workbook cannot be read safely; the message says why, for the rejected record."""


def check_workbook(path: str | Path) -> None:
    """Raise WorkbookError when the workbook is not a zip, or unpacks to more than a chat export can be."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                size, packed = info.file_size, max(info.compress_size, 1)
                if size > MAX_PART_BYTES or (size > 64 * 1024 * 1024 and size / packed > MAX_RATIO):
                    raise WorkbookError(f"workbook part {info.filename} unpacks to {size:,} bytes (from {packed:,})")
                if info.filename.lower().endswith("sharedstrings.xml"):
                    if size > MAX_SHARED_STRINGS_BYTES:
                        raise WorkbookError(f"workbook has {size:,} bytes of shared strings")
                    _count_strings(z, info)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise WorkbookError(f"not a readable workbook: {exc}") from None


def _count_strings(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    count, tail = 0, b""
    with z.open(info) as f:
        while chunk := f.read(_CHUNK):
            data = tail + chunk
            count += data.count(b"<si>") + data.count(b"<si ") + data.count(b"<si/")
            tail = data[-3:]
            count -= tail.count(b"<si")  # counted again with the next chunk, if it completes there
            if count > MAX_SHARED_STRINGS:
                raise WorkbookError(f"workbook has more than {MAX_SHARED_STRINGS:,} shared strings")


def xlsx_rows(path: str | Path, limit: int | None = None) -> Iterator[tuple[int, list]]:
    """(row number, cell values) of the first sheet; raises WorkbookError before reading an unsafe workbook."""
    from openpyxl import load_workbook  # imported here: only XLSX files need it

    check_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken workbook
        raise WorkbookError(f"not a readable workbook: {type(exc).__name__}: {exc}") from None
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the rows as they are, not as wide or long as the sheet claims
        for n, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
            if limit is not None and n > limit:
                break
            yield n, _trimmed(row)
    finally:
        book.close()


def _trimmed(row) -> list:
    cells = list(row)
    while cells and cells[-1] is None:
        cells.pop()
    return cells
