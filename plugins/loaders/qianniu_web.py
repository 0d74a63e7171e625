"""Loader for 千牛 web full-text exports (CSV or XLSX): one row per conversation.

Columns such as 买家/客户昵称 (the customer), 日期 (the day) and 聊天内容 (the
whole chat). Inside the chat, each message is a sender line and an
``HH:MM:SS`` line (in either order, or ``<sender> HH:MM:SS`` on one line)
followed by its text lines. Noise lines of the web page (请在客户端查看原始聊天记录，
网页版无法展示 / 没有更多内容了) and control characters are dropped.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.ingest.encoding import BAD_BYTES, EncodingError, head_text, open_text
from qc_engine.ingest.normalize import MAX_RAW_CHARS
from qc_engine.ingest.xlsx import WorkbookError, check_workbook, xlsx_rows
from qc_engine.ingest.roles import placeholder_type, resolver_for, split_account

PLATFORM = "taobao"
CHAT_COLUMNS = ("聊天内容", "聊天记录", "会话内容")
CUSTOMER_COLUMNS = ("买家", "客户昵称", "买家昵称", "客户", "顾客")
DATE_COLUMNS = ("日期", "会话日期", "时间", "咨询时间")
SHOP_COLUMNS = ("店铺", "店铺名称")
NOISE = ("请在客户端查看原始聊天记录", "网页版无法展示", "没有更多内容了")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TIME = re.compile(r"^(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s+)?(\d{1,2}):(\d{2}):(\d{2})$")
_SENDER_AND_TIME = re.compile(r"^(.+?)\s*[(（]?\s*(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s+)?(\d{1,2}):(\d{2}):(\d{2})\s*[)）]?$")
_DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    cleaned = [str(h or "").strip().lstrip("\ufeff") for h in header]
    return next((cleaned.index(n) for n in names if n in cleaned), None)


def _clean_lines(chat: str) -> list[str]:
    lines = []
    for line in _CONTROL.sub("", chat.replace("\r\n", "\n").replace("\r", "\n")).split("\n"):
        if any(n in line for n in NOISE):
            continue
        lines.append(line.rstrip())
    return lines


def parse_chat(chat: str, day: date) -> list[tuple[datetime, str, str]]:
    """(time, sender, text) of each message in a 聊天内容 cell; ValueError when it has no message."""
    lines = _clean_lines(chat)
    heads = []  # (index of the time line, sender, time, lines the header takes)
    for i, line in enumerate(lines):
        s = line.strip()
        m = _TIME.match(s)
        if m:
            heads.append((i, None, m.groups()))
            continue
        m = _SENDER_AND_TIME.match(s)
        if m and m.group(1).strip():
            heads.append((i, m.group(1).strip(), m.groups()[1:]))
    if not heads:
        raise ValueError("no HH:MM:SS line in the chat text")
    # A bare time line has its sender just before it (or, when the chat opens with a time, just after it).
    time_first = heads[0][1] is None and not any(l.strip() for l in lines[: heads[0][0]])
    messages = []
    current_day, previous = day, None
    for k, (i, sender, parts) in enumerate(heads):
        y, mo, d, h, mi, s = parts
        if y:
            current_day = date(int(y), int(mo), int(d))
        t = datetime.combine(current_day, datetime.min.time()).replace(hour=int(h), minute=int(mi), second=int(s))
        if previous and t < previous and not y:  # past midnight
            current_day += timedelta(days=1)
            t += timedelta(days=1)
        previous = t
        start = i + 1
        end = heads[k + 1][0] if k + 1 < len(heads) else len(lines)
        if sender is None:
            if time_first:
                sender, start = (lines[i + 1].strip() if i + 1 < len(lines) else ""), i + 2
            else:
                sender = lines[i - 1].strip() if i > 0 else ""
        if k + 1 < len(heads) and heads[k + 1][1] is None and not time_first:
            end -= 1  # the next message's sender line
        messages.append((t, sender, "\n".join(lines[start:end]).strip()))
    return messages


class QianniuWebLoader(Loader):
    name = "qianniu_web"
    description = "千牛 web full-text export (CSV or XLSX with a 聊天内容 column)"

    def sniff(self, path: Path, head: bytes) -> float:
        if head.startswith(b"PK\x03\x04"):
            if path.suffix.lower() not in (".xlsx", ".xlsm"):
                return 0.0
            try:
                header = next(xlsx_rows(path, limit=1), (None, []))[1]
            except WorkbookError:
                return 0.5  # read, so that the file is rejected with its reason rather than skipped
            return 0.9 if _find(header, CHAT_COLUMNS) is not None else 0.0
        first = head_text(head).split("\n", 1)[0]
        return 0.9 if any(c in first for c in CHAT_COLUMNS) and ("," in first or "\t" in first) else 0.0

    def load(self, path, options):
        source = str(path)
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                check_workbook(path)
            except WorkbookError as exc:
                yield Rejected(source, f"file {exc}", "", None)
                return
            rows = _xlsx_rows(path)
        else:
            try:
                stream = open_text(path)
            except EncodingError as exc:
                yield Rejected(source, f"file {exc}", "", None)
                return
            rows = _csv_rows(stream)
        header = next(rows, (1, []))[1]
        chat_i, customer_i = _find(header, CHAT_COLUMNS), _find(header, CUSTOMER_COLUMNS)
        date_i, shop_i = _find(header, DATE_COLUMNS), _find(header, SHOP_COLUMNS)
        if chat_i is None or date_i is None:
            yield Rejected(source, "line 1: no 聊天内容 or 日期 column", ",".join(map(str, header))[:MAX_RAW_CHARS], 1)
            return
        roles = resolver_for(options, separators=":")
        for line, row in rows:
            cells = [str(c) if c is not None else "" for c in row]
            if not any(c.strip() for c in cells):
                continue
            raw = "\n".join(cells)[:MAX_RAW_CHARS]
            if any(BAD_BYTES in c for c in cells):
                yield Rejected(source, f"line {line}: bytes that are not valid text in this encoding", raw.replace(BAD_BYTES, "?"), line)
                continue
            get = lambda i: cells[i].strip() if i is not None and i < len(cells) else ""  # noqa: E731
            day_match = _DAY.search(get(date_i))
            try:
                day = date(*map(int, day_match.groups())) if day_match else None
                if day is None:
                    raise ValueError(f"no date in the 日期 column: {get(date_i)[:40]!r}")
                messages = parse_chat(get(chat_i), day)
            except ValueError as exc:
                yield Rejected(source, f"line {line}: {exc}", raw, line)
                continue
            customer = get(customer_i) or None
            out = []
            for t, sender, text in messages:
                out.append({"ts": t.isoformat(), "role": roles.role(sender, customer), "sender": sender, "text": text})
                kind = placeholder_type(text)
                if kind:
                    out[-1]["type"] = kind
            shop = get(shop_i) or options.shop
            if not shop:
                account = next((split_account(m["sender"], ":") for m in out if m["role"] in ("agent", "bot")), None)
                shop = account[0] if account else "unknown"
            customer = customer or next((m["sender"] for m in out if m["role"] == "customer"), "")
            yield RawRecord({
                "conversation_id": f"{PLATFORM}:{shop[:60]}:{customer[:80]}:{out[0]['ts']}",
                "shop": shop[:200], "platform": PLATFORM, "customer": customer[:200], "messages": out,
            }, source, line=line)


def _csv_rows(stream):
    """(line where the row starts, cells) of a CSV stream."""
    with stream:
        first = stream.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        yield 1, next(csv.reader([first], delimiter=delimiter), [])
        reader = csv.reader(stream, delimiter=delimiter)
        previous_end = 1
        for row in reader:
            yield previous_end + 1, row
            previous_end = reader.line_num + 1


def _xlsx_rows(path: Path):
    """(row number, cells) of the first sheet, read without loading the workbook into memory."""
    try:
        yield from xlsx_rows(path)
    except WorkbookError:  # checked before; a workbook broken further on ends its rows
        return


@hookimpl
def register_loaders(register):
    register(QianniuWebLoader)
