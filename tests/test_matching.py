"""Matching that generalizes: numbers either way, colloquial forms, words between parts, sounds, emoticons."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

from qc_engine.text import emoticons, pinyin
from qc_engine.text.fold import fold
from qc_engine.text.patterns import combine
from qc_engine.text.variants import number_forms, parse_term, spell
from qc_plugins.rules.forbidden_phrases.lists import matcher_for

SECTION = {
    "variants": {"微信": ["微信", "vx", "薇信"], "加": ["加", "加个", "加我", "添加"]},
    "lists": [
        {"name": "phrases", "rule": "FP05", "phrases": ["返5元", "五星好评返现", "不知道", "你自己去问", "第一品牌", "呵呵"],
         "allow": ["第一时间"]},
        {"name": "bribes", "rule": "FP05", "skip_negated": True, "patterns": [
            {"name": "好评返现", "all": [["~好评", "五星"], ["返", "返现", "送"], "{数}元"], "within": 10,
             "unless": ["不能", "不支持", "禁止"]},
        ]},
        {"name": "lures", "rule": "FP02", "patterns": [
            {"name": "加微信", "all": ["{加}", "~{微信}"], "within": 4, "ordered": True, "unless": ["不能", "不可以", "不支持"]},
            {"name": "私下交易", "all": ["私下", ["交易", "转账", "付款"]], "within": 6, "unless": ["不支持", "不能", "禁止"]},
        ]},
    ],
}


def labels(text: str, section=SECTION) -> list[str]:
    return [h.entry.label for h in matcher_for({"forbidden_phrases": section}).scan(text).hits]


@pytest.mark.parametrize("text", ["好评返五元", "返伍元", "返 5 元", "亲，5星好评返现哦"])
def test_numbers_either_way(text):
    assert labels(text), text


@pytest.mark.parametrize("text", ["返15元", "第一时间发货", "最近有五星好评吗"])
def test_numbers_are_not_other_numbers(text):
    assert not [x for x in labels(text) if x in ("返5元", "第一品牌", "五星好评返现")], text


def test_ordinal_written_in_digits():
    assert labels("我们是第1品牌") == ["第一品牌"]


@pytest.mark.parametrize("text", ["我也不晓得", "您自己去问快递", "这个俺也不知道"])
def test_colloquial_variants(text):
    assert labels(text), text


@pytest.mark.parametrize("text", [
    "给个五星好评，联系客服返您5元",   # words between the parts
    "好评截图发我，返现十元",          # the number in Chinese numerals
    "好评后送您3元红包",
    "晒图好评返伍元",                  # financial numerals
    "给个好平返5元",                   # a homophone of 好评
])
def test_patterns_with_words_between(text):
    assert "好评返现" in labels(text), text


@pytest.mark.parametrize("text", [
    "好评不能返5元的哦",                  # refused in the clause
    "五星好评谢谢亲，我们店铺满100元包邮，今天下单送小样",  # too far apart
    "好评返回首页可以看到10元券",           # 返 inside the word 返回
])
def test_patterns_not_matched(text):
    assert "好评返现" not in labels(text), text


@pytest.mark.parametrize("text", ["加我威信聊", "加个维信", "添加我的vx", "加 薇 信", "加我微x", "加weixin"])
def test_lure_by_sound(text):
    assert "加微信" in labels(text), text


@pytest.mark.parametrize("text", ["不能加微信哦", "平台不支持私下交易", "这是微信加密的", "加为新会员有优惠"])
def test_lure_refused_or_other_words(text):
    assert not labels(text), text


def test_ordered_pattern_needs_the_order():
    assert "加微信" not in labels("微信好友加满了")


def test_emoticon_codes_are_not_words():
    assert labels("好的[呵呵]") == []
    assert labels("好的/:^_^[微笑]") == []
    assert labels("呵呵，你自己看吧") == ["呵呵"]


def test_emoticon_between_parts_of_a_lure():
    assert "加微信" in labels("加[微笑]微信")


def test_customers_words_are_not_findings():
    from qc_engine.audit.engine import audit_conversation
    from qc_engine.audit.ruleset import compile_ruleset
    from qc_engine.plugins import collect, load_plugins
    from qc_engine.testing import conversation_from_lines

    registry = collect(load_plugins())
    from qc_engine.rulefiles.files import RuleFile

    ruleset = compile_ruleset(registry, [RuleFile("t.yaml", {"forbidden_phrases": SECTION}, "0")])
    conv = conversation_from_lines([("customer", 0, "好评返5元吗？加我威信"), ("agent", 5, "亲，平台不支持的哦")])
    assert [f for f in audit_conversation(conv, ruleset).findings if f.category == "forbidden_phrase"] == []


def test_combine_within_and_order():
    assert combine([[(0, 2)], [(5, 6)]], within=3, ordered=True) == (0, 6)  # 3 characters between
    assert combine([[(0, 2)], [(5, 6)]], within=2, ordered=True) is None
    assert combine([[(5, 6)], [(0, 2)]], within=10, ordered=True) is None
    assert combine([[(5, 6)], [(0, 2)]], within=10, ordered=False) == (0, 6)
    assert combine([[(0, 2)], [(1, 2)]], within=10, ordered=False) is None  # parts may not overlap
    assert combine([[(0, 2), (20, 22)], [(24, 25)]], within=3, ordered=False) == (20, 25)
    assert combine([[(0, 1)], [(1, 7)]], within=0, ordered=True) == (0, 7)  # 加weixin: adjacent


def test_term_expansion():
    assert set(parse_term("返5元", {}).spellings) >= {"返5元", "返五元", "返伍元"}
    assert set(parse_term("五星好评", {}).spellings) >= {"5星好评"}
    assert parse_term("一流", {}).spellings == ("一流",)  # a numeral inside a word is not a number
    assert set(parse_term("~好评", {}).spellings) >= {"好评", "haoping", "hp"}
    assert parse_term("返{数}元", {}).regex
    with pytest.raises(ValueError, match="needs a word"):
        parse_term("{数}", {})
    with pytest.raises(ValueError, match="does not define"):
        parse_term("{未知}", {})


def test_validate_names_the_file_and_the_pattern(tmp_path):
    bad = tmp_path / "shop.yaml"
    bad.write_text("version: 1\nforbidden_phrases:\n  lists:\n    - name: mine\n      patterns:\n"
                   "        - {name: 返现, all: [好评, '{没有}'], within: 5}\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "qc_engine", "rules", "validate", str(bad)],
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert str(bad) in out.stdout and "pattern 1 (返现)" in out.stdout and "{没有}" in out.stdout


def test_validate_rejects_unknown_pattern_keys(tmp_path):
    bad = tmp_path / "shop.yaml"
    bad.write_text("version: 1\nforbidden_phrases:\n  lists:\n    - name: mine\n      patterns:\n"
                   "        - {all: [好评, 返现], distance: 5}\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "qc_engine", "rules", "validate", str(bad)],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "patterns/0" in out.stdout and "distance" in out.stdout


# Normalizers, for any input.

@given(st.text(max_size=60))
def test_blanking_emoticons_keeps_positions(text):
    out = emoticons.blank(text)
    assert len(out) == len(text)
    assert all(a == b or a == " " for a, b in zip(out, text))
    assert emoticons.blank(out) == out


@given(st.text(alphabet="[]/:#E-呵哈微笑abcQ^_0123 ", max_size=40))
def test_blanking_codes_alphabet(text):
    out = emoticons.blank(text)
    assert len(out) == len(text) and emoticons.find(out) == []


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10 ** 8))
def test_number_forms_round_trip(n):
    import cn2an

    forms = number_forms(str(n))
    assert forms[0] == str(n)
    for form in forms[1:]:
        assert cn2an.cn2an(form, "normal") == n or form == "两" and n == 2
        assert str(n) in number_forms(form)


@given(st.text(max_size=40))
def test_sound_view_same_length(text):
    folded = fold(text)
    assert len(pinyin.sound_view(folded)) == len(folded)


@given(st.text(alphabet="好评号平返现你您我什么啥知道的了吗5五元", min_size=1, max_size=8))
def test_spellings_include_the_term(text):
    assert fold(text) in spell(text)


def test_sound_view_homophones():
    assert pinyin.sound_view("好评") == pinyin.sound_view("好平") == pinyin.sound_view("号评")
    assert pinyin.sound_view("微信") == pinyin.sound_view("威信")
    assert pinyin.sound_view("好评") != pinyin.sound_view("好看")
    assert {"haoping", "hp", "好ping", "hao评"} <= set(pinyin.spellings("好评"))
