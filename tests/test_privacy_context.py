"""Personal data that is not the customer's, and secrets named without being asked for: by class of context."""
import pytest

from qc_engine.testing import audit_lines


def privacy(text, customer="在吗"):
    result = audit_lines([f"customer: {customer}", f"agent: {text}"])
    return sorted({f.rule_id for f in result.findings if f.category == "privacy_leak"})


@pytest.mark.parametrize("text", [
    "例如要呼转到13810011234，就在拨号盘输入**21*13810011234#",
    "手机号请按这个格式填，比如13812345678，不要加空格",
    "身份证号填写示例：110101199003074477 请换成您自己的",
])
def test_an_example_in_a_how_to_is_not_a_leak(text):
    assert privacy(text) == []


@pytest.mark.parametrize("text", [
    "您说的是龙华路1300弄62号（古美广场）电信营业厅吗",
    "售后维修点地址：深圳市福田区华强北路1002号赛格广场5楼",
    "我们体验店在上海市闵行区吴中路1100号，欢迎到店看样",
    "寄回到山东省烟台市福山区港城西大街166号 仓库收",
])
def test_the_address_of_a_place_of_business_is_not_a_leak(text):
    assert privacy(text) == []


@pytest.mark.parametrize("text, rule", [
    ("您的电话是13912345678对吧，快递会联系您", "PV01"),
    ("收件地址是杭州市西湖区文三路478号华星大厦12楼1203室是吧", "PV04"),
    ("请问您反映的是浦锦路1306号的信号问题吗", "PV04"),  # a place the customer gave, not a business
    ("比对了一下，您的手机号13912345678，例如顺丰会打这个号", "PV01"),  # the example comes after the number
])
def test_the_customers_data_still_fires(text, rule):
    assert privacy(text) == [rule]


@pytest.mark.parametrize("text", [
    "您可使用手机号码、服务密码登录网上营业厅查询套餐",
    "如有疑问,可使用服务密码登录网上营业厅O网上营业厅提供详单查询",
    "需带上有效身份证和服务密码到营业厅办理",
    "在页面输入支付密码就可以完成付款了",
    "忘记密码的话可以点登录页的找回密码",
])
def test_an_instruction_to_use_a_secret_is_not_asking_for_it(text):
    assert privacy(text) == []


@pytest.mark.parametrize("text", [
    "烦请私信提供手机号码和服务密码，以便核实",
    "请您以私信的方式提供您的手机服务密码",
    "把手机短信里的那串数字发我一下",
    "您把收到的6位数字码告诉我 我帮您登录看看",
    "把yzm发我一下",
    "收到的验证吗告诉我一下哈",
    "您手机收到的验证码 方便的话发过来我帮您改地址",
    "用验证码登录不了的话，把验证码发给我",
])
def test_asking_for_a_secret_in_other_words_fires(text):
    assert privacy(text) == ["PV05"]


@pytest.mark.parametrize("text", [
    "您收到的包裹是两件吗",
    "把订单号那串数字发我一下",
    "短信里有物流单号，您看下",
])
def test_digits_that_are_not_a_code(text):
    assert privacy(text) == []
