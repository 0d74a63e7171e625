"""Loader for qc-engine's native format: JSON Lines, one conversation per line."""
from __future__ import annotations

from pathlib import Path

from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.encoding import BAD_BYTES, EncodingError, detect_file_encoding, head_text, iter_lines, open_text

MAX_LINE_BYTES = 64 * 1024 * 1024


class JsonlLoader(Loader):
    name = "jsonl"
    description = "qc-engine JSON Lines: one normalized conversation per line (UTF-8, or GBK/UTF-16 converted)"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head).lstrip("\ufeff \t\r\n")
        if not text.startswith("{"):
            return 0.0
        first = text.split("\n", 1)[0]
        if '"messages"' in first or '"conversation_id"' in first:
            return 0.95
        return 0.6 if path.suffix.lower() in (".jsonl", ".ndjson") else 0.0

    def load(self, path, options):
        try:
            encoding = detect_file_encoding(path)
        except EncodingError as exc:
            yield Rejected(str(path), f"file {exc}", "", None, 0)
            return
        if encoding in ("utf-8", "utf-8-sig"):
            yield from self._utf8_lines(path)
        else:
            yield from self._decoded_lines(path, encoding)

    @staticmethod
    def _utf8_lines(path):
        # Lines go out as bytes, unparsed: the engine parses and validates them where the rules run (the workers).
        with open(path, "rb") as f:
            offset = 0
            for lineno, line in enumerate(f, 1):
                start, offset = offset, offset + len(line)
                if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    continue
                if len(line) > MAX_LINE_BYTES:
                    yield Rejected(str(path), f"line longer than {MAX_LINE_BYTES} bytes", line[:4000].decode("utf-8", "replace"), lineno, start)
                    continue
                yield RawRecord(line, str(path), line=lineno, offset=start)

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
