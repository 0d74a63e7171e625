"""Loader for JD 咚咚 chat logs.

Each conversation sits between ``/*****以下为一通会话*****/`` and a
``/*****会话结束...`` line (or ``会话结束_时间：...``); a message is a line
``<sender> YYYY-MM-DD HH:MM:SS`` followed by its text lines. Agents are
``<shop>-<name>``, customers masked nicks such as ``j****db``. The shop's
accounts are stored as ``<shop>:<name>``, as the other platforms write them,
so that an agent working the shop on several platforms is one agent. A conversation
whose end marker is missing (while the file does use end markers) is a
truncated block and is set aside.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

from qc_engine.ingest.loaders import SessionDraft
from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.ingest.encoding import BAD_BYTES, head_text, iter_lines, open_text_or_rejection
from qc_engine.ingest.roles import placeholder_type, resolver_for, split_account

PLATFORM = "jd"
START_MARK = "以下为一通会话"
END_MARK = "会话结束"

_HEADER = re.compile(r"^\s?(\S.*?)\s+(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})\s*$")
# Shaped like a message header but with a time that is not one.
_BROKEN_HEADER = re.compile(r"^\s?(\S+)\s+(\d{2,4}[-/.]\S+\s+\S+:\S*:\S*)\s*$")
_START = re.compile(r"^\s*/?\*+\s*" + START_MARK)
# "会话结束了吗" said by a customer is text: the end line is a /*** banner or 会话结束_时间：...
_END = re.compile(r"^\s*(?:/?\*+\s*" + END_MARK + r"|" + END_MARK + r"_?时间\s*[:：])")
_MARK_STARTS = frozenset("/*会")


def _shop_account(sender: str, role: str, shop: str) -> str:
    """An agent's or bot's ``<shop>-<name>`` as ``<shop>:<name>``; any other sender as it is."""
    if role in ("agent", "bot"):
        account = split_account(sender, "-")
        if account and account[0] == shop:
            return f"{shop}:{account[1]}"
    return sender


def _is_masked_nick(sender: str) -> bool:
    return "*" in sender


class _Session(SessionDraft):
    __slots__ = ("implicit",)

    def __init__(self, line: int, implicit: bool = False):
        super().__init__(line)
        self.implicit = implicit


class JdDongdongLoader(Loader):
    name = "jd_dongdong"
    description = "JD 咚咚 chat log (以下为一通会话 ... 会话结束)"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head)
        return 0.95 if any(_START.match(line) for line in text.splitlines()[:1000]) else 0.0

    def load(self, path, options):
        source = str(path)
        stream = open_text_or_rejection(path)
        if isinstance(stream, Rejected):
            yield stream
            return
        reader = _Reader(source, options, stream.encoding)
        with stream:
            for lineno, line in iter_lines(stream):
                yield from reader.feed(lineno, line)
        yield from reader.close(at_end_of_file=True)


class _Reader:
    def __init__(self, source: str, options, encoding: str):
        self.source, self.options, self.encoding = source, options, encoding
        self.roles = resolver_for(options, separators="-:")
        self.session: _Session | None = None
        self.message: dict | None = None
        self.text_lines: list[str] = []
        self.uses_end_marks = False
        self.shop_prefixes: Counter[str] = Counter()  # agent prefixes seen so far: the shop, when no option says

    def feed(self, lineno: int, line: str):
        # Cheap tests first: most lines are message text, which neither marks nor headers look like.
        head, tail = line[:2].lstrip()[:1], line[-1:]
        if head in _MARK_STARTS and _START.match(line):
            yield from self.close(truncated_by=lineno)
            self.session = _Session(lineno)
            self.session.keep_raw(line)
            return
        if head in _MARK_STARTS and _END.match(line):
            self.uses_end_marks = True
            if self.session is not None:
                self.session.keep_raw(line)
            yield from self.close()
            return
        s = self.session
        if BAD_BYTES in line:
            reason = f"line {lineno}: bytes that are not valid {self.encoding}"
            if s is None:
                yield Rejected(self.source, reason, line.replace(BAD_BYTES, "?"), lineno)
            else:
                s.keep_raw(line.replace(BAD_BYTES, "?"))
                s.fail(lineno, reason)
            return
        header = _HEADER.match(line) if tail.isdigit() else None
        if header:
            try:
                ts = datetime(*map(int, header.group(2, 3, 4, 5, 6, 7))).isoformat()
            except ValueError:
                ts = None
            if s is None:
                s = self.session = _Session(lineno, implicit=True)
            self.end_message()
            s.keep_raw(line)
            if ts is None:
                s.fail(lineno, f"line {lineno}: message header with a broken time")
                return
            self.message = {"ts": ts, "sender": header.group(1).strip()}
            s.messages.append(self.message)
            return
        if s is not None and ":" in line and _BROKEN_HEADER.match(line):
            self.end_message()
            s.keep_raw(line)
            s.fail(lineno, f"line {lineno}: message header with a broken time")
            return
        if s is not None:
            s.keep_raw(line)
            if self.message is not None:
                self.text_lines.append(line)

    def end_message(self) -> None:
        if self.message is not None:
            self.message["text"] = "\n".join(self.text_lines).strip()
            self.message = None
        self.text_lines = []

    def close(self, truncated_by: int | None = None, at_end_of_file: bool = False):
        """Yield the session being read as a record or a rejection."""
        self.end_message()
        s, self.session = self.session, None
        if s is None:
            return
        raw = "\n".join(s.raw)
        ended = truncated_by is None and not at_end_of_file
        if not ended and self.uses_end_marks and not s.implicit:
            where = f"the next conversation starts at line {truncated_by}" if truncated_by else "the file ends"
            yield Rejected(self.source, f"line {s.line}: conversation without its 会话结束 line ({where}): truncated", raw, s.line)
            return
        if s.problem:
            where = f" (conversation starting at line {s.line} set aside)" if s.problem_line != s.line else ""
            yield Rejected(self.source, s.problem + where, raw, s.problem_line)
            return
        if not s.messages:
            yield Rejected(self.source, f"line {s.line}: conversation with no messages", raw, s.line)
            return
        yield RawRecord(self.record(s), self.source, line=s.line)

    def record(self, s: _Session) -> dict:
        senders = list(dict.fromkeys(m["sender"] for m in s.messages))
        roles = self.assign_roles(senders)
        customer = next((x for x in senders if roles[x] == "customer"), "")
        shop = self.options.shop or self.session_shop(senders, roles)
        messages = []
        accounts = {x: _shop_account(x, roles[x], shop) for x in senders}
        for m in s.messages:
            message = {"ts": m["ts"], "role": roles[m["sender"]], "sender": accounts[m["sender"]], "text": m["text"]}
            kind = placeholder_type(m["text"])
            if kind:
                message["type"] = kind
            messages.append(message)
        return {
            "conversation_id": f"{PLATFORM}:{shop[:60]}:{customer[:80]}:{messages[0]['ts']}",
            "shop": shop[:200],
            "platform": PLATFORM,
            "customer": customer[:200],
            "messages": messages,
        }

    def assign_roles(self, senders: list[str]) -> dict[str, str]:
        """Roles of a session's senders; a conversation has one customer, the other people are the shop's."""
        roles = {x: self.roles.role(x) for x in senders}
        customers = [x for x in senders if roles[x] == "customer"]
        if len(customers) > 1:
            # Agents written without the shop prefix: the masked nick, else whoever spoke first, is the customer.
            keep = next((x for x in customers if _is_masked_nick(x)), customers[0])
            for x in customers:
                if x != keep:
                    roles[x] = "agent"
        elif not customers:
            # A customer nick that looks like "<x>-<y>": the sender whose prefix is not the shop's.
            agents = [x for x in senders if roles[x] == "agent" and not self.roles.is_listed_agent(x)]
            prefixes = {x: (split_account(x, "-:") or (x, ""))[0] for x in agents}
            if len(set(prefixes.values())) > 1:
                odd = min(agents, key=lambda x: (self.shop_prefixes[prefixes[x]], _is_masked_nick(x) is False))
                roles[odd] = "customer"
        for x in senders:
            if roles[x] in ("agent", "bot"):
                account = split_account(x, "-:")
                if account and roles[x] == "agent":
                    self.shop_prefixes[account[0]] += 1
        return roles

    def session_shop(self, senders: list[str], roles: dict[str, str]) -> str:
        prefixes = [split_account(x, "-:") for x in senders if roles[x] in ("agent", "bot")]
        prefixes = [p[0] for p in prefixes if p]
        if prefixes:
            return Counter(prefixes).most_common(1)[0][0]
        if self.shop_prefixes:
            return self.shop_prefixes.most_common(1)[0][0]
        return "unknown"


@hookimpl
def register_loaders(register):
    register(JdDongdongLoader)
