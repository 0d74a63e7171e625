"""Finding an agent asking for a password or an SMS verification code (提供一下验证码), not warning against
sharing one (请勿向任何人透露验证码) nor naming a product (密码锁)."""
from __future__ import annotations

import array
import re
from functools import lru_cache
from typing import Iterable

from qc_engine.text.data_context import self_service
from qc_engine.text.diskcache import cached

SECRET_WORDS = (
    "验证码", "校验码", "动态码", "短信码", "动态密码", "支付密码", "登录密码", "取款密码", "银行卡密码", "安全码", "cvv", "cvn",
    # written by sound or by initials, as evaders do
    "验证吗", "验证玛", "验正码", "验证马", "yzm", "mima", "密玛", "密马",
)
# The code in other words: the digits the customer's phone received (短信里的那串数字, 收到的6位数字码).
_SECRET_DIGITS = (r"(?:短信|手机)(?:里|上|中)?(?:收到)?的?(?:那串|那个|那几个|那几位)?(?:[4-8四五六七八]位)?(?:数字码|数字|数|码)"
                  r"|收到的(?:那串|那个|那几个|那几位)?(?:[4-8四五六七八]位)?(?:数字码|数字|数|码)(?![a-z]*[号单])")
# 密码 on its own, but not a product: 密码锁, 密码箱, 密码柜, 密码本, 密码盘, 密码器.
_SECRET_BARE = r"密码(?![锁箱柜本盘器])"
# 提供 / 告知 ask, unless the shop is the one giving (提供给您, 短信告知您).
_REQUEST_GIVING = r"提供(?!给[您你])|告知(?![您你])"
REQUEST_WORDS = (
    "告诉我", "发给我", "发我", "发过来", "发一下", "发下", "发送给我", "发送过来", "发来", "报一下", "报下",
    "报给我", "给我", "说一下", "说下", "念一下", "回复我", "回复一下", "核对", "截图给我", "拍给我", "私信我", "是多少",
    "多少", "需要您的", "麻烦您把", "输入给我",
)
# The agent named in dialect as well (发给俺, 告诉俺).
REQUEST_WORDS += tuple(w.replace("我", "俺") for w in REQUEST_WORDS if "我" in w)
# Other things an agent may ask for in the same breath (请勿透露验证码，麻烦提供一下订单号).
OTHER_OBJECTS = ("订单号", "单号", "订单", "照片", "图片", "截图", "视频", "地址", "姓名", "凭证", "手机号", "型号")
NEGATIONS = (
    "不", "别", "勿", "无需", "无须", "没必要", "谨防", "防止", "避免", "以免", "任何人", "他人", "诈骗", "骗子",
)
# Idioms that contain 不 without negating a request (能不能提供一下验证码).
_NOT_NEGATIONS = re.compile(r"能不能|可不可以|是不是|要不要|方不方便|方便不|好不好|行不行|会不会|不好意思|要不然|不然|不客气|对不起|收不到|不到账")
# What may stand around a bare request that refers back to the secret (还请您提供一下哈 / 麻烦发给我).
_FILLERS = re.compile(r"方便的话|方便|的话|如果|麻烦|请|您|你|还|再|一下|下|哦|哈|呢|吧|呀|啊|谢谢|可以|能|吗|亲|给|我|们|收到|后|就|好|的|了")
_PURPOSE = re.compile(r"[我这]?(?:帮|为|给)(?:您|你)(?!发)")
_NOT_RECEIVED = re.compile(r"收不到|没收到|未收到|没有收到")
_SENTENCES = re.compile(r"[^。！？!?\n；;]+")
_CLAUSES = re.compile(r"[^，,、~～ ]+")


def _alternation(words: Iterable[str], extra: str = "") -> re.Pattern:
    parts = [re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w]
    if extra:
        parts.append(extra)
    return re.compile("|".join(parts), re.IGNORECASE)


def _case_variants(chars: Iterable[str]) -> dict[str, str]:
    """For each character, every character ``re.IGNORECASE`` matches to it: k, K and the Kelvin sign K for k."""
    chars = set(chars)
    variants = _cased_variants("".join(sorted(c for c in chars if c.lower() != c or c.upper() != c)))
    return {c: variants.get(c, c) for c in chars}  # an uncased character, as every Han one, matches only itself


@lru_cache(maxsize=None)
def _cased_variants(cased: str) -> dict[str, str]:
    # Finding them scans every code point (0.05 s); the answer changes only with Python's version, whose
    # entries the disk cache keeps apart.
    def derive() -> dict[str, str]:
        everything = _every_character()
        return {c: "".join(re.findall(re.escape(c), everything, re.IGNORECASE)) for c in cased}

    def valid(value) -> bool:
        return (isinstance(value, dict) and sorted(value) == sorted(cased)
                and all(isinstance(v, str) and c in v for c, v in value.items()))

    return cached("case-variants", cased, derive, valid) if cased else {}


def _every_character() -> str:
    # Asking the regex engine itself, over every code point, is the one sure way to get its case rules.
    return array.array("I", range(0x110000)).tobytes().decode("utf-32-le", "surrogatepass")


def _quick_gate(words: Iterable[str]) -> re.Pattern:
    """A fast first test for a case-insensitive alternation of words: a text it rejects contains none of them.

    It asks for one of the words' first characters, in any case IGNORECASE accepts, then the rest of
    one of the words. Starting with a case-sensitive character class lets the regex engine skip
    straight to those characters instead of trying the whole alternation at every position.
    """
    words = sorted({w for w in words if w}, key=len, reverse=True)
    firsts = sorted({v for variants in _case_variants(w[0] for w in words).values() for v in variants})
    rests = "|".join(re.escape(w[1:]) for w in words)
    return re.compile(f"[{''.join(map(re.escape, firsts))}](?i:{rests})")


class SecretRequestMatcher:
    """Finds an agent asking for a password or a verification code, not warning against sharing one."""

    def __init__(self, secret_words: Iterable[str] = (), request_words: Iterable[str] = ()):
        self.secret = _alternation([*SECRET_WORDS, *secret_words], f"{_SECRET_BARE}|{_SECRET_DIGITS}")
        # None for a text that surely asks for nothing, or for messages joined none of which asks (see settings.AgentText).
        # 密码: _SECRET_BARE; 短信 / 手机 / 收到的: the first words of _SECRET_DIGITS.
        self.maybe = _quick_gate([*SECRET_WORDS, *secret_words, "密码", "短信", "手机", "收到的"]).search
        self.request = _alternation([*REQUEST_WORDS, *request_words], _REQUEST_GIVING)
        self.negation = _alternation(NEGATIONS)
        self.other = _alternation(OTHER_OBJECTS)

    def _negated(self, clause: str) -> bool:
        return bool(self.negation.search(_NOT_NEGATIONS.sub("", clause)))

    def asks(self, text: str) -> bool:
        """True when some sentence of the text asks the reader for a password or a verification code."""
        if not self.maybe(text) or not self.secret.search(text):
            return False
        for sentence in _SENTENCES.findall(text):
            if not self.secret.search(sentence):
                continue
            clauses = _CLAUSES.findall(sentence)
            secret_clause_ok = False  # a secret named, not under a negation, earlier in the sentence
            for clause in clauses:
                has_secret = bool(self.secret.search(clause))
                if has_secret and self_service(clause):
                    secret_clause_ok = False  # 用服务密码登录营业厅: how to use it, not a request
                    continue
                negated = self._negated(clause)
                if has_secret and negated:
                    secret_clause_ok = False
                    continue
                if has_secret and self.request.search(clause):
                    return True
                if has_secret:
                    secret_clause_ok = not _NOT_RECEIVED.search(clause)
                    continue
                # 验证码收到后，麻烦发给我: the request comes in the next clause and asks for nothing else.
                if secret_clause_ok and not negated and self._bare_request(clause):
                    return True
                secret_clause_ok = False
        return False

    def _bare_request(self, clause: str) -> bool:
        # What the agent will do with it (发过来我帮您改地址) names no other thing asked for.
        asked = _PURPOSE.split(clause, 1)[0]
        if not self.request.search(clause) or self.other.search(asked):
            return False
        rest = _FILLERS.sub("", self.request.sub("", asked))
        return len(rest.strip("!！~～.。 ")) <= 2
