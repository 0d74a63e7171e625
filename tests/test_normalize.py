"""The normalized schema: the typed structural check agrees with the published JSON Schema."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from qc_engine.model import Rejected
from qc_engine.ingest.normalize import _valid, schema_error, to_conversation
from qc_engine.model import RawRecord

from conftest import conversation

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
messages = st.fixed_dictionaries(
    {"ts": st.sampled_from(["2026-11-20T10:00:00", "2026-11-20 10:00:00+08:00", "x", 5]),
     "role": st.sampled_from(["customer", "agent", "bot", "system", "boss", None]),
     "text": st.text(max_size=5) | st.none()},
    optional={"sender": st.text(max_size=5) | st.integers(), "type": st.text(max_size=5)},
)
records = st.fixed_dictionaries(
    {"conversation_id": st.text(max_size=6) | st.integers(), "shop": st.text(max_size=6) | st.none(),
     "messages": st.lists(messages, max_size=3) | json_values},
    optional={"platform": st.text(max_size=4) | st.integers(), "customer": st.text(max_size=4)},
) | json_values


@settings(max_examples=400, deadline=None)
@given(records)
def test_quick_check_agrees_with_json_schema(record):
    assert (_valid(record) is not None) == (schema_error(record) is None)


def test_naive_times_are_shop_local_and_offsets_are_kept():
    conv = to_conversation(RawRecord(conversation(lines=[("10:00:00", "customer", "在吗")]), "f.jsonl", 1))
    assert conv.messages[0].ts_iso == "2026-11-20T10:00:00+08:00"
    raw = conversation()
    raw["messages"][0]["ts"] = "2026-11-20T02:00:00Z"
    conv = to_conversation(RawRecord(raw, "f.jsonl", 1))
    assert conv.messages[0].ts_iso == "2026-11-20T10:00:00+08:00"


def test_invalid_record_is_rejected_with_the_place_and_reason():
    raw = conversation()
    raw["messages"][1]["role"] = "boss"
    out = to_conversation(RawRecord(raw, "day.jsonl", 7))
    assert isinstance(out, Rejected)
    assert out.line == 7 and out.source_file == "day.jsonl"
    assert "messages/1/role" in out.reason
    assert json.loads(out.raw)["conversation_id"] == "c1"


def test_a_line_with_bytes_that_are_not_utf8_inside_a_string_is_rejected_not_raised():
    for line in (b'{"":"","":"","messages":[{"ts":"\x80"', b'{"conversation_id": "c\xff1", "shop": "s", "messages": []}'):
        out = to_conversation(RawRecord(line, "day.jsonl", 4))
        assert isinstance(out, Rejected) and out.line == 4 and "UTF-8" in out.reason


def test_unparseable_time_is_rejected():
    raw = conversation()
    raw["messages"][0]["ts"] = "2026-13-45T99:00:00"
    out = to_conversation(RawRecord(raw, "day.jsonl", 3))
    assert isinstance(out, Rejected) and "messages/0/ts" in out.reason


from datetime import datetime as _dt  # noqa: E402

from qc_engine.ingest.normalize import fast_ts, parse_ts, zone  # noqa: E402


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(min_value=_dt(2000, 1, 1), max_value=_dt(2040, 1, 1)),
    st.sampled_from(["", "+08:00", "+00:00", "-05:00", "+05:30", "Z"]),
    st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata"]),
    st.sampled_from(["T", " "]),
)
def test_fast_time_path_agrees_with_the_general_parser(naive, offset, tz_name, sep):
    text = naive.replace(microsecond=0).isoformat(sep=sep) + offset
    dt = parse_ts(text, zone(tz_name))
    assert fast_ts(text, tz_name) == (dt.timestamp(), dt.isoformat())
