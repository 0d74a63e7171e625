import marshal

from qc_engine.text.diskcache import CACHE_DIR_ENV, cached, file_key
from qc_engine.text.segment import JiebaDictionary, dictionary_index, jieba_dictionary


def _counting(value):
    calls = []

    def derive():
        calls.append(1)
        return value

    return derive, calls


def test_a_value_is_derived_once_then_read(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    derive, calls = _counting((7, {"a": [(0, 3)]}))
    assert cached("t", "k", derive, lambda v: True) == (7, {"a": [(0, 3)]})
    assert cached("t", "k", derive, lambda v: True) == (7, {"a": [(0, 3)]})
    assert len(calls) == 1
    cached("t", "other key", derive, lambda v: True)
    assert len(calls) == 2


def test_a_malformed_or_rejected_entry_is_derived_again(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    derive, calls = _counting([1, 2])
    cached("t", "k", derive, lambda v: True)
    (entry,) = tmp_path.glob("t-*.marshal")
    entry.write_bytes(b"\x00garbage")
    assert cached("t", "k", derive, lambda v: True) == [1, 2]
    entry.write_bytes(marshal.dumps("not a list"))
    assert cached("t", "k", derive, lambda v: type(v) is list) == [1, 2]
    assert len(calls) == 3
    assert marshal.loads(entry.read_bytes()) == [1, 2]


def test_no_cache_where_it_cannot_be_written_or_is_turned_off(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocked / "below"))
    derive, calls = _counting(5)
    assert cached("t", "k", derive, lambda v: True) == 5
    monkeypatch.setenv(CACHE_DIR_ENV, "")
    assert cached("t", "k", derive, lambda v: True) == 5
    assert len(calls) == 2


def test_file_key_changes_with_the_file(tmp_path):
    f = tmp_path / "d.txt"
    f.write_text("a 1 n\n")
    before = file_key(f)
    f.write_text("a 1 n\nb 2 n\n")
    assert file_key(f) != before


def test_jieba_dictionary_from_the_cached_index_is_the_same(tmp_path, monkeypatch):
    fresh = jieba_dictionary()
    data = fresh._data
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    index = cached("jieba-index", "test", lambda: dictionary_index(data), lambda v: True)
    again = cached("jieba-index", "test", lambda: None, lambda v: True)  # read back from disk
    assert again == index
    rebuilt = JiebaDictionary(data, again)
    text = "全网最低价格加微信去死皮膏最好看"
    rebuilt.load_for(text)
    fresh.load_for(text)
    assert rebuilt.total == fresh.total
    assert all(rebuilt.freq[w] == fresh.freq[w] for w in rebuilt.freq)


def test_the_cache_lives_where_the_system_keeps_caches(tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    import platformdirs

    from qc_engine.text.diskcache import cache_dir

    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    assert cache_dir() == Path(platformdirs.user_cache_dir("qc-engine", appauthor=False))
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert cache_dir() == tmp_path / "qc-engine"
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.setenv(CACHE_DIR_ENV, "")
    assert cache_dir() is None
