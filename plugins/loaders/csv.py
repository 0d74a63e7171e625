"""Loader for generic CSV chat logs: one message per row, rows grouped into conversations by conversation_id.

Default columns: ``conversation_id, shop, ts, role, sender, text`` (optional:
``customer, platform, type``); common Chinese headers (会话ID, 店铺, 时间,
角色, 发送人, 内容, ...) are recognized too. Options (``LoadOptions.extra``):

- ``csv_columns``: ``{field: column header}`` for other exports, e.g. ``{"ts": "发送时间"}``;
- ``csv_role_patterns``: ``{role: [regex, ...]}`` to tell roles from sender names when there is no role column;
- ``csv_open_conversations``: how many conversations may be open at once (default 2000).

Rows of one conversation need not be contiguous: a conversation stays open
until ``csv_open_conversations`` others have been seen more recently. A
conversation id that comes back after its conversation was closed gives a
second record with the same id, which the run reports as a duplicate.
"""
from __future__ import annotations

import csv
import re
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.ingest.encoding import BAD_BYTES, head_text, open_text_or_rejection
from qc_engine.ingest.normalize import MAX_RAW_CHARS, zone
from qc_engine.ingest.roles import placeholder_type, resolver_for

REQUIRED = ("conversation_id", "ts", "text")
ALIASES = {
    "conversation_id": ("conversation_id", "conversation", "session_id", "session", "chat_id", "会话id", "会话编号", "对话id", "会话"),
    "shop": ("shop", "shop_name", "store", "店铺", "店铺名称", "店铺名"),
    "ts": ("ts", "time", "timestamp", "datetime", "时间", "发送时间", "消息时间"),
    "role": ("role", "sender_role", "角色", "身份", "发送方角色"),
    "sender": ("sender", "from", "发送人", "发送者", "发送方"),
    "text": ("text", "content", "message", "msg", "内容", "消息内容", "消息"),
    "customer": ("customer", "buyer", "客户", "顾客"),
    "platform": ("platform", "平台"),
    "type": ("type", "msg_type", "message_type", "消息类型", "类型"),
}
# A 千牛 web export has a whole chat per row in 聊天内容: that is another loader's file.
FOREIGN_COLUMNS = ("聊天内容",)
ROLE_WORDS = {
    "customer": ("customer", "buyer", "user", "client", "客户", "买家", "顾客", "用户"),
    "agent": ("agent", "staff", "seller", "service", "human", "kefu", "客服", "人工", "人工客服", "售前", "售后", "卖家"),
    "bot": ("bot", "robot", "auto", "autoreply", "机器人", "自动回复", "智能客服", "店小蜜"),
    "system": ("system", "系统", "系统消息"),
}
_ROLE_OF_WORD = {w: role for role, words in ROLE_WORDS.items() for w in words}
_TS = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d{1,6})?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
DEFAULT_OPEN_CONVERSATIONS = 2000


def parse_ts(value: str, tz_name: str) -> str:
    """A CSV time as ISO 8601: naive stays naive (shop time); epoch seconds/milliseconds get the shop's offset."""
    value = value.strip()
    if len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:  # the usual 2026-11-20 10:00:08, in C
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            pass
    if value.isdigit() and len(value) in (10, 13):
        seconds = int(value) / (1000 if len(value) == 13 else 1)
        return datetime.fromtimestamp(seconds, zone(tz_name)).isoformat()
    m = _TS.match(value)
    if not m:
        raise ValueError(f"not a time: {value[:40]!r}")
    y, mo, d, h, mi, s, frac, off = m.groups()
    dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), int(((frac or ".0")[1:] + "00000")[:6]))
    text = dt.isoformat()
    if off:
        text += "+00:00" if off == "Z" else (off if ":" in off else f"{off[:3]}:{off[3:]}")
    return text


def column_map(header: list[str], mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Field name -> column index, from the explicit mapping first, then the known header names."""
    cleaned = [h.strip().lstrip("\ufeff").lower() for h in header]
    found: dict[str, int] = {}
    for field, column in (mapping or {}).items():
        if column.strip().lower() in cleaned:
            found[field] = cleaned.index(column.strip().lower())
    for field, names in ALIASES.items():
        if field in found:
            continue
        for name in names:
            if name in cleaned and cleaned.index(name) not in found.values():
                found[field] = cleaned.index(name)
                break
    return found


def _dialect(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    return max(counts, key=counts.get)


class _Conv:
    __slots__ = ("cid", "line", "rows", "raw", "raw_len", "problem", "problem_line")

    def __init__(self, cid: str, line: int):
        self.cid, self.line = cid, line
        self.rows: list[dict] = []
        self.raw: list[str] = []
        self.raw_len = 0
        self.problem: str | None = None
        self.problem_line: int | None = None

    def keep_raw(self, row: list[str]) -> None:
        if self.raw_len < MAX_RAW_CHARS:
            text = ",".join(row)
            self.raw.append(text)
            self.raw_len += len(text) + 1


class CsvLoader(Loader):
    name = "csv"
    description = "generic CSV: one message per row (conversation_id, shop, ts, role, sender, text)"

    def sniff(self, path: Path, head: bytes) -> float:
        text = head_text(head)
        first = text.split("\n", 1)[0].strip("\r\ufeff")
        if not first or first.lstrip().startswith(("{", "[")):
            return 0.0
        try:
            header = next(csv.reader([first], delimiter=_dialect(first)))
        except (csv.Error, StopIteration):
            return 0.0
        if any(h.strip() in FOREIGN_COLUMNS for h in header):
            return 0.0
        found = column_map(header)
        if all(f in found for f in REQUIRED):
            return 0.8
        csv_suffix = path.suffix.lower() in (".csv", ".tsv")
        return 0.3 if csv_suffix and len(found) >= 2 else 0.0

    def load(self, path, options):
        source = str(path)
        stream = open_text_or_rejection(path)
        if isinstance(stream, Rejected):
            yield stream
            return
        with stream:
            yield from _Reader(source, options, stream).records()


class _Reader:
    def __init__(self, source: str, options, stream):
        self.source, self.options, self.stream = source, options, stream
        self.roles = resolver_for(options, separators=":-")
        patterns = options.extra.get("csv_role_patterns") or {}
        self.role_patterns = [(role, re.compile(p)) for role, ps in patterns.items() for p in ([ps] if isinstance(ps, str) else ps)]
        self.max_open = int(options.extra.get("csv_open_conversations") or DEFAULT_OPEN_CONVERSATIONS)
        self.open: OrderedDict[str, _Conv] = OrderedDict()

    def records(self):
        first = self.stream.readline()
        if not first:
            return
        header_line = first.lstrip("\ufeff")
        delimiter = _dialect(header_line)
        header = next(csv.reader([header_line], delimiter=delimiter))
        cols = column_map(header, self.options.extra.get("csv_columns"))
        missing = [f for f in REQUIRED if f not in cols]
        if missing:
            yield Rejected(self.source, f"line 1: no column for {', '.join(missing)} (map it with the csv_columns option); header: {header_line.strip()[:200]}", header_line.strip(), 1)
            return
        self.cols = cols
        self.width = max(cols.values()) + 1
        reader = csv.reader(self.stream, delimiter=delimiter)
        previous_end = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield Rejected(self.source, f"line {reader.line_num + 1}: not valid CSV: {exc}", "", reader.line_num + 1)
                previous_end = reader.line_num + 1
                continue
            line, previous_end = previous_end + 1, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            yield from self.row(line, row)
        while self.open:
            yield self.emit(self.open.popitem(last=False)[1])

    def row(self, line: int, row: list[str]):
        cols = self.cols
        cid = row[cols["conversation_id"]].strip() if cols["conversation_id"] < len(row) else ""
        if not cid or BAD_BYTES in cid:
            yield Rejected(self.source, f"line {line}: row without a conversation id", ",".join(row).replace(BAD_BYTES, "?")[:MAX_RAW_CHARS], line)
            return
        conv = self.open.get(cid)
        if conv is None:
            conv = self.open[cid] = _Conv(cid, line)
            while len(self.open) > self.max_open:
                yield self.emit(self.open.popitem(last=False)[1])
        else:
            self.open.move_to_end(cid)
        conv.keep_raw(row)
        if conv.problem:
            return
        if any(BAD_BYTES in cell for cell in row):
            conv.problem, conv.problem_line = f"line {line}: bytes that are not valid {self.stream.encoding}", line
            return
        if len(row) < self.width:
            conv.problem, conv.problem_line = f"line {line}: row has {len(row)} columns, expected at least {self.width}", line
            return
        values = {f: row[i] for f, i in cols.items()}
        try:
            values["ts"] = parse_ts(values["ts"], self.options.timezone)
        except ValueError as exc:
            conv.problem, conv.problem_line = f"line {line}: broken time: {exc}", line
            return
        conv.rows.append(values)

    def emit(self, conv: _Conv):
        raw = "\n".join(conv.raw)
        if conv.problem:
            where = f" (conversation {conv.cid!r} starting at line {conv.line} set aside)"
            return Rejected(self.source, conv.problem + where, raw, conv.problem_line)
        return RawRecord(self.record(conv), self.source, line=conv.line)

    def role_of(self, values: dict) -> str:
        given = (values.get("role") or "").strip().lower()
        if given in _ROLE_OF_WORD:
            return _ROLE_OF_WORD[given]
        sender = (values.get("sender") or "").strip()
        for role, pattern in self.role_patterns:
            if pattern.search(sender):
                return role
        customer = (values.get("customer") or "").strip() or None
        return self.roles.role(sender, customer)

    def record(self, conv: _Conv) -> dict:
        first = conv.rows[0]
        messages = []
        for v in conv.rows:
            role = self.role_of(v)
            m = {"ts": v["ts"], "role": role, "sender": (v.get("sender") or "").strip() or role, "text": v["text"].replace("\r\n", "\n")}
            mtype = (v.get("type") or "").strip() if "type" in self.cols else (placeholder_type(m["text"]) or "")
            if mtype:
                m["type"] = mtype
            messages.append(m)
        shop = (first.get("shop") or "").strip() or self.options.shop or "unknown"
        data = {
            "conversation_id": conv.cid,
            "shop": shop,
            "platform": (first.get("platform") or "").strip() or "csv",
            "messages": messages,
        }
        customer = (first.get("customer") or "").strip() or next((m["sender"] for m in messages if m["role"] == "customer"), "")
        if customer:
            data["customer"] = customer
        return data


@hookimpl
def register_loaders(register):
    register(CsvLoader)
