"""Arbitrary bytes never break a loader or the audit: everything read is audited or kept aside."""
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qc_engine.ingest.loaders import LoadOptions, each_record
from qc_engine.model import Conversation, RawRecord, Rejected
from qc_engine.ingest.normalize import to_conversation
from qc_engine.testing import fresh_registry

from conftest import audit, rows

LOADERS = [r.loader for r in fresh_registry().loaders]

# Bytes that look a little like each format, so the fuzzing reaches past the first line.
SEEDS = [
    b'{"conversation_id": "c", "shop": "s", "messages": [{"ts": "2026-11-20T10:00:00", "role": "agent", "text": "x"}]}\n',
    ("=" * 64 + "\n单聊\n" + "=" * 64 + "\n" + "-" * 28 + "买家" + "-" * 28 + "\n店:小美(2026-11-20 10:00:00):  您好\n").encode("gb18030"),
    "/*****************以下为一通会话************************************/\n店-小美 2026-11-20 10:00:00\n您好\n".encode(),
    "conversation_id,shop,ts,role,sender,text\nc1,店,2026-11-20 10:00:00,agent,店:小美,您好\n".encode("utf-8-sig"),
    b'{"msgid": "1", "action": "send", "from": "wmA", "tolist": ["zhang"], "msgtime": 1763604000000, "msgtype": "text", "text": {"content": "hi"}}\n',
]
noise = st.binary(max_size=300)
mutated = st.tuples(st.sampled_from(SEEDS), st.integers(0, 400), noise).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1]:])


@settings(max_examples=150)
@given(st.one_of(noise, mutated), st.sampled_from([".jsonl", ".txt", ".csv", ".json", ""]))
def test_every_loader_yields_records_or_rejections_and_never_raises(tmp_path_factory, data, suffix):
    path = Path(tmp_path_factory.mktemp("fuzz")) / f"input{suffix}"
    path.write_bytes(data)
    for loader in LOADERS:
        if not loader.sniff(path, data[:65536]):
            continue
        for item in each_record(loader.load(path, LoadOptions())):
            assert isinstance(item, (RawRecord, Rejected))
            if isinstance(item, RawRecord):
                assert isinstance(to_conversation(item), (Conversation, Rejected))


@settings(max_examples=25)
@given(st.lists(st.one_of(noise, mutated), min_size=1, max_size=4))
def test_the_counts_of_an_audit_of_garbage_add_up(tmp_path_factory, files):
    folder = Path(tmp_path_factory.mktemp("day"))
    for i, data in enumerate(files):
        (folder / f"f{i}{['.jsonl', '.txt', '.csv'][i % 3]}").write_bytes(data)
    db = folder.parent / f"{folder.name}.db"
    try:
        summary = audit([folder], db)
    except Exception as exc:  # only "nothing usable" is allowed to stop an audit, and not as a crash
        raise AssertionError(f"audit raised {exc!r}") from exc
    assert summary.read == summary.audited + summary.rejected
    assert rows(db, "select read, audited, rejected from runs")[0] == (summary.read, summary.audited, summary.rejected)
    assert rows(db, "select count(*) from conversations")[0][0] == summary.audited
    assert rows(db, "select count(*) from rejected")[0][0] == summary.rejected
