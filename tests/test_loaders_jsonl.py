"""The native JSON Lines loader: blocks of lines split into records with the right lines and offsets."""
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from qc_engine.ingest.loaders import LoadOptions, each_record
from qc_engine.model import RawRecord, Rejected
from qc_plugins.loaders import jsonl as jsonl_loader


def load(path):
    return list(each_record(jsonl_loader.JsonlLoader().load(path, LoadOptions())))


def test_line_numbers_and_byte_offsets_survive_a_bom_blank_lines_and_many_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl_loader, "BLOCK_BYTES", 100)  # many small blocks
    lines = [json.dumps({"conversation_id": f"c{i}", "text": "你好" * i}, ensure_ascii=False) for i in range(40)]
    lines[7] = lines[19] = "   "
    data = b"\xef\xbb\xbf" + "\n".join(lines).encode("utf-8") + b"\n"
    path = tmp_path / "day.jsonl"
    path.write_bytes(data)
    records = load(path)
    assert [r.line for r in records] == [n for n in range(1, 41) if n not in (8, 20)]
    for r in records:
        assert data[r.offset:].startswith(r.data.rstrip(b"\n"))
        assert json.loads(r.data)["conversation_id"] == f"c{r.line - 1}"


def test_an_overlong_line_is_rejected_with_its_line_and_the_rest_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl_loader, "MAX_LINE_BYTES", 50)
    lines = [b'{"conversation_id": "a"}', b'{"conversation_id": "' + b"x" * 60 + b'"}', b'{"conversation_id": "b"}']
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "day.jsonl"
    path.write_bytes(data)
    items = load(path)
    assert [(type(i), i.line) for i in items] == [(RawRecord, 1), (Rejected, 2), (RawRecord, 3)]
    assert [data[i.offset:i.offset + 5] for i in items] == [b'{"con'] * 3


@settings(max_examples=60)
@given(st.lists(st.one_of(st.just(""), st.just("  "), st.text("ab你\t", min_size=1, max_size=30)), max_size=30),
       st.integers(1, 200))
def test_any_file_splits_into_exactly_its_non_blank_lines(tmp_path_factory, lines, block):
    jsonl_loader.BLOCK_BYTES, saved = block, jsonl_loader.BLOCK_BYTES
    try:
        path = tmp_path_factory.mktemp("j") / "day.jsonl"
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        path.write_bytes(data)
        records = load(path)
    finally:
        jsonl_loader.BLOCK_BYTES = saved
    want = [(n, line.encode("utf-8") + b"\n") for n, line in enumerate(lines, 1) if line.strip()]
    assert [(r.line, r.data) for r in records] == want
    assert all(data[r.offset:r.offset + len(r.data)] == r.data for r in records)
