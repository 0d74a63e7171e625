"""Who sent a message (the customer, a human agent, the shop's bot or the platform), and what kind of message.

Platform exports name senders, not roles. Agents are the shop's sub-accounts
(``<shop>:<name>`` on Taobao, ``<shop>-<name>`` on JD) or names a shop rule
file lists under ``agents``; bots are the names the rule files list under ``bots``: the platform assistants
(店小蜜, 京小智, ...) in ``rules/defaults/core.yaml``, plus a shop's own. A loader is given them in
``LoadOptions.bots``.
"""
from __future__ import annotations

import re
from typing import Iterable

SYSTEM_SENDERS = frozenset({
    "system", "系统", "系统消息", "系统通知", "系统提示", "平台通知", "平台消息", "官方通知", "千牛系统", "京东系统",
})
# A bot name at the start of a sub-account name counts only when it is this long ("jimi01", not "小蜜蜂").
_MIN_PREFIX_BOT_NAME = 3


def split_account(sender: str, separators: str = ":-") -> tuple[str, str] | None:
    """(shop, name) of a sub-account written ``<shop>:<name>`` or ``<shop>-<name>``; None for a plain nick."""
    for i, ch in enumerate(sender):
        if ch in separators:
            shop, name = sender[:i].strip(), sender[i + 1:].strip()
            return (shop, name) if shop and name else None
    return None


class RoleResolver:
    """Tells the role of a sender from the shop's account prefix and the agents/bots lists of the rule files."""

    def __init__(
        self,
        agents: Iterable[str] = (),
        bots: Iterable[str] = (),
        shop: str | None = None,
        separators: str = ":-",
    ):
        self.agents = frozenset(a.strip() for a in agents)
        self.bots = frozenset(b.strip().lower() for b in bots)
        self.shop = shop
        self.separators = separators
        self._cache: dict[tuple[str, str | None], str] = {}

    def is_system(self, sender: str) -> bool:
        return sender.strip().lower() in SYSTEM_SENDERS

    def is_bot(self, sender: str) -> bool:
        """A bot name as the whole sender, its ending or its sub-account name (or the start of it, when long)."""
        s = sender.strip().lower()
        if s in self.bots:
            return True
        account = split_account(s, self.separators)
        if account and account[1] in self.bots:
            return True
        for name in self.bots:
            if s.endswith(name):
                return True
            if account and (account[1].startswith(name) and len(name) >= _MIN_PREFIX_BOT_NAME):
                return True
        return False

    def is_listed_agent(self, sender: str) -> bool:
        s = sender.strip()
        if s in self.agents:
            return True
        account = split_account(s, self.separators)
        return bool(account and (account[1] in self.agents))

    def account_shop(self, sender: str) -> str | None:
        """The shop prefix of a sub-account sender, if it has one (and it is this shop's, when the shop is known)."""
        account = split_account(sender.strip(), self.separators)
        if not account or (self.shop and account[0] != self.shop):
            return None
        return account[0]

    def role(self, sender: str, customer: str | None = None) -> str:
        """The role of ``sender``; with ``customer`` known, every other human sender is an agent."""
        key = (sender, customer)
        role = self._cache.get(key)
        if role is None:
            role = self._role(sender, customer)
            if len(self._cache) < 100_000:  # senders repeat a lot; bound the cache for huge files
                self._cache[key] = role
        return role

    def _role(self, sender: str, customer: str | None) -> str:
        if customer is not None and sender.strip() == customer.strip():
            return "customer"
        if self.is_listed_agent(sender):
            return "agent"
        if self.is_system(sender):
            return "system"
        if self.is_bot(sender):
            return "bot"
        if customer is not None or self.account_shop(sender):
            return "agent"
        return "customer"


def resolver_for(options, shop: str | None = None, separators: str = ":-") -> RoleResolver:
    """A resolver from a loader's LoadOptions (agents, bots, shop)."""
    return RoleResolver(options.agents, options.bots, shop if shop is not None else options.shop, separators)


# Text exports show cards and media as a bracketed placeholder: "[商品] 福鼎白茶 ¥138", "[图片]".
PLACEHOLDER_TYPES = {
    "图片": "image", "表情": "emoji", "语音": "voice", "视频": "video", "文件": "file",
    "商品": "goods_card", "订单": "order_card", "链接": "link",
}
_PLACEHOLDER = re.compile(r"^\[(" + "|".join(PLACEHOLDER_TYPES) + r")\]")


def placeholder_type(text: str) -> str | None:
    """The message type a text export's placeholder stands for ("[商品] ..." -> goods_card), or None for text."""
    m = _PLACEHOLDER.match(text)
    return PLACEHOLDER_TYPES[m.group(1)] if m else None
