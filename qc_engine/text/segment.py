"""Word boundaries of Chinese text: jieba's own segmentation on a dictionary filled as texts need it.

jieba's segmentation (tokenize, HMM off) runs on jieba's dict.txt, but not through jieba's public
loading of it (``Tokenizer.initialize``), which costs 0.8-1.0 s CPU and ~80 MB in every process that
meets a candidate, while only the words starting with a character of a candidate are ever looked up.
Filled as needed, the dictionary costs ~0.1 s and ~25 MB. That takes setting three attributes of
jieba's Tokenizer that jieba documents nowhere (``FREQ``, ``total``, ``initialized``); it is kept
because a user notices the difference: on the benchmark day (400k messages, benchmarks/bench.py) the
public loading made the audit use 1.0-1.8 s more CPU (15-20 % of the whole audit, --workers 1 or 2)
and ~55 MB more memory per auditing process. tests/test_textnorm.py checks the dictionary and the
boundaries against jieba's own, so a jieba release that changes them fails the tests.
"""
from __future__ import annotations

import importlib.util
import os
import re
import warnings
from functools import cache

from qc_engine.text.diskcache import cached, file_key

# Lines starting with the same (UTF-8) character: dict.txt is grouped by first character, nearly.
_RUN = re.compile(rb"^([\x00-\x7f]|[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf7][\x80-\xbf]{3})"
                  rb"(?:[^\n]*\n\1)*[^\n]*\n", re.MULTILINE)


class JiebaDictionary:
    """jieba's prefix dictionary (word or prefix -> frequency, 0 for a prefix only), filled per first character."""

    def __init__(self, data: bytes, index: tuple[int, dict[str, list[tuple[int, int]]]] | None = None):
        data = _ended(data)
        self._data = data
        # The sum of every frequency, and where the lines of each first character lie.
        self.total, self._runs = index if index is not None else dictionary_index(data)
        self.freq: dict[str, int] = {}
        self._loaded: set[str] = set()

    def load_for(self, text: str) -> None:
        """Add the words starting with each character of the text (a word's prefixes start with it too)."""
        for ch in set(text) - self._loaded:
            self._loaded.add(ch)
            # As jieba's Tokenizer.gen_pfdict does, in file order: a later line wins.
            for start, end in self._runs.get(ch, ()):
                for line in self._data[start:end - 1].split(b"\n"):
                    word, freq = line.strip().decode("utf-8").split(" ")[:2]
                    self.freq[word] = int(freq)
                    for i in range(1, len(word)):
                        self.freq.setdefault(word[:i], 0)


def _ended(data: bytes) -> bytes:
    return data if data.endswith(b"\n") else data + b"\n"


def dictionary_index(data: bytes) -> tuple[int, dict[str, list[tuple[int, int]]]]:
    """The frequency total and each first character's line spans, of a dictionary ending in a newline."""
    total = sum(map(int, re.findall(rb" (\d+)[ \n]", data)))
    runs: dict[str, list[tuple[int, int]]] = {}
    for m in _RUN.finditer(data):
        runs.setdefault(m.group(1).decode(), []).append(m.span())
    return total, runs


def _index_shape(value) -> bool:
    return (type(value) is tuple and len(value) == 2 and type(value[0]) is int and type(value[1]) is dict
            and all(type(spans) is list for spans in value[1].values()))


@cache
def jieba_dictionary() -> JiebaDictionary:
    spec = importlib.util.find_spec("jieba")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba is needed for word boundaries")
    path = os.path.join(spec.submodule_search_locations[0], "dict.txt")
    with open(path, "rb") as f:
        data = _ended(f.read())
    # Indexing the 5 MB dictionary is most of the cost of a worker's first word boundary: kept between runs.
    index = cached("jieba-index", f"1 {file_key(path)}", lambda: dictionary_index(data), _index_shape)
    return JiebaDictionary(data, index)


def _import_jieba():
    # jieba imports pkg_resources when it can, which recent setuptools answer with a deprecation warning on
    # the user's terminal, once per worker; nothing in it concerns the user.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*pkg_resources", category=UserWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        import jieba
    return jieba


@cache
def _jieba_tokenizer():
    jieba = _import_jieba()
    dictionary = jieba_dictionary()
    tokenizer = jieba.Tokenizer()
    # Undocumented attributes (see the module's docstring for why): its dictionary is ours, filled as texts need it.
    tokenizer.FREQ, tokenizer.total = dictionary.freq, dictionary.total
    tokenizer.initialized = True
    return tokenizer


def word_bounds(text: str) -> set[int]:
    """0 and the end of every word jieba.tokenize(text, HMM=False) yields."""
    jieba_dictionary().load_for(text)
    bounds = {0}
    for _word, _start, end in _jieba_tokenizer().tokenize(text, HMM=False):
        bounds.add(end)
    return bounds
