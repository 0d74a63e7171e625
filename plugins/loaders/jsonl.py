"""Loader for qc-engine's native format: JSON Lines, one conversation per line."""
from __future__ import annotations

from pathlib import Path

from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.model import RawLines
from qc_engine.ingest.encoding import BAD_BYTES, EncodingError, detect_file_encoding, head_text, iter_lines, open_text

MAX_LINE_BYTES = 64 * 1024 * 1024
BLOCK_BYTES = 256 * 1024
SNIFF_LINES = 5
SNIFF_BYTES = 64 * 1024  # about as many conversations as the engine audits in one batch


def _without_long_lines(path, lines: list[bytes], number: int, offset: int):
    """A block holding an over-long line: that line is rejected, the others go on as blocks of their own."""
    start = 0
    for i, line in enumerate(lines):
        if len(line) > MAX_LINE_BYTES:
            if start < i:
                yield RawLines(lines[start:i], str(path), number + start, offset)
            yield Rejected(str(path), f"line longer than {MAX_LINE_BYTES} bytes", line[:4000].decode("utf-8", "replace"),
                           number + i, offset + sum(map(len, lines[start:i])))
            offset += sum(map(len, lines[start:i + 1]))
            start = i + 1
    if start < len(lines):
        yield RawLines(lines[start:], str(path), number + start, offset)


_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r")


def _has_clean_record(path) -> bool:
    """Whether the file's head has a line that is a JSON object in plain UTF-8 text."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    for line in head.split(b"\n")[:-1] or [head]:
        line = line.strip().lstrip(b"\xef\xbb\xbf")
        if line.startswith(b"{") and line.endswith(b"}") and len(line.translate(None, _CONTROL_BYTES)) == len(line):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return True
    return False


class JsonlLoader(Loader):
    name = "jsonl"
    description = "qc-engine JSON Lines: one normalized conversation per line (UTF-8, or GBK/UTF-16 converted)"

    def sniff(self, path: Path, head: bytes) -> float:
        # The first lines that look like records decide: a broken or foreign first line is only a rejected line.
        lines = [line.strip() for line in head_text(head).lstrip("\ufeff").split("\n")]
        lines = [line for line in lines if line][:SNIFF_LINES]
        records = [line for line in lines if line.startswith("{")]
        named = path.suffix.lower() in (".jsonl", ".ndjson")
        if any('"messages"' in line or '"conversation_id"' in line for line in records):
            return 0.95 if lines[0].startswith("{") else 0.9
        if records and named:
            return 0.6
        return 0.3 if named and head.strip() else 0.0  # a .jsonl file is read (and its lines judged), never skipped

    def load(self, path, options):
        try:
            encoding = detect_file_encoding(path)
        except EncodingError as exc:
            # A corrupt or binary stretch in a file of records: each line is judged alone, as UTF-8. A file
            # without a single clean record in its head is not one of ours at all: one rejection says why.
            if not _has_clean_record(path):
                yield Rejected(str(path), f"file {exc}", "", None, 0)
                return
            encoding = "utf-8"
        if encoding in ("utf-8", "utf-8-sig"):
            yield from self._utf8_lines(path)
        else:
            yield from self._decoded_lines(path, encoding)

    @staticmethod
    def _utf8_lines(path):
        # Blocks of lines go out as bytes, unparsed: the engine splits, parses and validates them where
        # the rules run (the workers), so reading the input costs nothing per conversation.
        with open(path, "rb") as f:
            number, offset = 1, 0
            while lines := f.readlines(BLOCK_BYTES):
                if number == 1 and lines[0].startswith(b"\xef\xbb\xbf"):
                    lines[0], offset = lines[0][3:], 3
                if max(map(len, lines)) > MAX_LINE_BYTES:
                    yield from _without_long_lines(path, lines, number, offset)
                else:
                    yield RawLines(lines, str(path), number, offset)
                number += len(lines)
                offset += sum(map(len, lines))

    @staticmethod
    def _decoded_lines(path, encoding):
        with open_text(path, encoding) as stream:
            for lineno, line in iter_lines(stream):
                line = line.lstrip("\ufeff") if lineno == 1 else line
                if not line.strip():
                    continue
                if BAD_BYTES in line:
                    yield Rejected(str(path), f"bytes that are not {encoding} text", line[:4000], lineno)
                    continue
                yield RawRecord(line, str(path), line=lineno)


@hookimpl
def register_loaders(register):
    register(JsonlLoader)
