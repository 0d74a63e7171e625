"""Finding and masking customer personal data in chat text: phones, ID and card numbers, addresses, codes.

``mask_text`` runs on every text the store keeps, so it is built for speed: a message
without a long number, a door number or four digits in a row costs one regex search.
Numbers are read as *runs* of digits that may be split by single spaces or dashes
("138 1234 5678"); a run, or a few neighbouring groups of it, is then classified with
checksums and the words just before it (订单号 marks an order number, 卡号 a bank
card...). ``\\b`` is useless next to Han characters, so every boundary is a digit look-around.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import regex

from qc_engine.text.checksums import id_number_valid, is_mobile, luhn_valid

PHONE = "phone"
ID_NUMBER = "id_number"
BANK_CARD = "bank_card"
ADDRESS = "address"
LANDLINE = "landline"
CODE = "verification_code"
KIND_NAMES = {
    PHONE: "手机号", ID_NUMBER: "身份证号", BANK_CARD: "银行卡号", ADDRESS: "详细地址", LANDLINE: "固定电话", CODE: "验证码",
}
ALL_KINDS = frozenset(KIND_NAMES)
CODE_MASK = "******"

# Words just before a number that say what it is. The nearest one wins (卡号 in "订单已退款到卡号...").
CONTEXT_WORDS: dict[str, tuple[str, ...]] = {
    "order": (
        "订单", "订单号", "订单号码", "单号", "运单", "快递", "物流", "编号", "交易号", "流水号", "工单", "售后单", "服务单",
        "批次", "条码", "条形码", "货号", "型号", "序列号", "串号", "IMEI", "SN码", "发票", "会员卡", "购物卡", "礼品卡",
        "积分卡", "优惠券", "券码", "卡券", "取件码", "提货码", "兑换码",
    ),
    "card": ("卡号", "银行卡", "储蓄卡", "信用卡", "借记卡", "银联", "开户", "账号", "帐号", "卡"),
    "id": ("身份证", "证件", "身份号"),
    "phone": ("手机", "电话", "号码", "联系方式", "致电", "拨打", "联系人", "留的", "预留", "收件人", "收货人"),
}
# Uppercase letters glued before a number: a courier's tracking prefix or a product code, unless a chat app's name.
_CONTACT_PREFIXES = frozenset({"VX", "WX", "QQ", "TEL", "MOB", "PHONE", "CALL", "V"})

_SEPARATOR = r"[ \-－‐\u200b\u200c\u200d\u2060\ufeff]"  # may split the digits of a number
# After a digit, the first character of a door part (单 of 单元): where an address may be, cheaply.
_DOOR_MARK = r"\s?[号栋幢座单室户组房]"
# What any finding needs: eleven digits (separators allowed) for a number, a door mark for an address,
# four digits in a row for a code. One search of this rules out nearly every text; a match of four
# digits only (a year, a price) is looked at further, rarely. Every branch starts with the one \d:
# the regex engine then skips straight from digit to digit.
_WORTH_A_LOOK = re.compile(rf"\d(?:(?:{_SEPARATOR}?\d){{10}}|{_DOOR_MARK}|(?P<four_digits>\d{{3}}))").search
# The same without the four digits. A number is not tried from a digit right after another (the
# look-behind): one that starts there starts a digit earlier too. The search then does not retry
# it at every digit of a long run (a customer id tb8827621655).
_NUMBER_OR_DOOR = re.compile(rf"\d(?:(?<!\d\d)(?:{_SEPARATOR}?\d){{10}}|{_DOOR_MARK})").search
_HAS_DOOR = re.compile(rf"\d{_DOOR_MARK}").search
_HAS_CODE_WORD = re.compile(r"验证码|校验码|动态码|短信码|动态密码").search
# Runs of 11+ digits, single separators allowed between digits; an ID may end in X. The first digit
# is matched before the look-behind (no digit before it) so that the search skips from digit to digit.
_RUN = re.compile(rf"\d(?<!\d\d)(?:{_SEPARATOR}?\d){{10,}}(?:[Xx](?![A-Za-z]))?")
_GROUP = re.compile(r"\d+")
_NOT_DIGITS = re.compile(r"\D+").sub
_LETTERS_BEFORE = regex.compile(r"([A-Za-z]+)$")
_CONTEXT_WINDOW = 16
_MAX_GROUPS_PER_NUMBER = 6

# A code is 4-8 digits next to its name; digits touching * are the kept end of a masked number.
_CODE = re.compile(
    r"(?:验证码|校验码|动态码|短信码|动态密码)[^\d*\n。！？!?]{0,8}?(?<![\d*])(\d{4,8})(?![\d*])"
    r"|(?<![\d*])(\d{4,8})(?![\d*])[^\d*\n。！？!?]{0,6}?(?:是|为)?(?:您的|你的)?(?:验证码|校验码|动态码)"
)

# Addresses: a door part (88号, 3栋2单元501室) right after a street or estate word, or two building parts in a row.
# 号 is not a door when it names a gate, a line, a shop or a stall (3号门, 2号线, 1号店, 5号仓).
_DOOR_SUFFIX = r"(?:号院|号楼|号(?![门线店仓柜口窗位台机包码色])|栋|幢|座|单元|室|户|组|房)"
_DOOR_CHAIN = (
    rf"(?<!\d)\d{{1,5}}(?:[-－]\d{{1,5}})?\s?{_DOOR_SUFFIX}"
    rf"(?:\s?[-－#]?\s?\d{{1,5}}(?:[-－]\d{{1,5}})?\s?(?:{_DOOR_SUFFIX}|层|楼|(?![\p{{Han}}\d])))*"
)
_STREET = (
    r"大道|大街|胡同|小区|花园|公寓|大厦|广场|家园|嘉园|新村|社区|园区|工业园|产业园|科技园|路|街|巷|弄|段|村|屯|镇|乡|苑|期"
)
_ADDRESS = regex.compile(rf"(?<=(?P<street>{_STREET})\s?)(?P<door>{_DOOR_CHAIN})|(?P<building>{_DOOR_CHAIN})")
_DOOR_TOKEN = regex.compile(r"\d+\s?(号院|号楼|号|栋|幢|座|单元|室|户|组|房|层|楼)?")
_BUILDING_PARTS = frozenset({"号楼", "号院", "栋", "幢", "单元", "室", "户", "房"})
# Where the street part starts: after the district (区/县/市...) or a pause.
_ADDRESS_BOUNDARY = regex.compile(r"(?:[省市区县旗州盟]|街道|地址|[\s，,。:：；;！!？?、是在为])")
_STREET_NAME_MAX = 12


@dataclass(frozen=True, slots=True)
class Datum:
    """One piece of personal data found in a text: its kind, its place and how it reads masked."""

    kind: str
    start: int
    end: int
    masked: str

    @property
    def label(self) -> str:
        return KIND_NAMES[self.kind]


# --- the detector ----------------------------------------------------------------------------


class Detector:
    """Finds personal data in texts; built once (per shop) from the context words and allowed numbers.

    ``for_masking`` makes it err on the side of privacy: every mobile number and every
    plausible ID number counts whatever the context, and verification codes and landlines
    are found too. Rules use the stricter default, which respects order-number context.
    """

    def __init__(
        self,
        extra_context_words: dict[str, Iterable[str]] | None = None,
        allowed_numbers: Iterable[str] = (),
        shop_address_words: Iterable[str] = (),
        for_masking: bool = False,
    ):
        self.for_masking = for_masking
        # None for a text in which ``candidates`` surely finds nothing (nearly every one): one search.
        # Without codes to find, a long number or a door mark is needed: four digits alone add nothing.
        self.prefilter = _WORTH_A_LOOK if for_masking else _NUMBER_OR_DOOR
        words: dict[str, str] = {}
        for kind, ws in CONTEXT_WORDS.items():
            for w in ws:
                words[w.lower()] = kind
        for kind, ws in (extra_context_words or {}).items():
            for w in ws:
                if w:
                    words[w.lower()] = kind
        self._word_kind = words
        self._context = regex.compile(
            "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True)), regex.IGNORECASE
        )
        # A shop's own numbers (hotline, test numbers): regexes matched against the digits alone.
        self._allowed = [regex.compile(p) for p in allowed_numbers]
        shop_words = [w for w in shop_address_words if w]
        self._shop_address = (
            regex.compile("|".join(regex.escape(w) for w in sorted(shop_words, key=len, reverse=True)))
            if shop_words else None
        )

    # numbers ------------------------------------------------------------------------------

    def context_before(self, text: str, start: int) -> str | None:
        """What the nearest context word before ``start`` says a number is: order, card, id, phone or None."""
        # Letters, or a line break that the $ of _LETTERS_BEFORE looks past, right before the number.
        before = text[start - 1] if start else ""
        letters = None
        if before.isascii() and before.isalpha() or before == "\n":
            letters = _LETTERS_BEFORE.search(text, max(0, start - 8), start)
        if letters and len(letters.group(1)) >= 2 and letters.group(1).isupper() and letters.group(1) not in _CONTACT_PREFIXES:
            return "order"  # SF1234..., JDVA..., a product code
        last = None
        for m in self._context.finditer(text, max(0, start - _CONTEXT_WINDOW), start):
            last = m
        return self._word_kind.get(last.group().lower()) if last else None

    def _allowed_number(self, digits: str) -> bool:
        for pattern in self._allowed:
            try:
                if pattern.fullmatch(digits, timeout=0.05):
                    return True
            except TimeoutError:
                continue
        return False

    def classify(self, digits: str, has_x: bool, context: str | None) -> tuple[str, str] | None:
        """(kind, masked form) of a number given as its digits (plus a final X), or None when it is not personal."""
        n = len(digits)
        strict = not self.for_masking
        if has_x or n in (15, 18):
            number = digits + ("X" if has_x else "")
            if len(number) in (15, 18) and id_number_valid(number, check_sum=False):
                checked = len(number) == 15 or id_number_valid(number)
                if context == "id" or self.for_masking or (checked and context not in ("order", "card")):
                    keep = 3 if len(number) == 15 else 4
                    return ID_NUMBER, number[:6] + "*" * (len(number) - 6 - keep) + number[-keep:]
            if has_x:
                return None
        if n == 11 and is_mobile(digits):
            if strict and context == "order":
                return None
            return PHONE, digits[:3] + "****" + digits[-4:]
        if n in (13, 15) and (digits.startswith("86") or digits.startswith("0086")) and is_mobile(digits[-11:]):
            if strict and context == "order":
                return None
            return PHONE, digits[:-11] + digits[-11:-8] + "****" + digits[-4:]
        if 16 <= n <= 19:
            # Without a context word: Visa/Mastercard/UnionPay-looking numbers that pass Luhn, or any UnionPay (62...).
            # Masking stores such a number masked even after 订单号: a lost order number costs less than a leaked card.
            looks_like_card = digits[0] in "456" and luhn_valid(digits) or digits.startswith("62")
            if context == "card" or looks_like_card and (self.for_masking or context not in ("order", "id")):
                return BANK_CARD, "*" * (n - 4) + digits[-4:]
        if self.for_masking and 10 <= n <= 12 and digits[0] == "0" and digits[1] != "0" and context != "order":
            return LANDLINE, digits[:-8] + "****" + digits[-4:]
        return None

    def _numbers(self, text: str) -> list[Datum]:
        found: list[Datum] = []
        for run in _RUN.finditer(text):
            start, end = run.span()
            has_x = text[end - 1] in "Xx"
            if text[start:end - has_x].isdigit():  # no separator: the common case
                self._try(text, start, end - has_x, has_x, found)
                continue
            groups = [(g.start() + run.start(), g.end() + run.start()) for g in _GROUP.finditer(run.group())]
            if len(groups) == 1:
                self._try(text, groups[0][0], groups[0][1], has_x, found)
                continue
            # A run split by separators: try the whole, then ever smaller stretches of neighbouring groups.
            taken: list[tuple[int, int]] = []
            candidates = []
            sizes = [e - s for s, e in groups]
            for i in range(len(groups)):
                length = 0
                for j in range(i, min(len(groups), i + _MAX_GROUPS_PER_NUMBER)):
                    length += sizes[j]
                    if length > 19:
                        break
                    if length >= 11:
                        candidates.append((length, i, j))
            for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1])):
                start, end = groups[i][0], groups[j][1]
                if any(start < e and s < end for s, e in taken):
                    continue
                x = has_x and j == len(groups) - 1
                if self._try(text, start, end, x, found):
                    taken.append((start, end + (1 if x else 0)))
        return found

    def _try(self, text: str, start: int, end: int, has_x: bool, found: list[Datum]) -> bool:
        if end - start > 19 + _MAX_GROUPS_PER_NUMBER:
            return False  # longer than any number we know, even with separators
        digits = text[start:end]
        if not digits.isdigit():
            digits = _NOT_DIGITS("", digits)  # the separators out
        if not digits.isascii():
            digits = "".join(str(int(ch)) for ch in digits)  # full-width digits
        # Masking reads the words before a number only for a card (卡号 + 16-19 digits) or a landline (not
        # after 订单号): any other number it masks, or not, whatever they say. Reading them is the costly part.
        n = len(digits)
        if not self.for_masking or 16 <= n <= 19 or 10 <= n <= 12 and digits[0] == "0":
            context = self.context_before(text, start)
        else:
            context = None
        got = self.classify(digits, has_x, context)
        if got is None:
            return False
        kind, masked = got
        if self._allowed and self._allowed_number(digits):
            return False
        if kind in (PHONE, LANDLINE) and not self.for_masking and self._shop_address and self._shop_address.search(text, 0, start):
            return False  # the shop's return-address block: its own contact, not the customer's
        if kind == PHONE and len(digits) > 11:
            # +86 / 0086 in front: keep the prefix as written, mask only the number itself.
            seen = 0
            for pos in range(end - 1, start - 1, -1):
                seen += text[pos].isdigit()
                if seen == 11:
                    start, masked = pos, masked[-11:]
                    break
        found.append(Datum(kind, start, end + (1 if has_x else 0), masked))
        return True

    # addresses ----------------------------------------------------------------------------

    def _addresses(self, text: str) -> list[Datum]:
        found: list[Datum] = []
        for m in _ADDRESS.finditer(text):
            start, end = m.span()
            if m.group("building") is not None:
                tokens = _DOOR_TOKEN.findall(m.group())
                if len(tokens) < 2 or not _BUILDING_PARTS.intersection(tokens):
                    continue
                name_end = start
            else:
                name_end = m.start("street")
            if not self.for_masking and self._shop_address and self._shop_address.search(text, 0, start):
                continue
            lo = max(found[-1].end if found else 0, name_end - _STREET_NAME_MAX)
            cut = lo
            for b in _ADDRESS_BOUNDARY.finditer(text, lo, name_end):
                cut = b.end()
            found.append(Datum(ADDRESS, cut, end, "****"))
        return found

    def _codes(self, text: str) -> list[Datum]:
        out = []
        for m in _CODE.finditer(text):
            group = 1 if m.group(1) is not None else 2
            out.append(Datum(CODE, m.start(group), m.end(group), CODE_MASK))
        return out

    def find(self, text: str, kinds: frozenset[str] | set[str] = ALL_KINDS) -> list[Datum]:
        """Every piece of personal data of the given kinds in the text, in order, not overlapping."""
        return self.select(self.candidates(text), kinds)

    def candidates(self, text: str) -> list[Datum]:
        """Everything that may be personal data, of every kind, in order (overlaps not yet resolved)."""
        if not text:
            return []
        first = self.prefilter(text)  # nearly every message stops here
        if first is None or self.for_masking and not _still_worth_masking(text, first):
            return []
        return self._candidates(text)

    def _candidates(self, text: str) -> list[Datum]:
        found = self._numbers(text)
        if _HAS_DOOR(text):
            found.extend(self._addresses(text))
        if self.for_masking and _HAS_CODE_WORD(text):
            found.extend(self._codes(text))
        if len(found) > 1:
            found.sort(key=lambda d: (d.start, -d.end))
        return found

    @staticmethod
    def select(found: list[Datum], kinds: frozenset[str] | set[str] = ALL_KINDS) -> list[Datum]:
        """The candidates of the given kinds, the earlier (and longer) one standing where two overlap."""
        out: list[Datum] = []
        for d in found:
            if d.kind not in kinds:
                continue
            if out and d.start < out[-1].end:
                continue
            out.append(d)
        return out


def apply_masks(text: str, data: list[Datum]) -> str:
    """The text with each datum (sorted, not overlapping) replaced by its masked form."""
    if not data:
        return text
    parts, pos = [], 0
    for d in data:
        parts.append(text[pos:d.start])
        parts.append(d.masked)
        pos = d.end
    parts.append(text[pos:])
    return "".join(parts)


def _still_worth_masking(text: str, first: re.Match) -> bool:
    """Whether a text in which _WORTH_A_LOOK found ``first`` may hold personal data to mask."""
    if first.lastgroup is None:
        return True
    # Four digits came first: a code next to its name, or a number or a door further on. Neither starts
    # at the first of the four digits (_WORTH_A_LOOK tried them first), one may start inside (2026号).
    return _HAS_CODE_WORD(text) is not None or _NUMBER_OR_DOOR(text, first.start() + 1) is not None


_MASKER = Detector(for_masking=True)


def find_personal_data(text: str) -> list[Datum]:
    """Every piece of customer personal data ``mask_text`` would mask in the text."""
    return _MASKER.find(text)


def mask_text(text: str) -> str:
    """The text with customer personal data masked (138****5678, 110101********1234, ****1234, 杭州市西湖区****)."""
    if not text or not isinstance(text, str):
        return text
    first = _WORTH_A_LOOK(text)  # this search alone sends nearly every text back
    if first is None or not _still_worth_masking(text, first):
        return text
    return apply_masks(text, _MASKER.select(_MASKER._candidates(text)))
