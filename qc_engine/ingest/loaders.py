"""The loader API, and finding the right loader for each input file."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Iterator

from qc_engine.model import DEFAULT_TIMEZONE, RawLines, RawRecord, Rejected
from qc_engine.ingest.normalize import MAX_RAW_CHARS

SNIFF_BYTES = 64 * 1024


@dataclass
class LoadOptions:
    """What a loader may need to know beyond the file itself."""

    timezone: str = DEFAULT_TIMEZONE
    agents: frozenset[str] = frozenset()  # sender names known to be human agents
    bots: frozenset[str] = frozenset()  # bot / auto-reply names: the rule files' `bots` (core.yaml's and shops')
    shop: str | None = None  # shop name when the export does not carry one
    shops: dict[str, str] = field(default_factory=dict)  # account (e.g. a WeCom staff id or corp id) -> shop
    extra: dict[str, Any] = field(default_factory=dict)  # loader-specific options


LoaderItem = RawRecord | RawLines | Rejected  # what a loader yields


class Loader:
    """Base class of every transcript loader.

    ``sniff`` looks at the first bytes of a file and says how sure it is
    (0 = not mine, 1 = certainly mine); the loader with the highest score
    reads the file. ``load`` streams the file and yields ``RawRecord`` (one
    conversation in the normalized JSON shape) or ``Rejected`` (a part it
    could not use, with file and line), never holding the whole file. A loader
    of JSON Lines may yield ``RawLines`` (a block of unparsed lines) instead of
    a record per line; ``each_record`` splits such blocks.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def sniff(self, path: Path, head: bytes) -> float:
        raise NotImplementedError

    def load(self, path: Path, options: LoadOptions) -> Iterator[LoaderItem]:
        raise NotImplementedError


def each_record(items: Iterable[LoaderItem]) -> Iterator[RawRecord | Rejected]:
    """What loaders yield, with blocks of lines split into their records."""
    for item in items:
        if type(item) is RawLines:
            yield from item.records()
        else:
            yield item


def iter_input_files(paths: list[Path]) -> Iterator[Path]:
    """Files under the given paths, in a stable order; hidden files are skipped."""
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith("."):
                        yield Path(root) / f
        else:
            yield p


def detect_loader(path: Path, loaders: list):
    """The loader (of transcripts or of orders: anything with ``sniff``) most sure it can read the file, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError:
        return None
    best, best_score = None, 0.0
    for loader in loaders:
        try:
            score = float(loader.sniff(path, head) or 0.0)
        except Exception:  # a vendor's sniff that breaks must not stop detection
            score = 0.0
        if score > best_score:
            best, best_score = loader, score
    return best


class SessionDraft:
    """A conversation a text-export loader is still reading: its raw lines, kept for a rejection, and its first problem."""

    __slots__ = ("line", "messages", "raw", "raw_len", "problem", "problem_line")
    max_raw_chars = MAX_RAW_CHARS

    def __init__(self, line: int):
        self.line = line
        self.messages: list[dict] = []
        self.raw: list[str] = []
        self.raw_len = 0
        self.problem: str | None = None
        self.problem_line: int | None = None

    def keep_raw(self, line: str) -> None:
        if self.raw_len < self.max_raw_chars:
            self.raw.append(line)
            self.raw_len += len(line) + 1

    def fail(self, lineno: int, reason: str) -> None:
        """Remember the first problem: the whole conversation is set aside with that line."""
        if self.problem is None:
            self.problem, self.problem_line = reason, lineno
