"""Loader for qc-engine's native format: JSON Lines, one conversation per line."""
from __future__ import annotations

from pathlib import Path

from qc_engine import Loader, RawRecord, Rejected, hookimpl

MAX_LINE_BYTES = 64 * 1024 * 1024


class JsonlLoader(Loader):
    name = "jsonl"
    description = "qc-engine JSON Lines: one normalized conversation per line"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith(b"{"):
            return 0.0
        first = text.split(b"\n", 1)[0]
        if b'"messages"' in first or b'"conversation_id"' in first:
            return 0.95
        return 0.6 if path.suffix.lower() in (".jsonl", ".ndjson") else 0.0

    def load(self, path, options):
        # Lines go out unparsed: the engine parses and validates them where the rules run (in the workers).
        with open(path, "rb") as f:
            for lineno, line in enumerate(f, 1):
                if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    continue
                if len(line) > MAX_LINE_BYTES:
                    yield Rejected(str(path), f"line longer than {MAX_LINE_BYTES} bytes", line[:4000].decode("utf-8", "replace"), lineno)
                    continue
                yield RawRecord(line, str(path), line=lineno)


@hookimpl
def register_loaders(register):
    register(JsonlLoader)
