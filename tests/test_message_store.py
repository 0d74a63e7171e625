"""Messages are stored under their conversation's key; the `messages` view shows them by conversation id."""
from datetime import datetime, timezone

import pytest
import sqlite_utils
from conftest import audit, conversation, rows, write_jsonl

from qc_engine.store import open_db
from qc_engine.store.migrations import MIGRATIONS


def _texts(db_path, cid):
    return [r[0] for r in rows(db_path, "select text from messages where conversation_id = ? order by message_index", cid)]


def _stray_message_rows(db_path):
    """Stored message rows that no conversation's key covers."""
    return rows(db_path, "select count(*) from message_rows")[0][0] - rows(db_path, "select count(*) from messages")[0][0]


def test_a_partial_rerun_replaces_only_its_conversations_messages(tmp_path, db_path):
    audit([write_jsonl(tmp_path / "a.jsonl", [conversation(f"c{i}") for i in range(20)])], db_path)
    changed = conversation("c5", lines=(("11:00:00", "customer", "换个问题"), ("11:00:05", "agent", "好的"),
                                        ("11:00:09", "customer", "谢谢")))
    audit([write_jsonl(tmp_path / "b.jsonl", [changed, conversation("c99")])], db_path)
    assert _texts(db_path, "c5") == ["换个问题", "好的", "谢谢"]
    assert _texts(db_path, "c4") == _texts(db_path, "c6") == _texts(db_path, "c99") == ["在吗", "您好，在的"]
    assert rows(db_path, "select count(*) from messages")[0][0] == 19 * 2 + 3 + 2
    assert _stray_message_rows(db_path) == 0
    keys = [r[0] for r in rows(db_path, "select conversation_key from conversations")]
    assert len(keys) == len(set(keys)) == 21 and None not in keys


def test_messages_keep_their_conversation_through_vacuum(tmp_path, db_path):
    audit([write_jsonl(tmp_path / "a.jsonl", [conversation(f"c{i}") for i in range(30)])], db_path)
    db = sqlite_utils.Database(db_path)
    db.execute("delete from conversations where conversation_id in ('c3', 'c17')")
    db.execute("delete from message_rows where id not in (select m.id from message_rows m join conversations c"
               " on m.id >> 24 = c.conversation_key)")
    db.conn.commit()
    db.vacuum()  # may renumber rowids; the conversation key is a column of its own
    db.close()
    assert _texts(db_path, "c29") == ["在吗", "您好，在的"]
    assert rows(db_path, "select count(*) from messages")[0][0] == 28 * 2
    audit([write_jsonl(tmp_path / "b.jsonl", [conversation("new")])], db_path)
    assert _texts(db_path, "new") == ["在吗", "您好，在的"]
    assert _stray_message_rows(db_path) == 0


def test_a_store_made_before_message_keys_keeps_its_messages(tmp_path, db_path):
    db = sqlite_utils.Database(db_path)
    db["_qc_migrations"].create({"name": str, "applied_at": str}, pk="name")

    for fn in MIGRATIONS[:5]:  # the store as the last release made it
        fn(db)
        db["_qc_migrations"].insert({"name": fn.__name__, "applied_at": datetime.now(timezone.utc).isoformat()})
    db["runs"].insert({"id": 1, "status": "complete"})  # the run that stored them
    for n, cid in enumerate(("old-b", "old-a")):
        db["conversations"].insert({"conversation_id": cid, "shop": "山野茶庄", "day": "2026-11-19", "run_id": 1})
        db["messages"].insert_all(
            {"conversation_id": cid, "message_index": i, "ts": f"2026-11-19T10:00:0{i}+08:00", "role": "customer",
             "sender": "nick", "text": f"{cid} {i}", "type": "text"} for i in range(3 + n))
    db.close()

    open_db(db_path).close()
    assert _texts(db_path, "old-b") == ["old-b 0", "old-b 1", "old-b 2"]
    assert _texts(db_path, "old-a") == ["old-a 0", "old-a 1", "old-a 2", "old-a 3"]
    assert rows(db_path, "select type from sqlite_master where name = 'messages'") == [("view",)]

    again = conversation("old-a", lines=(("10:00:00", "customer", "新的"),), day="2026-11-19")
    audit([write_jsonl(tmp_path / "a.jsonl", [again, conversation("c1")])], db_path)
    assert _texts(db_path, "old-a") == ["新的"]
    assert _texts(db_path, "old-b") == ["old-b 0", "old-b 1", "old-b 2"]
    assert _stray_message_rows(db_path) == 0


@pytest.mark.parametrize("extra", [0, 1])
def test_a_conversation_of_more_messages_than_allowed_is_rejected_whole_not_cut(tmp_path, db_path, extra):
    from qc_engine.ingest.normalize import MAX_MESSAGES

    lines = [("10:00:00", "customer", "在吗")] * (MAX_MESSAGES + extra)
    s = audit([write_jsonl(tmp_path / "long.jsonl", [conversation("long", lines=lines), conversation("c1")])], db_path)
    assert (s.audited, s.rejected) == (2 - extra, extra)
    stored = rows(db_path, "select count(*) from messages where conversation_id = 'long'")[0][0]
    assert stored == (0 if extra else MAX_MESSAGES)
    if extra:
        assert "100,001 messages, more than the 100,000" in rows(db_path, "select reason from rejected")[0][0]


def test_a_conversation_met_twice_in_a_rerun_replaces_the_stored_one_once(tmp_path, db_path):
    audit([write_jsonl(tmp_path / "a.jsonl", [conversation(f"c{i}") for i in range(3)])], db_path)
    first = conversation("c1", lines=(("11:00:00", "customer", "第一次"),))
    second = conversation("c1", lines=(("12:00:00", "customer", "第二次"),))
    s = audit([write_jsonl(tmp_path / "b.jsonl", [first, *[conversation(f"n{i}") for i in range(600)], second])],
              db_path, workers=2)
    assert (s.read, s.audited, s.rejected) == (602, 601, 1)
    assert _texts(db_path, "c1") == ["第一次"]
    assert "duplicate conversation_id 'c1'" in rows(db_path, "select reason from rejected")[0][0]
    assert _stray_message_rows(db_path) == 0


def test_row_layouts_name_the_store_columns(tmp_path):
    from qc_engine.store.rows import CONVERSATIONS, LAYOUTS, MESSAGES

    db = open_db(tmp_path / "layout.db")
    for name, layout in LAYOUTS.items():
        stored = set(db[layout.table].columns_dict)
        if layout is CONVERSATIONS:  # keyed by the writer from the batch ordinal
            assert set(layout.columns) - stored == {"ordinal"} and stored - set(layout.columns) == {"conversation_key"}
        elif layout is MESSAGES:  # ordinal and index make the row id
            assert set(layout.columns) - stored == {"ordinal", "message_index"} and stored - set(layout.columns) == {"id"}
        else:
            assert set(layout.columns) <= stored, name


def test_a_row_is_built_from_every_column_by_name_and_no_other():
    from qc_engine.store.rows import METRICS

    assert METRICS.row(figures="{}", agent="a", conversation_id="c") == ("c", "a", "{}")
    assert METRICS.getter("agent", "figures")(("c", "a", "{}")) == ("a", "{}")
    with pytest.raises(TypeError, match="figures"):
        METRICS.row(conversation_id="c", agent="a")
    with pytest.raises(TypeError, match="figure"):
        METRICS.row(conversation_id="c", agent="a", figure="{}")
