"""Loader for 企业微信 会话存档 (WeCom msgaudit) JSON lines.

One archived message per line: ``msgid, action (send/recall/switch), from,
tolist, roomid, msgtime (ms), msgtype`` and the payload (``text.content``
...). External contacts (ids starting ``wo``/``wm``) are customers, other
ids are staff (agents, or bots when listed). One-to-one messages are grouped
by the staff/customer pair, group chats by ``roomid``, and a chat becomes a
new conversation after ``session_gap_minutes`` (option, default 30) without
messages. ``switch`` lines are not messages and are skipped; ``recall``
lines are dropped unless the ``keep_recalls`` option is set (the recalled
message itself stays in the archive and is audited).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

from qc_engine import Loader, RawRecord, Rejected, hookimpl
from qc_engine.ingest.normalize import raw_text, zone
from qc_engine.ingest.roles import RoleResolver

PLATFORM = "wecom"
DEFAULT_GAP_MINUTES = 30
EXTERNAL_PREFIXES = ("wo", "wm")
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000
# Messages without text: their type is kept and the text stays empty.
MEDIA_TYPES = {"image": "image", "voice": "voice", "video": "video", "emotion": "emoji", "meeting_voice_call": "voice"}


def is_external(user_id: str) -> bool:
    return user_id.startswith(EXTERNAL_PREFIXES)


def message_text(msg: dict) -> tuple[str, str]:
    """(type, text) of an archived message."""
    kind = str(msg.get("msgtype") or "text")
    body = msg.get(kind) if isinstance(msg.get(kind), dict) else {}
    if kind == "text":
        return "text", str(body.get("content") or "")
    if kind == "markdown":
        return "text", str(body.get("content") or "")
    if kind in MEDIA_TYPES:
        return MEDIA_TYPES[kind], ""
    if kind == "file":
        return "file", str(body.get("filename") or "")
    if kind in ("link", "weapp"):
        return kind, str(body.get("title") or "")
    if kind == "location":
        return "location", " ".join(str(body.get(k) or "") for k in ("title", "address")).strip()
    if kind == "revoke":
        return "recall", ""
    return kind[:40], ""


class _Chat:
    __slots__ = ("key", "line", "messages", "last_ms", "staff", "customer", "room", "corp")

    def __init__(self, key: tuple, line: int, staff: str, customer: str, room: str, corp: str = ""):
        self.key, self.line, self.staff, self.customer, self.room, self.corp = key, line, staff, customer, room, corp
        self.messages: list[dict] = []
        self.last_ms = 0


class WecomLoader(Loader):
    name = "wecom"
    description = "企业微信 会话存档 (msgaudit) JSON lines: msgid, action, from, tolist, msgtime"

    def sniff(self, path: Path, head: bytes) -> float:
        # The first lines that are JSON objects decide: a broken first line is a rejected line, not a skipped file.
        lines = [line.strip() for line in head.lstrip(b"\xef\xbb\xbf").split(b"\n")]
        for line in [line for line in lines if line.startswith(b"{")][:5]:
            if b'"messages"' in line:
                return 0.0
            if b'"msgid"' in line and (b'"msgtime"' in line or b'"action"' in line):
                return 0.9
        return 0.0

    def load(self, path, options):
        source = str(path)
        gap_ms = float(options.extra.get("session_gap_minutes", DEFAULT_GAP_MINUTES) or DEFAULT_GAP_MINUTES) * 60_000
        keep_recalls = bool(options.extra.get("keep_recalls"))
        tz = zone(options.timezone)
        shops = options.shops

        def shop_of(chat: _Chat) -> str:
            # An archive names no shop: the staff account's or the corp's shop, else --shop, else a stand-in.
            return shops.get(chat.staff) or shops.get(chat.corp) or options.shop or "wecom"
        roles = RoleResolver(options.agents, options.bots, shop=None, separators="")
        chats: OrderedDict[tuple, _Chat] = OrderedDict()
        last_chat_of: dict[str, tuple] = {}  # external contact -> key of their chat with a person

        def emit(chat: _Chat) -> RawRecord:
            messages = chat.messages
            who = chat.room or f"{chat.staff}:{chat.customer}"
            shop = shop_of(chat)
            return RawRecord({
                "conversation_id": f"{PLATFORM}:{shop[:60]}:{who[:100]}:{messages[0]['ts'][:19]}",
                "shop": shop,
                "platform": PLATFORM,
                "customer": chat.customer[:200],
                "messages": messages,
            }, source, line=chat.line)

        with open(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                if len(raw) > MAX_LINE_BYTES:
                    yield Rejected(source, f"line {lineno}: longer than {MAX_LINE_BYTES} bytes", "", lineno)
                    continue
                try:
                    msg = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
                except UnicodeDecodeError as exc:
                    yield Rejected(source, f"line {lineno}: not UTF-8 text (byte {exc.start})", raw_text(raw.decode("utf-8", "replace")), lineno)
                    continue
                except json.JSONDecodeError as exc:
                    yield Rejected(source, f"line {lineno}: not valid JSON: {exc.msg}", raw_text(raw.decode("utf-8", "replace")), lineno)
                    continue
                except RecursionError:
                    yield Rejected(source, f"line {lineno}: JSON nested too deeply", raw_text(raw[:200].decode("utf-8", "replace")), lineno)
                    continue
                if not isinstance(msg, dict):
                    yield Rejected(source, f"line {lineno}: not a JSON object", raw_text(msg), lineno)
                    continue
                action = msg.get("action") or "send"
                if action == "switch":
                    continue
                sender, ms = msg.get("from"), msg.get("msgtime")
                tolist = msg.get("tolist") or []
                if not isinstance(sender, str) or not sender or type(ms) not in (int, float) or not isinstance(tolist, list):
                    yield Rejected(source, f"line {lineno}: message without from/msgtime/tolist", raw_text(msg), lineno)
                    continue
                try:
                    kind, text = message_text(msg)
                except Exception as exc:  # noqa: BLE001 - one odd line is rejected, the rest of the archive goes on
                    yield Rejected(source, f"line {lineno}: unreadable message: {type(exc).__name__}", raw_text(msg), lineno)
                    continue
                if action == "recall" or kind == "recall":
                    if not keep_recalls:
                        continue
                    kind, text = "recall", ""
                room = str(msg.get("roomid") or "")
                peer = next((str(t) for t in tolist if t != sender), "")
                is_bot = roles.is_bot(sender)
                if room:
                    key: tuple = ("room", room)
                    staff, customer = (peer, sender) if is_external(sender) else (sender, "")
                else:
                    staff, customer = (peer, sender) if is_external(sender) else (sender, peer)
                    key = ("pair", staff, customer)
                    if is_bot and customer in last_chat_of:  # a bot answers inside the customer's chat with the staff
                        key = last_chat_of[customer]
                    elif not roles.is_bot(staff):
                        last_chat_of[customer] = key
                try:
                    ts = datetime.fromtimestamp(ms / 1000, tz).isoformat()
                except (OverflowError, OSError, ValueError):
                    yield Rejected(source, f"line {lineno}: msgtime {ms!r} is not a time", raw_text(msg), lineno)
                    continue
                # Archives are in time order: chats idle for longer than the gap are over.
                while chats:
                    oldest = next(iter(chats.values()))
                    if ms - oldest.last_ms <= gap_ms:
                        break
                    closed = chats.popitem(last=False)[1]
                    if last_chat_of.get(closed.customer) == closed.key:
                        del last_chat_of[closed.customer]
                    yield emit(closed)
                chat = chats.get(key)
                if chat is None:
                    corp = msg.get("corpid") or msg.get("corp_id") or ""
                    chat = chats[key] = _Chat(key, lineno, staff, customer, room, corp if isinstance(corp, str) else "")
                else:
                    chats.move_to_end(key)
                    if not chat.customer and is_external(sender):
                        chat.customer = sender
                chat.last_ms = max(chat.last_ms, ms)
                if is_external(sender):
                    role = "customer"
                elif is_bot:
                    role = "bot"
                else:
                    role = "agent"
                entry = {"ts": ts, "role": role, "sender": sender[:200], "text": text[:MAX_TEXT_CHARS]}
                if kind != "text":
                    entry["type"] = kind
                chat.messages.append(entry)
        while chats:
            yield emit(chats.popitem(last=False)[1])


@hookimpl
def register_loaders(register):
    register(WecomLoader)
