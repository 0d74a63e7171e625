"""What in a customer's message needs a reply: a bare acknowledgement (好的 / 谢谢 / 嗯嗯 / ok👍) does not,
once the agent has spoken and asked nothing.

After an agent's question an affirmative is an answer that needs action (需要帮您备注吗？ → 好的);
closers still end the exchange (还有其他问题吗？ → 没有了，谢谢). The response-time rules cut rounds
with this, and the closing rule finds the customer's last real question with it.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from qc_engine.model import Message
from qc_engine.text.fold import simplify

# Words that alone make a message a bare acknowledgement. Closers also end a reply to the agent's
# question (还有其他问题吗？ → 没有了，谢谢); affirmatives then are an answer that needs action (需要备注吗？ → 好的).
_CLOSER_WORDS = (
    "谢谢", "谢了", "谢谢你", "谢谢您", "谢谢亲", "多谢", "感谢", "thanks", "thank you", "thx", "拜拜", "再见", "bye", "88",
    "没有了", "没有啦", "没了", "没事了", "没事", "不用了", "没问题了", "亲", "啦", "啊", "呀", "哈", "的", "了", "哦", "嗯",
)
_AFFIRMATIVE_WORDS = (
    "好的", "好滴", "好哒", "好嘞", "好吧", "好", "嗯", "恩", "噢", "喔", "ok", "okay", "行", "吧", "收到", "知道了", "知道",
    "明白了", "明白", "了解", "没问题",
)
_NON_WORD = re.compile(r"[\s\W_]+")
_BRACKETED = re.compile(r"\[[^\[\]]{1,8}\]|/:\S{1,6}")  # emoticon codes such as [微笑] or /:^_^
_MEDIA = re.compile(r"图片|视频|语音|文件|链接|商品|订单|http|www\.", re.I)  # something to look at needs a reply
_ASKS = re.compile(r"[?？]|[吗嗎么麼嘛][\s。.!！~～]*$")
MAX_BARE_CHARS = 40  # longer messages are never a bare acknowledgement (saves normalizing them)

# What a customer text is on its own, before looking at what the agent said last (see needs_reply).
NEEDS_REPLY, BARE, BARE_UNLESS_ASKED = 0, 1, 2
_MAX_CACHED_TEXTS = 65536


class AcknowledgementMatcher:
    """Tells a bare acknowledgement (好的谢谢, 嗯嗯, ok👍) from a message that needs a reply."""

    def __init__(self, extra: Iterable[str] = ()):
        self.key = tuple(sorted(set(extra)))
        self._closers = self._words_only(_CLOSER_WORDS)
        self._any = self._words_only((*_CLOSER_WORDS, *_AFFIRMATIVE_WORDS, *extra))
        # Verdicts by text (a cache of a pure function): customers repeat the same short acknowledgements all day.
        self._kinds: dict[str, int] = {}

    @staticmethod
    def _words_only(words: Iterable[str]) -> re.Pattern:
        ordered = sorted({_core(w) for w in words if _core(w)}, key=len, reverse=True)
        return re.compile("(?:" + "|".join(map(re.escape, ordered)) + ")+")

    def is_bare(self, text: str, after_question: bool = False) -> bool:
        """Whether the message is only acknowledgement words (only closers after a question), punctuation, emoticons."""
        if len(text) > MAX_BARE_CHARS:
            return False
        core = _core(text)
        if not core:
            return True
        words = self._closers if after_question else self._any
        return len(core) <= 12 and words.fullmatch(core) is not None

    def reply_kind(self, text: str) -> int:
        """NEEDS_REPLY, BARE (even after a question: only closers) or BARE_UNLESS_ASKED, for a text message."""
        kind = self._kinds.get(text)
        if kind is None:
            if len(self._kinds) >= _MAX_CACHED_TEXTS:
                self._kinds.clear()
            kind = self._kinds[text] = self._reply_kind(text)
        return kind

    def _reply_kind(self, text: str) -> int:
        if len(text) > MAX_BARE_CHARS or _MEDIA.search(text) or not self.is_bare(text):
            return NEEDS_REPLY
        # Every closer is also in the full word list, so a text bare after a question is bare anyway.
        return BARE if self.is_bare(text, after_question=True) else BARE_UNLESS_ASKED


@lru_cache(maxsize=65536)  # customers repeat the same few short acknowledgements all day
def _core(text: str) -> str:
    return _NON_WORD.sub("", _BRACKETED.sub("", simplify(text)))


def asks_something(text: str) -> bool:
    """Whether a message asks the other side something (a question mark, or a clause ending in 吗)."""
    return bool(_ASKS.search(text))


def needs_reply(message: Message, previous_reply: Message | None, acks: AcknowledgementMatcher) -> bool:
    """Whether a customer message opens a round: anything but a bare acknowledgement once the agent has spoken."""
    if previous_reply is None or message.type != "text":
        return True
    kind = acks.reply_kind(message.text)
    if kind == BARE_UNLESS_ASKED:
        return asks_something(previous_reply.text)
    return kind == NEEDS_REPLY
