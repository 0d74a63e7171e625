"""Loader for 旺旺/千牛 消息管理器 txt exports (usually GB18030 with CRLF).

Layout: line 1 is the exporting account; a section header is a line of '='
around 单聊 or 群聊; each buyer's block starts with
``----------------------------<buyer nick>----------------------------`` and
holds messages ``<sender>(YYYY-MM-DD HH:MM:SS):  <text>`` (or, in some
exports, ``YYYY-MM-DD HH:MM:SS <sender>:``) whose following lines continue
the text. A buyer block holds the whole history with that buyer, so it is cut
into conversations where the chat pauses for ``session_gap_hours`` (option,
default 12).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from qc_engine.ingest.loaders import SessionDraft
from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.ingest.encoding import BAD_BYTES, head_text, iter_lines, open_text_or_rejection
from qc_engine.ingest.roles import placeholder_type, resolver_for, split_account

PLATFORM = "taobao"
DEFAULT_SESSION_GAP_HOURS = 12.0

_DATE_TIME = r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?"
_SENDER_FIRST = re.compile(r"^(.+?)[(（]" + _DATE_TIME + r"[)）][:：](.*)$")
_TIME_FIRST = re.compile(r"^" + _DATE_TIME + r"\s+(.+?)[:：](?:\s(.*))?$")
# Shaped like a message header but with a time that is not one: a broken line, not message text.
_BROKEN_SENDER_FIRST = re.compile(r"^(.+?)[(（](\d{2,4}[-/.年][^()（）]{3,25})[)）][:：]")
_BROKEN_TIME_FIRST = re.compile(r"^(\d{2,4}[-/.][^\s:]*\s+\S*)\s+(\S.*?)[:：]\s*$")
_RULE = re.compile(r"^\s*={10,}\s*$")
# A nick starts and ends with a visible character, so a line of dashes in a message is text.
_BUYER = re.compile(r"^\s*-{10,}([^-\s](?:.*?[^-\s])?)-{10,}\s*$")
_BROKEN_BUYER = re.compile(r"^\s*-{15,}[^-\s][^-]*$")
_SECTIONS = ("单聊", "群聊")


def _iso(m: re.Match, first_group: int) -> str:
    """The timestamp in groups first_group.. as naive ISO 8601; ValueError when it is not a real time."""
    y, mo, d, h, mi, s = m.group(*range(first_group, first_group + 6))
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0)).isoformat()


def _strip_header_gap(text: str) -> str:
    # The export puts two spaces between the header and the text.
    return text[2:] if text.startswith("  ") else text.lstrip(" ")


class _Session(SessionDraft):
    """One buyer's conversation being read."""

    __slots__ = ("buyer", "group", "last_dt")

    def __init__(self, buyer: str, group: bool, line: int):
        super().__init__(line)
        self.buyer, self.group = buyer, group
        self.last_dt: datetime | None = None


class WangwangLoader(Loader):
    name = "wangwang"
    description = "旺旺/千牛 消息管理器 txt export (单聊/群聊 sections, one block per buyer)"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head)
        lines = text.splitlines()[:400]
        if any(_BUYER.match(l) for l in lines) and any(_SENDER_FIRST.match(l) or _TIME_FIRST.match(l) for l in lines):
            return 0.9
        if any(_RULE.match(a) and b.strip() in _SECTIONS for a, b in zip(lines, lines[1:])):
            return 0.85
        return 0.0

    def load(self, path, options):
        source = str(path)
        stream = open_text_or_rejection(path)
        if isinstance(stream, Rejected):
            yield stream
            return
        gap_hours = float(options.extra.get("session_gap_hours", DEFAULT_SESSION_GAP_HOURS) or 0)
        reader = _Reader(source, options, stream.encoding, timedelta(hours=gap_hours) if gap_hours > 0 else None)
        with stream:
            for lineno, line in iter_lines(stream):
                yield from reader.feed(lineno, line)
        yield from reader.finish()


class _Reader:
    """The state of reading one export, line by line."""

    def __init__(self, source: str, options, encoding: str, gap: timedelta | None):
        self.source, self.options, self.encoding, self.gap = source, options, encoding, gap
        self.roles = resolver_for(options, separators=":")
        self.account_shop: str | None = None
        self.group = False
        self.session: _Session | None = None
        self.message: dict | None = None
        self.text_lines: list[str] = []

    def feed(self, lineno: int, line: str):
        s = self.session
        if lineno == 1 and not (_RULE.match(line) or _BUYER.match(line) or _SENDER_FIRST.match(line)):
            account = line.strip().lstrip("\ufeff")
            split = split_account(account, ":")
            self.account_shop = split[0] if split else (account or None)
            return
        if BAD_BYTES in line:
            if s is None:
                yield Rejected(self.source, f"line {lineno}: bytes that are not valid {self.encoding}", line.replace(BAD_BYTES, "?"), lineno)
            else:
                s.keep_raw(line.replace(BAD_BYTES, "?"))
                s.fail(lineno, f"line {lineno}: bytes that are not valid {self.encoding}")
            return
        if _RULE.match(line):
            yield from self.close()
            return
        if line.strip() in _SECTIONS and self.message is None:
            self.group = line.strip() == "群聊"
            return
        buyer = _BUYER.match(line)
        if buyer:
            yield from self.close()
            self.session = _Session(buyer.group(1).strip(), self.group, lineno)
            self.session.keep_raw(line)
            return
        if _BROKEN_BUYER.match(line):
            yield from self.close()
            self.session = _Session("", self.group, lineno)
            self.session.keep_raw(line)
            self.session.fail(lineno, f"line {lineno}: broken buyer header (expected ----<buyer nick>----)")
            return
        header = _SENDER_FIRST.match(line)
        time_group, sender, text = 2, None, None
        if header:
            sender, text = header.group(1), _strip_header_gap(header.group(8))
        else:
            header = _TIME_FIRST.match(line)
            if header:
                time_group, sender, text = 1, header.group(7), (header.group(8) or "").strip()
        if header:
            yield from self.message_header(lineno, line, header, time_group, sender.strip(), text)
            return
        if _BROKEN_SENDER_FIRST.match(line) or _BROKEN_TIME_FIRST.match(line):
            self.end_message()
            if s is None:
                yield Rejected(self.source, f"line {lineno}: message header with a broken time", line, lineno)
            else:
                s.keep_raw(line)
                s.fail(lineno, f"line {lineno}: message header with a broken time")
            return
        if s is not None:
            s.keep_raw(line)
            if self.message is not None:
                self.text_lines.append(line)
        # Lines outside any message (blank lines, notes of the export) carry nothing to audit.

    def message_header(self, lineno, line, header, time_group, sender, text):
        try:
            ts = _iso(header, time_group)
        except ValueError:
            ts = None
        if self.session is None:
            # Messages before any buyer block: a truncated export; still readable when the time is.
            self.session = _Session("", self.group, lineno)
        s = self.session
        if ts is None:
            self.end_message()
            s.keep_raw(line)
            s.fail(lineno, f"line {lineno}: message header with a broken time")
            return
        dt = datetime.fromisoformat(ts)
        if self.gap is not None and s.messages and s.last_dt is not None and dt - s.last_dt > self.gap:
            buyer, group = s.buyer, s.group
            yield from self.close()
            s = self.session = _Session(buyer, group, lineno)
        self.end_message()
        s.keep_raw(line)
        s.last_dt = dt
        self.message = {"ts": ts, "sender": sender}
        self.text_lines = [text]
        s.messages.append(self.message)

    def end_message(self) -> None:
        if self.message is not None:
            self.message["text"] = "\n".join(self.text_lines).strip()
            self.message = None
            self.text_lines = []

    def close(self):
        """Yield the session being read, as a record or a rejection, and forget it."""
        self.end_message()
        s, self.session = self.session, None
        if s is None:
            return
        raw = "\n".join(s.raw)
        if s.problem:
            where = f" (conversation starting at line {s.line} set aside)" if s.problem_line != s.line else ""
            yield Rejected(self.source, s.problem + where, raw, s.problem_line)
            return
        if not s.messages:
            if s.buyer:
                yield Rejected(self.source, f"line {s.line}: buyer block with no messages (truncated export?)", raw, s.line)
            return
        yield RawRecord(self.record(s), self.source, line=s.line)

    def record(self, s: _Session) -> dict:
        customer = None if s.group or not s.buyer else s.buyer
        shop = self.options.shop
        messages = []
        for m in s.messages:
            role = self.roles.role(m["sender"], customer)
            if shop is None and role in ("agent", "bot"):
                account = split_account(m["sender"], ":") or split_account(m["sender"], "-")
                shop = account[0] if account else None
            message = {"ts": m["ts"], "role": role, "sender": m["sender"], "text": m["text"]}
            kind = placeholder_type(m["text"])
            if kind:
                message["type"] = kind
            messages.append(message)
        shop = (shop or self.account_shop or "unknown")[:200]
        if customer is None:
            customer = next((m["sender"] for m in messages if m["role"] == "customer"), s.buyer)
        return {
            "conversation_id": f"{PLATFORM}:{shop[:60]}:{(s.buyer or customer)[:80]}:{messages[0]['ts']}",
            "shop": shop,
            "platform": PLATFORM,
            "customer": customer[:200],
            "messages": messages,
        }

    def finish(self):
        yield from self.close()


@hookimpl
def register_loaders(register):
    register(WangwangLoader)
