"""Turn a loader's raw record into a validated, normalized Conversation."""
from __future__ import annotations

import json
import reprlib
from datetime import datetime
from functools import cache
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from qc_engine.model import DEFAULT_TIMEZONE, ROLES, Conversation, Message, RawRecord, Rejected
from qc_engine.schemas import load_schema
from qc_engine.text.clean import storable

# One string object per role, not one per message: rows carrying them pickle (to the writer) as references.
_ROLES = {role: role for role in ROLES}
MAX_RAW_CHARS = 4000
MAX_MESSAGES = 100_000  # the schema's maxItems; the store has room for 2**24 messages a conversation
# Times outside these years are not chat times (a 9999-12-31 placeholder, a year-1 zero date): such a record is
# rejected, so that it never becomes "the latest day" of the store nor breaks a report's date arithmetic.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MIN_EPOCH = datetime(FIRST_YEAR, 1, 2).timestamp()
MAX_EPOCH = datetime(LAST_YEAR, 12, 30).timestamp()


@cache
def _validator():
    from jsonschema import Draft202012Validator  # only records the typed check refused need it

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


def _limited(most: int, least: int = 0):
    return Annotated[str, msgspec.Meta(min_length=least, max_length=most)]


# The published schema (schemas/conversation.schema.json) as typed structures: decoding a line straight into
# them parses and validates it in one pass in C. Unknown keys are ignored, as the schema allows them; null
# optional fields count as absent.
class _JsonMessage(msgspec.Struct, gc=False):
    ts: _limited(40, 10)
    role: Literal[ROLES]
    text: str
    sender: _limited(200) | None = None
    type: _limited(40) | None = None


class _JsonConversation(msgspec.Struct, gc=False):
    conversation_id: _limited(200, 1)
    shop: _limited(200, 1)
    messages: Annotated[list[_JsonMessage], msgspec.Meta(min_length=1, max_length=MAX_MESSAGES)]
    platform: _limited(50) | None = None
    customer: _limited(200) | None = None
    timezone: _limited(64) | None = None


_decode_valid = msgspec.json.Decoder(_JsonConversation).decode


def _valid(data) -> _JsonConversation | None:
    """The record as typed structures when the schema accepts it (the reason otherwise comes from ``schema_error``)."""
    try:
        return msgspec.convert(data, _JsonConversation)
    except msgspec.ValidationError:
        return None


def _text(data: bytes | str) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def raw_text(data) -> str:
    """A bounded, storable text of a record kept aside (whatever its shape or depth)."""
    if isinstance(data, str):
        text = data
    else:
        try:
            text = json.dumps(data, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = reprlib.repr(data)
    text = text if len(text) <= MAX_RAW_CHARS else text[:MAX_RAW_CHARS] + "...(truncated)"
    return storable(text)


def to_conversation(record: RawRecord, default_tz: str = DEFAULT_TIMEZONE) -> Conversation | Rejected:
    """Validate and normalize one record; ``record.data`` is a dict, or JSON text still to be parsed."""
    data = record.data
    if isinstance(data, (bytes, str)):
        try:
            conv = _normalized(_decode_valid(data), record, default_tz)
        except (msgspec.DecodeError, UnicodeDecodeError):  # not JSON, not UTF-8, or not valid: the slower path says why
            conv = None
        except RecursionError:
            return Rejected(record.source_file, "not a conversation: JSON nested too deeply", raw_text(_text(data)[:200]),
                            record.line, record.offset)
        if conv is not None:
            return conv
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            return Rejected(record.source_file, f"not valid JSON: {exc.msg} (column {exc.colno})", raw_text(_text(data)), record.line, record.offset)
        except UnicodeDecodeError as exc:
            return Rejected(record.source_file, f"not UTF-8 text (byte {exc.start})", raw_text(_text(data)), record.line, record.offset)
        except RecursionError:
            return Rejected(record.source_file, "not a conversation: JSON nested too deeply", raw_text(_text(data)[:200]),
                            record.line, record.offset)
    try:
        data = without_lone_surrogates(data)
    except RecursionError:
        return Rejected(record.source_file, "not a conversation: nested too deeply", "", record.line, record.offset)

    def reject(reason: str) -> Rejected:
        return Rejected(record.source_file, reason, raw_text(data), record.line, record.offset)

    valid = _valid(data)
    if valid is None:
        return reject(f"not a valid conversation: {_too_long(data) or schema_error(data) or 'unexpected structure'}")
    conv = _normalized(valid, record, default_tz)
    return conv if conv is not None else reject(_why_unreadable(valid, default_tz))


def _normalized(data: _JsonConversation, record: RawRecord, default_tz: str) -> Conversation | None:
    """The conversation, or None when its time zone or one of its times cannot be read."""
    tz_name = data.timezone or default_tz
    try:
        zone(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    times = _times_in(tz_name)
    messages = []
    append = messages.append
    for i, m in enumerate(data.messages):
        ts = m.ts
        hit = times.get(ts)
        if hit is None:
            try:
                hit = fast_ts(ts.strip(), tz_name)
            except (ValueError, OverflowError):
                return None
            if not MIN_EPOCH <= hit[0] <= MAX_EPOCH:
                return None
            if len(times) >= _TIMES_KEPT:
                times.clear()
            times[ts] = hit
        role = _ROLES[m.role]
        append(Message(i, hit[0], hit[1], role, m.sender or role, m.text, m.type or "text"))
    customer = data.customer or next((m.sender for m in messages if m.role == "customer"), "")
    return Conversation(
        conversation_id=data.conversation_id,
        shop=data.shop,
        platform=data.platform or "",
        customer=customer,
        messages=messages,
        tz=tz_name,
        source_file=storable(record.source_file),
        source_line=record.line,
    )


def without_lone_surrogates(data):
    """The record with each half of a cut surrogate pair replaced by U+FFFD: the rest of the message is kept."""
    if isinstance(data, str):
        return storable(data)
    if isinstance(data, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [without_lone_surrogates(v) for v in data]
    return data


def _too_long(data) -> str | None:
    # Said before the schema's check, which would go through every one of the messages first.
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, list) and len(messages) > MAX_MESSAGES:
        return (f"messages: {len(messages):,} messages, more than the {MAX_MESSAGES:,} one conversation may have"
                " (were the export's conversations split?)")
    return None


def _why_unreadable(data: _JsonConversation, default_tz: str) -> str:
    """Why ``_normalized`` could not read a valid record: its time zone, or the first time it could not read."""
    tz_name = data.timezone or default_tz
    try:
        zone(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"timezone: unknown time zone {tz_name!r}"
    for i, m in enumerate(data.messages):
        try:
            epoch = fast_ts(m.ts.strip(), tz_name)[0]
        except (ValueError, OverflowError):
            return f"messages/{i}/ts: not an ISO 8601 time: {m.ts[:40]!r}"
        if not MIN_EPOCH <= epoch <= MAX_EPOCH:
            return f"messages/{i}/ts: {m.ts[:40]!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} a chat can have"
    return "unexpected structure"
