"""Detecting the encoding of a chat export and opening it as a stream of text.

Exports from Chinese shop platforms arrive as UTF-8 (with or without BOM),
GB18030/GBK or UTF-16 with a BOM. The encoding is decided by the BOM or by a
strict trial decoding of the first non-ASCII bytes; anything else is refused
with a clear error rather than decoded into mojibake. Bytes that turn out to be
undecodable further into the file become ``BAD_BYTES`` in the text, so a loader
can reject the record that holds them and keep going.
"""
from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import Iterator, TextIO

from qc_engine.model import Rejected

SUPPORTED = "UTF-8, UTF-8 with BOM, GB18030/GBK, Big5 or UTF-16 with BOM"
BAD_BYTES = "\ufdd0"  # a Unicode noncharacter: never found in real text
_ERROR_HANDLER = "qc-engine-mark-bad-bytes"
_TRIAL_BYTES = 64 * 1024
_SCAN_LIMIT = 16 * 1024 * 1024  # how far to look for the first non-ASCII byte
_CHUNK = 1024 * 1024
# Control bytes that plain text files do contain (tab, newlines, form feed, escape) are allowed.
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r\x0b\x0c\x1b")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_NON_ASCII_TEXT = re.compile(r"[^\x00-\x7f]")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class EncodingError(ValueError):
    """The file is not text in one of the supported encodings."""


def _mark_bad_bytes(exc: UnicodeDecodeError):
    return BAD_BYTES, exc.end


codecs.register_error(_ERROR_HANDLER, _mark_bad_bytes)


def _bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _decode_errors(data: bytes, encoding: str, complete: bool, limit: int) -> int:
    """How many undecodable spots a sample has (counting stops past ``limit``); a character cut at its end is fine."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    errors, pos = 0, 0
    while errors <= limit:
        try:
            decoder.decode(data[pos:], final=complete)
            return errors
        except UnicodeDecodeError as exc:
            errors += 1
            pos += exc.end
            decoder.reset()
    return errors


def _looks_binary(data: bytes) -> bool:
    """Mostly binary: a run of binary bytes inside text (a corrupt stretch) leaves it text, judged line by line."""
    sample = data[:_TRIAL_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(sample) // 100)


def _cjk(text: str) -> list[str]:
    return [c for c in text if "\u4e00" <= c <= "\u9fff"]


def _share(chars: list[str], common) -> float:
    return sum(1 for c in chars if common(c)) / len(chars) if chars else 0.0


def _in_gb2312(c: str) -> bool:
    try:
        c.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _big5_level1(c: str) -> bool:
    try:
        return b"\xa4\x40" <= c.encode("cp950") <= b"\xc6\x7e"
    except UnicodeEncodeError:
        return False


def _looks_big5(sample: bytes, complete: bool, tolerated: int) -> bool:
    """Big5 text decodes as GBK too, into rare characters: read as Big5 it is almost all common characters,
    read as GBK only half of them are (GBK text, simplified or traditional, is the other way round)."""
    if _decode_errors(sample, "cp950", complete, tolerated) > tolerated:
        return False
    as_big5 = _cjk(sample.decode("cp950", "replace"))
    if len(as_big5) < 2:
        return False
    # Every character GBK reads, not only the ideographs: GB2312's pinyin, kana and punctuation read as Big5
    # are common ideographs too ('èē' is '豕言'), so a reading of GB2312 characters of any kind is GBK.
    as_gbk = [c for c in sample.decode("gb18030", "replace") if not c.isascii()]
    return _share(as_big5, _big5_level1) >= 0.9 and _share(as_gbk, _in_gb2312) < 0.8


def detect_encoding(sample: bytes, complete: bool = False) -> str:
    """The codec name for a sample of a file (its head, or its first non-ASCII part); EncodingError if none fits.

    ``complete`` says the sample is the whole file, so a cut character at its end is an error.
    """
    bom = _bom_encoding(sample)
    if bom:
        if bom == "utf-16" and _decode_errors(sample, bom, complete, 0):
            raise EncodingError(f"starts with a UTF-16 byte-order mark but is not valid UTF-16; expected {SUPPORTED}")
        return bom
    if _looks_binary(sample):
        raise EncodingError(f"looks like a binary file (NUL or control bytes), not text in {SUPPORTED}")
    # A stray bad byte in a real export is reported on its line; many mean another encoding.
    tolerated = 1 + len(_NON_ASCII.findall(sample)) // 100
    errors = _decode_errors(sample, "utf-8", complete, tolerated)
    # UTF-8 with a stray byte stays UTF-8 (the line holding it is rejected), though GBK might decode it all
    # into mojibake: its well-formed multi-byte characters, which GBK text almost never has, say so.
    if errors == 0 or (errors <= tolerated and _utf8_characters(sample) >= 2 * errors):
        return "utf-8"
    if _decode_errors(sample, "gb18030", complete, tolerated) <= tolerated:
        return "cp950" if _looks_big5(sample, complete, tolerated) else "gb18030"
    if _looks_big5(sample, complete, tolerated):
        return "cp950"
    if errors <= tolerated:
        return "utf-8"
    raise EncodingError(f"is not text in {SUPPORTED} (perhaps Latin-1); convert it to UTF-8 first")


def _utf8_characters(sample: bytes) -> int:
    """How many well-formed multi-byte UTF-8 characters the sample has."""
    return len(_NON_ASCII_TEXT.findall(sample.decode("utf-8", "ignore")))


def detect_file_encoding(path: str | Path) -> str:
    """The codec of a file: by BOM, else by trial decoding where its non-ASCII text starts."""
    with open(path, "rb") as f:
        head = f.read(_TRIAL_BYTES)
        if _bom_encoding(head):
            return detect_encoding(head, complete=len(head) < _TRIAL_BYTES)
        # ASCII decides nothing: the first non-ASCII bytes do, however far into the file they are.
        base, chunk = 0, head
        while True:
            if _looks_binary(chunk):
                detect_encoding(chunk)  # raises with the binary-file message
            found = _NON_ASCII.search(chunk)
            if found:
                f.seek(base + found.start())
                sample = f.read(_TRIAL_BYTES)
                return detect_encoding(sample, complete=len(sample) < _TRIAL_BYTES)
            base += len(chunk)
            if base >= _SCAN_LIMIT:
                return "utf-8"
            chunk = f.read(_CHUNK)
            if not chunk:
                return "utf-8"


def head_text(head: bytes) -> str:
    """The first bytes of a file as text for ``sniff``: decoded when the encoding fits, else its ASCII part.

    Never raises, so a loader can still recognise the layout of a badly encoded file and report it.
    """
    try:
        encoding = detect_encoding(head)
    except EncodingError:
        return head.decode("ascii", "replace")
    return head.decode(encoding, _ERROR_HANDLER)


def open_text(path: str | Path, encoding: str | None = None) -> TextIO:
    """The file as a text stream (newlines untranslated); undecodable bytes read as ``BAD_BYTES``.

    Raises EncodingError when the file is not in a supported encoding.
    """
    encoding = encoding or detect_file_encoding(path)
    raw = open(path, "rb")
    return io.TextIOWrapper(raw, encoding=encoding, errors=_ERROR_HANDLER, newline="")


def iter_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its line ending) for each line of a text stream."""
    for lineno, line in enumerate(stream, 1):
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        elif line.endswith("\r"):
            line = line[:-1]
        yield lineno, line


def open_text_or_rejection(path: str | Path) -> TextIO | Rejected:
    """The file as a text stream, or the one Rejected that says why the whole file cannot be read."""
    try:
        return open_text(path)
    except EncodingError as exc:
        return Rejected(str(path), f"file {exc}", "", None)
