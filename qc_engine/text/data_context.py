"""Context that makes personal data in an agent message not the customer's: read by the privacy rules (PV01-PV05).

Three classes of false flag, each decided from the words around the datum, not from the datum:

- an **example** in a how-to (例如 / 比如 / 示例 / 格式如 ... just before the number, in the same
  sentence): ``例如要呼转到13810011234，就输入**21*13810011234#`` names no customer's number;
- the address of a **place of business** (a store, a service point, a warehouse, the shop's return
  address): named by a word of the place before it in the sentence (门店地址：..., 售后维修点在...) or
  right after it (...1300弄62号电信营业厅, ...88号我们仓库);
- a **self-service instruction** naming a secret (用服务密码登录营业厅, 在页面输入支付密码): the
  customer is told to use it, not to tell it (``self_service``, read by PV05).

The Detector in ``qc_engine.text.personal_data`` still finds and masks every such datum: what is
stored never depends on this module, only whether the agent is blamed for it.
"""
from __future__ import annotations

import re

from qc_engine.text.personal_data import ADDRESS, Datum

# Just before a number, in the same sentence: the number is an example of a format.
_EXAMPLE = re.compile(
    r"(?:例如|比如|譬如|举例|举个例子|示例|样例|范例|例子|例[:：]|如[:：]|格式[是为如]?|这种格式|像这样|e\.?g\.?)"
    r"[^。！？!?\n]{0,40}$",
    re.IGNORECASE,
)
# A place of business whose address an agent gives: its name right after the address, or before it.
PLACE_WORDS = (
    "营业厅", "营业部", "门店", "实体店", "体验店", "专卖店", "旗舰店", "直营店", "分店", "店铺", "专柜", "展厅", "展示厅",
    "维修点", "维修中心", "维修站", "服务中心", "服务网点", "服务站", "售后点", "售后网点", "售后中心", "网点", "自提点",
    "提货点", "取货点", "仓库", "发货仓", "工厂", "厂区", "公司", "总部", "办事处", "门市", "商场", "超市",
    # where a trip, a meal or a repair takes the customer (the shops of travel, food delivery and car parts)
    "酒店", "宾馆", "饭店", "民宿", "客栈", "景区", "景点", "游客中心", "售票处", "集合点", "集合地点", "上车点", "餐厅",
    "餐馆", "店面", "修理厂", "汽修店", "4s店", "4S店", "驿站", "快递站", "服务区",
    "琴房", "琴行", "工作室", "教室", "校区", "画室", "健身房", "球馆", "场馆", "店址", "厂址",
    "基地", "苗圃", "果园", "农场", "茶园", "茶厂", "酒厂",
)
_PLACE_BEFORE = re.compile(
    "(?:" + "|".join(map(re.escape, PLACE_WORDS)) + r"|退货|退换|寄回|(?:寄到|寄至|发回)(?![您你客买家])|返厂)"
    r"[^。！？!?\n]{0,40}$"
)
# ... or the customer invited to come (可以来试琴, 欢迎到店, 来店自提): a place open to the public.
_INVITED = ("可以来", "欢迎来", "欢迎到", "欢迎光临", "欢迎您来", "到店", "来店", "自提", "上门自取")
_PLACE_AFTER = re.compile(r"^(?:[^。！？!?\n，,；;]{0,14}?(?:" + "|".join(map(re.escape, PLACE_WORDS)) + ")"
                          r"|[^。！？!?\n]{0,10}?(?:" + "|".join(map(re.escape, _INVITED)) + "))")
_WINDOW = 48


def is_example(text: str, datum: Datum) -> bool:
    """Whether the datum is an example in an instruction (例如 13812345678 这种格式)."""
    return bool(_EXAMPLE.search(text[max(0, datum.start - _WINDOW):datum.start]))


def is_place_of_business(text: str, datum: Datum) -> bool:
    """Whether an address datum is where a store, a service point or the shop itself is."""
    if datum.kind != ADDRESS:
        return False
    if _PLACE_AFTER.search(text[datum.end:datum.end + 24].lstrip("（(【[ ")):
        return True
    return bool(_PLACE_BEFORE.search(text[max(0, datum.start - _WINDOW):datum.start]))


def not_the_customers(text: str, data: list[Datum]) -> list[Datum]:
    """The data that may be the customer's: examples and places of business left out."""
    return [d for d in data if not is_example(text, d) and not is_place_of_business(text, d)]


# A secret as the object of a verb of using it: the customer is told how to use it, not asked for it.
SELF_USE = re.compile(
    r"(?:使用|用|输入|填入|填写|凭|带上|携带|持|通过|登录|登陆|修改|重置|找回|设置|设定|更改|忘记|忘了)"
    r"(?:您的|你的|您|你)?(?:(?:手机号码?|号码|账号|帐号|用户名|有效身份证|身份证|有效证件)[和、及与]?)?"
    r"(?:原|新|初始)?(?:服务|支付|登录|登陆|初始|查询|手机|宽带|上网|账户|账号)?(?:密码|验证码)"
)
# What asks the agent to be told the secret even in an instruction (用验证码登录后把验证码发给我).
DIRECT_ASK = re.compile(r"发给我|发我|告诉我|给我|报给我|报一下|截图给我|拍给我|私信我|私信给我|念一下|输入给我")


def self_service(clause: str) -> bool:
    """Whether a clause naming a secret tells the customer to use it, without asking to be told it."""
    return bool(SELF_USE.search(clause)) and not DIRECT_ASK.search(clause)
