"""Round trips: any conversation rendered in a platform's export format loads back as the same conversation."""
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qc_plugins.loaders.csv import CsvLoader
from qc_plugins.loaders.jd_dongdong import JdDongdongLoader
from qc_plugins.loaders.wangwang import WangwangLoader
from qc_plugins.loaders.wecom import WecomLoader
from renderers import essentials, load_all, render_csv, render_jd, render_wangwang, render_wecom, write

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SHOPS = ["山野茶庄", "萌宠用品店", "潮流数码旗舰店"]
AGENTS = ["青青", "小美", "阿杰", "kefu01"]
BOTS = ["店小蜜", "服务助手", "机器人"]
# Chat text without the characters that make a line look like an export's own structure ( ( : - = * / ).
CHAT_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成可主发年动同工也能下过子说产种面而方后多定"
    "您好吗茶猫狗耳机货退款包邮尺码颜色快递明天今天谢谢亲"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789，。！？ []@#%.~"
)
ENCODINGS = ["gb18030", "utf-8", "utf-8-sig", "utf-16"]

line_text = st.text(st.sampled_from(CHAT_CHARS), min_size=1, max_size=30).map(str.strip).filter(bool)
chat_text = st.lists(st.one_of(line_text, line_text, st.just("")), min_size=1, max_size=4).map(
    lambda lines: "\n".join(lines).strip()
)
nick = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_茶猫狗小大"), min_size=2, max_size=12)


def spoken(conv: dict) -> dict:
    """The conversation as an export without a customer column shows it: no customer when none spoke."""
    return dict(conv, customer=conv["customer"] if any(m["role"] == "customer" for m in conv["messages"]) else None)


@st.composite
def conversation(draw, sep=":", masked=False, any_text=False, start=datetime(2026, 11, 20, 8, 0, 0)):
    """A conversation dict with at least one agent message; times advance by up to two hours."""
    shop = draw(st.sampled_from(SHOPS))
    customer = draw(nick)
    if masked:
        customer = f"{customer[0]}****{customer[-1]}"
    n = draw(st.integers(1, 10))
    roles = draw(st.lists(st.sampled_from(["customer", "customer", "agent", "agent", "bot"]), min_size=n, max_size=n))
    roles[draw(st.integers(0, n - 1))] = "agent"
    t = start + timedelta(seconds=draw(st.integers(0, 36000)))
    messages = []
    for role in roles:
        t += timedelta(seconds=draw(st.integers(0, 7200)))
        sender = {"customer": customer,
                  "agent": f"{shop}{sep}{draw(st.sampled_from(AGENTS))}",
                  "bot": f"{shop}{sep}{draw(st.sampled_from(BOTS))}"}[role]
        text = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters="\n\t"), max_size=80)
                    if any_text else chat_text)
        messages.append({"ts": t.isoformat(), "role": role, "sender": sender, "text": text})
    return {"conversation_id": f"c-{draw(st.uuids()).hex[:12]}", "shop": shop, "customer": customer, "messages": messages}


@SETTINGS
@given(st.lists(conversation(), min_size=1, max_size=4), st.sampled_from(ENCODINGS), st.sampled_from(["\r\n", "\n"]), st.booleans())
def test_wangwang_round_trip(tmp_path, convs, encoding, newline, time_first):
    path = write(tmp_path / "export.txt", render_wangwang(convs, time_first=time_first), encoding, newline)
    records, rejected = load_all(WangwangLoader(), path)
    assert rejected == []
    assert [essentials(r.data) for r in records] == [essentials(c) for c in convs]
    # Ids are distinct wherever shop, customer or start differ (a shop's ids never meet another shop's).
    assert len({r.data["conversation_id"] for r in records}) == len({(c["shop"], c["customer"], c["messages"][0]["ts"]) for c in convs})


@SETTINGS
@given(st.lists(conversation(sep="-", masked=True), min_size=1, max_size=4), st.sampled_from(ENCODINGS), st.booleans(), st.booleans())
def test_jd_round_trip(tmp_path, convs, encoding, end_with_time, leading_space):
    path = write(tmp_path / "jd.txt", render_jd(convs, end_with_time, leading_space), encoding, "\r\n")
    records, rejected = load_all(JdDongdongLoader(), path)
    assert rejected == []
    loaded = [essentials(r.data) for r in records]
    # The export names no customer: a chat where the customer never spoke has none. The shop's accounts
    # come back as <shop>:<name>, as every platform's are stored.
    expected = [essentials(dict(spoken(c), customer=spoken(c)["customer"] or "", messages=[
        dict(m, sender=m["sender"].replace("-", ":", 1) if m["role"] != "customer" else m["sender"])
        for m in spoken(c)["messages"]])) for c in convs]
    assert loaded == expected
    assert [r.line for r in records] == [i for i, line in enumerate(path.read_bytes().decode(encoding).splitlines(), 1) if "以下为一通会话" in line]


@SETTINGS
@given(st.lists(conversation(any_text=True), min_size=1, max_size=4, unique_by=lambda c: c["conversation_id"]),
       st.sampled_from(ENCODINGS), st.booleans())
def test_csv_round_trip(tmp_path, convs, encoding, interleaved):
    # Interleaved: rows sorted by time across conversations, as some exports are.
    path = write(tmp_path / "chats.csv", render_csv(convs, by_time=interleaved), encoding, "\r\n")
    records, rejected = load_all(CsvLoader(), path)
    assert rejected == []
    assert sorted(map(repr, (essentials(r.data) for r in records))) == sorted(repr(essentials(spoken(c))) for c in convs)
    assert sorted(r.data["conversation_id"] for r in records) == sorted(c["conversation_id"] for c in convs)


@SETTINGS
@given(st.lists(conversation(any_text=True), min_size=1, max_size=3))
def test_wecom_round_trip(tmp_path, convs):
    for i, conv in enumerate(convs):  # distinct external contacts of one staff member
        conv["customer"] = f"wo{i}x{conv['customer']}"
        conv["shop"] = "山野茶庄"
        for m in conv["messages"]:
            if m["role"] == "customer":
                m["sender"] = conv["customer"]
            else:
                m["role"], m["sender"] = "agent", "qingqing"
    path = write(tmp_path / "msgaudit.jsonl", render_wecom(convs))
    records, rejected = load_all(WecomLoader(), path, shop="山野茶庄", extra={"session_gap_minutes": 24 * 60})
    assert rejected == []
    assert sorted(map(repr, (essentials(r.data) for r in records))) == sorted(repr(essentials(c)) for c in convs)
    assert all(r.data["messages"][0]["ts"].endswith("+08:00") for r in records)
