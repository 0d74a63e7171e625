"""Render normalized conversations (our JSONL shape) into the platforms' export formats.

Used by the loader tests (render -> load -> the same conversation) and to build
``sample_logs/``. Times in the conversations are naive ISO 8601 shop times.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

RULE = "=" * 64
DASHES = "-" * 28
JD_START = "/*****************以下为一通会话************************************/"
JD_END = "/*****************会话结束************************************/"
CSV_COLUMNS = ("conversation_id", "shop", "ts", "role", "sender", "text")


def _local(ts: str, tz: str = "Asia/Shanghai") -> datetime:
    """A message time as a naive shop-local time."""
    dt = datetime.fromisoformat(ts)
    return dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None) if dt.tzinfo else dt


def _time(ts: str) -> str:
    return _local(ts).strftime("%Y-%m-%d %H:%M:%S")


def render_wangwang(conversations, account: str | None = None, time_first: bool = False, section: str = "单聊") -> str:
    """A 消息管理器 txt export: account line, one section, one buyer block per conversation."""
    account = account or (f"{conversations[0]['shop']}:导出" if conversations else "导出账号")
    out = [account, RULE, section.center(62).rstrip(), RULE]
    for conv in conversations:
        out.append(f"{DASHES}{conv['customer']}{DASHES}")
        for m in conv["messages"]:
            first, *rest = m["text"].split("\n")
            if time_first:
                out.append(f"{_time(m['ts'])} {m['sender']}:")
                out.append(first)
            else:
                out.append(f"{m['sender']}({_time(m['ts'])}):  {first}")
            out.extend(rest)
    return "\n".join(out) + "\n"


def render_jd(conversations, end_with_time: bool = False, leading_space: bool = False) -> str:
    """A JD 咚咚 chat log: each conversation between the start and end markers."""
    out = []
    for conv in conversations:
        out.append(JD_START)
        for m in conv["messages"]:
            out.append(f"{' ' if leading_space else ''}{m['sender']} {_time(m['ts'])}")
            out.extend(m["text"].split("\n"))
            out.append("")
        out.append(f"会话结束_时间：{_time(conv['messages'][-1]['ts'])}" if end_with_time else JD_END)
        out.append("")
    return "\n".join(out)


def render_csv(conversations, columns=CSV_COLUMNS, names: dict[str, str] | None = None, delimiter: str = ",",
               by_time: bool = False) -> str:
    """One message per row; ``names`` renames columns (field -> header); ``by_time`` interleaves conversations."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([(names or {}).get(c, c) for c in columns])
    rows = []
    for conv in conversations:
        for m in conv["messages"]:
            values = {"conversation_id": conv["conversation_id"], "shop": conv["shop"], "ts": _time(m["ts"]),
                      "role": m["role"], "sender": m["sender"], "text": m["text"], "customer": conv.get("customer", "")}
            rows.append((m["ts"], [values[c] for c in columns]))
    if by_time:
        rows.sort(key=lambda r: r[0])
    writer.writerows(r for _, r in rows)
    return buf.getvalue()


def render_wecom(conversations, tz: str = "Asia/Shanghai") -> str:
    """WeCom msgaudit JSON lines; customers are external ids (wo...), staff plain ids."""
    lines = []
    n = 0
    for conv in conversations:
        staff = next((m["sender"] for m in conv["messages"] if m["role"] != "customer"), "staff")
        for m in conv["messages"]:
            n += 1
            ms = int(_local(m["ts"], tz).replace(tzinfo=ZoneInfo(tz)).timestamp() * 1000)
            to = staff if m["role"] == "customer" else conv["customer"]
            lines.append(json.dumps({
                "msgid": f"m{n}", "action": "send", "from": m["sender"], "tolist": [to], "roomid": "",
                "msgtime": ms, "msgtype": "text", "text": {"content": m["text"]},
            }, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def render_qianniu_web_rows(conversations) -> list[list[str]]:
    """千牛 web full-text rows: header, then 买家, 日期, 聊天内容 (sender line, HH:MM:SS line, text lines)."""
    rows = [["买家", "日期", "聊天内容"]]
    for conv in conversations:
        chat = []
        for m in conv["messages"]:
            chat += [m["sender"], _local(m["ts"]).strftime("%H:%M:%S"), m["text"]]
        rows.append([conv["customer"], _time(conv["messages"][0]["ts"])[:10], "\n".join(chat)])
    return rows


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write rendered text with the given encoding and line ending."""
    path.write_bytes(text.replace("\r\n", "\n").replace("\n", newline).encode(encoding))
    return path


def load_all(loader, path: Path, **options):
    """(records' data, rejections) from loading a file with a loader and LoadOptions(**options).

    The loader gets the default rule file's bot names besides any given, as in a run.
    """
    from qc_engine import LoadOptions, RawRecord
    from qc_engine.ingest.loaders import each_record
    from qc_engine.rulefiles.files import core_defaults

    options["bots"] = frozenset(core_defaults()["bots"]) | options.get("bots", frozenset())
    records, rejected = [], []
    for item in each_record(loader.load(path, LoadOptions(**options))):
        (records if isinstance(item, RawRecord) else rejected).append(item)
    return records, rejected


def essentials(conv: dict, with_offset: bool = False) -> tuple:
    """What must survive a round trip: shop, customer and each message's time, role, sender and text."""
    def ts(value: str) -> str:
        dt = datetime.fromisoformat(value)
        if dt.tzinfo is not None and not with_offset:
            dt = dt.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
        return dt.isoformat()

    return (conv["shop"], conv.get("customer"),
            [(ts(m["ts"]), m["role"], m["sender"], m["text"]) for m in conv["messages"]])
