"""Rule files: strict validation with errors that say where, safe parsing, merging, shop isolation."""
import pytest

from qc_engine.plugins import Registry
from qc_engine.rulefiles.files import RuleFileError, load_rule_file, merge, rule_file_schema
from qc_engine.audit.ruleset import RuleBook

SCHEMA = rule_file_schema()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text, where, what", [
    ("version: 1\nbogus: 1\n", "(top level)", "unknown key 'bogus'"),
    ("shops: 山野茶庄\n", "shops", ""),
    ("rules:\n  FP01: {severity: hgih}\n", "rules/FP01/severity", "'hgih' is not one of"),
    ("rules:\n  fp01: {enabled: false}\n", "rules", "does not match"),
    ("scoring:\n  weights: {major: -1}\n", "scoring/weights/major", "less than the minimum"),
    ("tests:\n  - {text: hi}\n", "tests/0", "'expect' is a required property"),
])
def test_schema_errors_name_file_path_and_expectation(tmp_path, text, where, what):
    p = write(tmp_path, "shop.yaml", text)
    with pytest.raises(RuleFileError) as err:
        load_rule_file(p, SCHEMA)
    msg = str(err.value)
    assert msg.startswith(f"{p}: at {where}:") and what in msg


def test_yaml_aliases_are_refused(tmp_path):
    bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    with pytest.raises(RuleFileError, match="aliases"):
        load_rule_file(write(tmp_path, "bomb.yaml", bomb), SCHEMA)


def test_broken_yaml_and_json_say_where(tmp_path):
    with pytest.raises(RuleFileError, match=r"a.yaml: at line 3: not valid YAML"):
        load_rule_file(write(tmp_path, "a.yaml", "version: 1\nshops: [a\n"), SCHEMA)
    with pytest.raises(RuleFileError, match=r"a.json: at line 1: not valid JSON"):
        load_rule_file(write(tmp_path, "a.json", '{"version": 1,,}'), SCHEMA)


def test_python_objects_cannot_be_smuggled_in(tmp_path):
    with pytest.raises(RuleFileError, match="not valid YAML"):
        load_rule_file(write(tmp_path, "evil.yaml", "name: !!python/object/apply:os.system ['echo hi']\n"), SCHEMA)


def test_merge_adds_lists_merges_mappings_replaces_values():
    base = {"bots": ["店小蜜"], "scoring": {"start": 100, "weights": {"minor": 2}}, "name": "defaults"}
    layer = {"bots": ["jimi"], "scoring": {"weights": {"major": 6}}, "timezone": "Asia/Tokyo", "name": "shop"}
    assert merge(base, layer) == {
        "bots": ["店小蜜", "jimi"], "scoring": {"start": 100, "weights": {"minor": 2, "major": 6}},
        "name": "defaults", "timezone": "Asia/Tokyo",
    }


def test_each_shop_gets_only_its_own_files(tmp_path):
    general = write(tmp_path, "all.yaml", "bots: [通用机器人]\n")
    tea = write(tmp_path, "tea.yaml", "shops: [山野茶庄]\nbots: [茶小蜜]\n")
    pets = write(tmp_path, "pets.yaml", "shops: [萌宠用品店]\nbots: [宠小蜜]\n")
    book = RuleBook(Registry(), [general, tea, pets])
    assert book.for_shop("山野茶庄").config["bots"] == ["通用机器人", "茶小蜜"]
    assert book.for_shop("萌宠用品店").config["bots"] == ["通用机器人", "宠小蜜"]
    assert book.for_shop("别家").config["bots"] == ["通用机器人"]
    assert [f.name for f in book.for_shop("山野茶庄").files] == ["all.yaml", "tea.yaml"]


def test_a_file_seen_valid_is_not_validated_again_but_a_bad_one_always_is(tmp_path, monkeypatch):
    import qc_engine.rulefiles.files as rulefiles

    good = write(tmp_path, "good.yaml", "version: 1\nrules:\n  FP01: {severity: major}\n")
    bad = write(tmp_path, "bad.yaml", "version: 1\nbogus: 1\n")
    first = load_rule_file(good, SCHEMA)
    for _ in range(2):
        with pytest.raises(RuleFileError, match="unknown key 'bogus'"):
            load_rule_file(bad, SCHEMA)
    calls = []
    real = rulefiles.validate
    monkeypatch.setattr(rulefiles, "validate", lambda *a: calls.append(a) or real(*a))
    assert load_rule_file(good, SCHEMA) == first
    assert calls == []
    # The same content under another schema, or changed content, is validated again.
    load_rule_file(good, {**SCHEMA, "description": "another"})
    good.write_text("version: 1\nrules:\n  FP01: {severity: minor}\n", encoding="utf-8")
    load_rule_file(good, SCHEMA)
    assert len(calls) == 2
