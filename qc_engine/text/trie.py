"""Character tries of phrases: every occurrence of any phrase in a text, and one regex finding where any occurs.

A trie is a nested dict keyed by character; the entries of a phrase ending at a node
are kept under ``TERMINAL`` ("" is never a character of a text).
"""
from __future__ import annotations

import re

TERMINAL = ""


def trie_add(trie: dict, key: str, value) -> None:
    node = trie
    for ch in key:
        node = node.setdefault(ch, {})
    node.setdefault(TERMINAL, []).append(value)


def trie_all(trie: dict, text: str, first: int):
    """Every (start, end, value) of the trie's keys in text, overlapping ones included."""
    n = len(text)
    for i in range(first, n):
        node = trie.get(text[i])
        j = i + 1
        while node is not None:
            for value in node.get(TERMINAL, ()):
                yield i, j, value
            if j >= n:
                break
            node = node.get(text[j])
            j += 1


def trie_with(trie: dict, key: str) -> dict:
    """A copy of the trie (sharing untouched branches) that also holds key; for a prefilter only."""
    out = dict(trie)
    if not key:
        out[TERMINAL] = out.get(TERMINAL, []) + [None]
        return out
    out[key[0]] = trie_with(trie.get(key[0], {}), key[1:])
    return out


def trie_regex(node: dict) -> str:
    """A regex finding where any key of the trie occurs (its shortest keys suffice), shaped like the trie.

    Every branch starts with a literal character: the regex engine then skips quickly
    to the positions where one of them occurs (a character class would defeat that).
    """
    if TERMINAL in node:
        return ""
    branches = [re.escape(ch) + trie_regex(node[ch]) for ch in sorted(node)]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
