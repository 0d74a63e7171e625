"""Roles of senders: shop prefixes, agents/bots lists, default bot names, system senders, placeholders."""
import pytest

from qc_engine.ingest.roles import RoleResolver, placeholder_type, split_account
from qc_engine.rulefiles.files import core_defaults

DEFAULT_BOTS = core_defaults()["bots"]  # what a run gives the loaders when no shop lists bots of its own


@pytest.mark.parametrize("sender, role", [
    ("山野茶庄:青青", "agent"), ("潮流数码旗舰店-小李", "agent"), ("山野茶庄:服务助手", "bot"), ("山野茶庄:店小蜜", "bot"),
    ("潮流数码旗舰店-京小智", "bot"), ("JIMI", "bot"), ("自动回复", "bot"), ("山野茶庄:jimi_02", "bot"),
    ("山野茶庄:小蜜蜂", "agent"), ("system", "system"), ("系统消息", "system"), ("j****db", "customer"), ("tb_8823", "customer"),
    ("auto-reply", "bot"), ("Autoreply", "bot"),
])
def test_default_roles(sender, role):
    assert RoleResolver(bots=DEFAULT_BOTS).role(sender) == role


def test_lists_from_rule_files_and_options_win():
    r = RoleResolver(agents=["小美", "店小蜜"], bots=[*DEFAULT_BOTS, "kefu_auto"], shop="山野茶庄")
    assert r.role("小美") == "agent"
    assert r.role("店小蜜") == "agent"  # a human account that happens to carry a bot's name
    assert r.role("kefu_auto") == "bot"
    assert r.role("山野茶庄:kefu_auto") == "bot"  # a shop's bot name counts as the defaults' do
    assert r.role("别家店:阿强") == "customer"  # another shop's prefix is not this shop's agent
    assert r.role("山野茶庄:阿强") == "agent"


def test_with_the_customer_known_every_other_person_is_an_agent():
    r = RoleResolver(bots=DEFAULT_BOTS, separators=":")
    assert r.role("买家:小王", customer="买家:小王") == "customer"
    assert r.role("山野茶庄", customer="买家:小王") == "agent"
    assert r.role("山野茶庄:服务助手", customer="买家:小王") == "bot"


def test_split_account():
    assert split_account("山野茶庄:青青") == ("山野茶庄", "青青")
    assert split_account("shop-a:b", ":") == ("shop-a", "b")
    assert split_account(":x") is None and split_account("plain") is None


@pytest.mark.parametrize("text, kind", [("[商品] 福鼎白茶 ¥138", "goods_card"), ("[图片]", "image"), ("[订单] 123", "order_card"),
                                        ("好的[图片]", None), ("普通消息", None)])
def test_placeholder_types(text, kind):
    assert placeholder_type(text) == kind
