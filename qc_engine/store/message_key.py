"""A message's row id: its conversation's key and its index in one integer.

Migration m006 fixed the layout: the key shifted left by MESSAGE_INDEX_BITS, plus the index. A conversation's
messages are then one range of the table's own b-tree, found and deleted without a second index. The writer,
the migration and the `messages` view all take the layout from here.
"""
from __future__ import annotations

MESSAGE_INDEX_BITS = 24
MESSAGE_INDEX_MASK = (1 << MESSAGE_INDEX_BITS) - 1  # the largest index: room for 2**24 messages a conversation


def message_ids(conversation_key: int) -> tuple[int, int]:
    """The first and last row id a conversation's messages may have."""
    first = conversation_key << MESSAGE_INDEX_BITS
    return first, first + MESSAGE_INDEX_MASK
