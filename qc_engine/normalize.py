"""Turn a loader's raw record into a validated, normalized Conversation."""
from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator

from .model import ROLES, Conversation, Message, RawRecord, Rejected
from .schemas import load_schema

DEFAULT_TZ = "Asia/Shanghai"
# One string object per role, not one per message: rows carrying them pickle (to the writer) as references.
_ROLES = {role: role for role in ROLES}
MAX_RAW_CHARS = 4000


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema("conversation"))


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_hour_cache: dict[tuple[str, str], tuple[float, str, str] | None] = {}


def _hour(tz_name: str, head: str, offset: str) -> tuple[float, str, str] | None:
    """Epoch and ISO parts of the start of an hour, when minutes and seconds carry over unchanged."""
    key = (tz_name, head + offset)
    if key in _hour_cache:
        return _hour_cache[key]
    tz = zone(tz_name)
    start = parse_ts(f"{head}:00:00{offset}", tz)
    end = datetime.fromtimestamp(start.timestamp() + 3599, tz)
    same = start.minute == 0 and start.utcoffset() == end.utcoffset()  # whole-hour shift, no DST change inside
    iso = start.isoformat()
    hit = (start.timestamp(), iso[:14], iso[19:]) if same else None
    if len(_hour_cache) > 100_000:
        _hour_cache.clear()
    _hour_cache[key] = hit
    return hit


# Time strings already converted, per zone. A day has at most 86,400 distinct seconds and its messages
# come to millions, so most times were seen before: a lookup is 4x cheaper than converting again.
_TIMES_KEPT = 100_000
_times_by_zone: dict[str, dict[str, tuple[float, str]]] = {}


def _times_in(tz_name: str) -> dict[str, tuple[float, str]]:
    times = _times_by_zone.get(tz_name)
    if times is None:
        times = _times_by_zone[tz_name] = {}
    return times


def fast_ts(value: str, tz_name: str) -> tuple[float, str]:
    """(epoch seconds, ISO 8601 in the shop's zone with its offset) for a time string.

    'YYYY-MM-DDTHH:MM:SS' with or without '+08:00' takes a cached per-hour path:
    a day has millions of messages but few distinct hours.
    """
    n = len(value)
    if (n == 19 or (n == 25 and value[19] in "+-")) and value[10] in "T " and value[13] == ":" and value[16] == ":":
        mm, ss = value[14:16], value[17:19]
        if mm.isdigit() and ss.isdigit() and mm < "60" and ss < "60":
            hit = _hour(tz_name, value[:10] + "T" + value[11:13], value[19:])
            if hit is not None:
                return hit[0] + int(mm) * 60 + int(ss), f"{hit[1]}{mm}:{ss}{hit[2]}"
    dt = parse_ts(value, zone(tz_name))
    return dt.timestamp(), dt.isoformat()


def parse_ts(value: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 (``T`` or space, optional ``Z`` or offset); naive times are in ``tz``."""
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=tz)
    return dt.astimezone(tz)


def schema_error(data) -> str | None:
    """The first JSON Schema error as 'path: message', or None when the record is valid."""
    best = None
    for err in _validator().iter_errors(data):
        if best is None or len(err.absolute_path) > len(best.absolute_path):
            best = err
    if best is None:
        return None
    where = "/".join(str(p) for p in best.absolute_path) or "(record)"
    msg = best.message
    if len(msg) > 200:
        msg = msg[:200] + "..."
    return f"{where}: {msg}"


def _fast_valid(data) -> bool:
    """A quick structural check equivalent to the schema for well-formed records."""
    if not isinstance(data, dict):
        return False
    cid, shop, msgs = data.get("conversation_id"), data.get("shop"), data.get("messages")
    if not (type(cid) is str and 0 < len(cid) <= 200 and type(shop) is str and 0 < len(shop) <= 200):
        return False
    for key, limit in (("platform", 50), ("customer", 200), ("timezone", 64)):
        v = data.get(key)
        if v is not None and not (type(v) is str and len(v) <= limit):
            return False
    if type(msgs) is not list or not msgs:
        return False
    for m in msgs:
        if type(m) is not dict:
            return False
        ts, role, text = m.get("ts"), m.get("role"), m.get("text")
        if type(ts) is not str or not 10 <= len(ts) <= 40 or role not in ROLES or type(text) is not str:
            return False
        sender, mtype = m.get("sender"), m.get("type")
        if sender is not None and not (type(sender) is str and len(sender) <= 200):
            return False
        if mtype is not None and not (type(mtype) is str and len(mtype) <= 40):
            return False
    return True


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def raw_text(data) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = json.dumps(data, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(data)
    return text if len(text) <= MAX_RAW_CHARS else text[:MAX_RAW_CHARS] + "...(truncated)"


def to_conversation(record: RawRecord, default_tz: str = DEFAULT_TZ) -> Conversation | Rejected:
    """Validate and normalize one record; ``record.data`` is a dict, or JSON text still to be parsed."""
    data = record.data
    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            return Rejected(record.source_file, f"not valid JSON: {exc.msg} (column {exc.colno})", raw_text(_text(data)), record.line, record.offset)
        except UnicodeDecodeError as exc:
            return Rejected(record.source_file, f"not UTF-8 text (byte {exc.start})", raw_text(_text(data)), record.line, record.offset)

    def reject(reason: str) -> Rejected:
        return Rejected(record.source_file, reason, raw_text(data), record.line, record.offset)

    if not _fast_valid(data):
        return reject(f"not a valid conversation: {schema_error(data) or 'unexpected structure'}")
    tz_name = data.get("timezone") or default_tz
    try:
        zone(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return reject(f"timezone: unknown time zone {tz_name!r}")
    times = _times_in(tz_name)
    messages = []
    append = messages.append
    for i, m in enumerate(data["messages"]):
        ts = m["ts"]
        hit = times.get(ts)
        if hit is None:
            try:
                hit = fast_ts(ts.strip(), tz_name)
            except ValueError:
                return reject(f"messages/{i}/ts: not an ISO 8601 time: {ts[:40]!r}")
            if len(times) >= _TIMES_KEPT:
                times.clear()
            times[ts] = hit
        role = _ROLES[m["role"]]
        append(Message(i, hit[0], hit[1], role, m.get("sender") or role, m["text"], m.get("type") or "text"))
    customer = data.get("customer") or next((m.sender for m in messages if m.role == "customer"), "")
    return Conversation(
        conversation_id=data["conversation_id"],
        shop=data["shop"],
        platform=data.get("platform") or "",
        customer=customer,
        messages=messages,
        tz=tz_name,
        source_file=record.source_file,
        source_line=record.line,
    )
