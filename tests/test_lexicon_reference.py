"""Every default forbidden-phrase list is shown, with its title and entries, in the reference of the rule reporting it."""
import yaml
from click.testing import CliRunner

from conftest import ROOT
from qc_engine.cli import cli


def test_qc_rules_show_names_every_default_list_and_its_entries():
    section = yaml.safe_load((ROOT / "rules" / "defaults" / "forbidden_phrases.yaml").read_text(encoding="utf-8"))
    lists = section["forbidden_phrases"]["lists"]
    shown = {}
    for lst in lists:
        rule = lst.get("rule", "FP05")
        if rule not in shown:
            result = CliRunner().invoke(cli, ["rules", "show", rule])
            assert result.exit_code == 0, result.output
            shown[rule] = result.output
        text = shown[rule]
        assert f"`{lst['name']}`" in text and (lst.get("title") or "") in text, lst["name"]
        for phrase in lst.get("phrases") or []:
            assert (phrase if isinstance(phrase, str) else phrase["phrase"]) in text, (lst["name"], phrase)
        for pattern in lst.get("patterns") or []:
            assert pattern.get("name", "") in text, (lst["name"], pattern)
