"""Text normalization (qc_engine.text.fold) and the phrase matcher built on it."""
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qc_engine.text.phrases import Entry, PhraseMatcher
from qc_engine.text.segment import jieba_dictionary, word_bounds
from qc_engine.testing import fresh_registry, ruleset_for
from qc_engine.text.fold import fold, fold_map, simplify
from qc_plugins.rules.forbidden_phrases.lists import expand, matcher_for, merged_lists

SEPARATORS = [" ", "\u3000", "\u200b", "\u200d", "\ufeff", "-", ".", "*", "_", "~", "|", "/", "·", "\U0001F600", "\u00ad"]
# Chat-like text: Han (simplified and traditional), ASCII, full-width, punctuation, separators, emoji.
ALPHABET = st.sampled_from(list("最好第一加微信薇威vVxXqQ扣全網最低價歡迎光臨您亲的了吗，。！？,.!?:：ＶＸａ１１2３ 　-_*~|/➕＋%")
                           + SEPARATORS + ["ⓥ", "Ⅴ", "㈱", "ﬁ", "İ", "\u0301", "\U0001D42F"])
TEXTS = st.text(ALPHABET, max_size=40) | st.text(max_size=30)


@pytest.mark.parametrize("raw, folded", [
    ("加 薇 信", "加薇信"),
    ("加-微-信", "加微信"),
    ("加\u200b微\u200d信", "加微信"),
    ("ＶＸ：abc", "vxabc"),
    ("全網最低價", "全网最低价"),
    ("➕V", "+v"),
    ("加.V", "加v"),
    ("NO.1", "no1"),
    ("100%纯棉", "100%纯棉"),
    ("ⓥⓧ", "vx"),
    ("\U0001D42F\U0001D431", "vx"),  # mathematical bold letters
    ("Ⅴ信", "v信"),
    ("加😀微😀信", "加微信"),
    ("", ""),
])
def test_fold_examples(raw, folded):
    assert fold(raw) == folded


def test_simplify_keeps_spaces_and_punctuation():
    assert simplify("歡迎光臨，ＨＥＬＬＯ\u200b!") == "欢迎光临,hello!"


@given(TEXTS)
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_every_bmp_character_folds_to_a_fixed_point():
    bmp = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    folded = fold(bmp)
    assert fold(folded) == folded
    assert fold_map(bmp).text == folded


@given(TEXTS)
def test_position_map_points_inside_the_original(text):
    fm = fold_map(text)
    assert fm.text == fold(text)
    assert len(fm.src) == len(fm.text)
    assert all(0 <= i < len(text) for i in fm.src)
    assert list(fm.src) == sorted(fm.src)
    for k, i in enumerate(fm.src):
        assert fm.text[k] in fold(text[i])  # each folded character comes from the character it points at


@given(TEXTS, TEXTS)
def test_fold_of_a_concatenation_is_the_concatenation_of_folds(a, b):
    assert fold(a + b) == fold(a) + fold(b)


def test_span_gives_the_original_as_written():
    fm = fold_map("亲，加 薇-信 tea")
    start = fm.text.index("加薇信")
    o_start, o_end = fm.span(start, start + 3)
    assert fm.original[o_start:o_end] == "加 薇-信"


# --- the matcher ----------------------------------------------------------------------------------

def _entry(label, **kw):
    return Entry(rule="FP05", group="test", label=label, severity="", **kw)


def test_matcher_word_boundaries_and_allow():
    m = PhraseMatcher(phrases=[("最好", _entry("最好")), ("去死", _entry("去死"))], allow=[("最好的办法", None)])
    assert [h.evidence for h in m.scan("这款最好").hits] == ["最好"]
    assert m.scan("最好看的衣服").hits == ()  # 最好看 is one word
    assert m.scan("去死皮膏").hits == ()
    assert m.scan("最好的办法是退货").hits == ()


@pytest.fixture(scope="module")
def jieba_tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt


def test_jieba_dictionary_is_jiebas(jieba_tokenizer):
    ours = jieba_dictionary()
    ours.load_for("".join(ours._runs))
    assert ours.freq == jieba_tokenizer.FREQ
    assert ours.total == jieba_tokenizer.total


@settings(max_examples=500, deadline=None)
@given(TEXTS | st.text(st.sampled_from(list("最好看的衣服去死皮膏全网最低价格加微信\r\n \t。a1-")), max_size=30))
def test_word_boundaries_are_jiebas(jieba_tokenizer, text):
    for t in (text, fold(text)):
        assert word_bounds(t) == {0} | {end for _word, _start, end in jieba_tokenizer.tokenize(t, HMM=False)}


def test_matcher_boundary_start_lets_the_word_go_on():
    m = PhraseMatcher(phrases=[("全网最", _entry("全网最", boundary="start")), ("最低价", _entry("最低价"))])
    assert [h.entry.label for h in m.scan("全网最低价格").hits] == ["全网最"]


def test_matcher_latin_runs():
    m = PhraseMatcher(phrases=[("vx", _entry("vx"))])
    assert m.scan("vxe").hits == ()
    assert m.scan("型号VX-200").hits == ()
    assert len(m.scan("vx: abc123").hits) == 1
    assert len(m.scan("加vx123").hits) == 1
    assert len(m.scan("new vx").hits) == 1  # separated in the original: a word of its own


def test_matcher_skips_negated_clauses_only_when_asked():
    phrase = ("私下交易", _entry("私下交易", skip_negated=True))
    m = PhraseMatcher(phrases=[phrase])
    assert m.scan("我们不支持私下交易").hits == ()
    assert m.scan("私下交易是违规的").hits == ()
    assert len(m.scan("咱们私下交易，便宜").hits) == 1
    assert len(PhraseMatcher(phrases=[("私下交易", _entry("私下交易"))]).scan("我们不支持私下交易").hits) == 1


def test_matcher_scan_is_memoized_but_pure():
    def matcher():
        return PhraseMatcher(phrases=[("全网最低价", _entry("全网最低价"))], cache_size=2)
    m = matcher()
    texts = ["全网最低价", "你好", "全 网 最 低 价", "全网最低价"]
    assert [m.scan(t) for t in texts] == [matcher().scan(t) for t in texts] == [m.scan(t) for t in reversed(texts)][::-1]


def test_matcher_regexes_run_for_their_rule_only():
    slow = Entry(rule="FP05", group="slow", label="(a|aa)+$", severity="", is_regex=True)
    m = PhraseMatcher(phrases=[("全网最低价", Entry(rule="FP01", group="ad", label="全网最低价", severity=""))],
                      regexes=[("(a|aa)+$", slow, ())], regex_timeout=0.01)
    text = "a" * 60 + "b全网最低价"
    assert m.scan(text, "FP01").timeouts == () and len(m.scan(text, "FP01").hits) == 1
    assert m.scan(text, "FP05").timeouts == (slow,)


def test_invalid_regex_names_the_pattern():
    with pytest.raises(ValueError, match=r"\(abc.*in list 'test'"):
        PhraseMatcher(regexes=[("(abc", _entry("(abc", is_regex=True), ())])


# --- every default phrase, with evasions ------------------------------------------------------------

def _default_phrases():
    config = ruleset_for(registry=fresh_registry()).config
    section = config["forbidden_phrases"]
    out = []
    for lst in merged_lists(section):
        for item in lst["phrases"]:
            phrase = item if isinstance(item, str) else item["phrase"]
            out.extend((lst.get("rule", "FP05"), p) for p in expand(phrase, section.get("variants") or {}))
    return matcher_for(config), out


MATCHER, PHRASES = _default_phrases()


def _rules_found(text):
    return {h.entry.rule for h in MATCHER.scan(text).hits}


def test_every_default_phrase_fires_in_a_plain_sentence():
    missed = [(rule, p) for rule, p in PHRASES if rule not in _rules_found(f"亲，{p}。")]
    assert not missed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PHRASES), st.data())
def test_separators_inside_a_default_phrase_do_not_hide_it(rule_phrase, data):
    rule, phrase = rule_phrase
    seps = data.draw(st.lists(st.text(st.sampled_from(SEPARATORS), max_size=3),
                              min_size=len(phrase) - 1, max_size=len(phrase) - 1))
    spaced = phrase[0] + "".join(s + c for s, c in zip(seps, phrase[1:]))
    assert rule in _rules_found(f"亲，{spaced}。")
