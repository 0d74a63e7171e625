"""Vendor rules that hang or return garbage are isolated: recorded against the plugin, the rest runs."""
import json
import multiprocessing
import textwrap

import pytest

from conftest import audit, conversation, rows, write_jsonl

TEMPLATE = textwrap.dedent('''
    from qc_engine import Rule, Finding, hookimpl

    class Misbehaving(Rule):
        """Misbehaves on purpose.

        Bad:
            agent: x
        Good:
            agent: y
        """
        id = "{rule_id}"
        name = "misbehaving"
        category = "test"

        def check(self, conversation):
    {body}

    @hookimpl
    def register_rules(register):
        register(Misbehaving)
''')

HANG = "        while conversation.conversation_id == 'c1':\n            pass\n        return []"
GARBAGE = "        return ['not a finding', 42]"
BAD_INDEX = "        return [Finding('BAD01', 'test', 'minor', 99, '', '', '')]"
GOOD = "        return [self.finding(conversation, 0, 'x', 'always')]"


def plugin(tmp_path, name, rule_id, body):
    p = tmp_path / f"{name}.py"
    p.write_text(TEMPLATE.format(rule_id=rule_id, body=body), encoding="utf-8")
    return p


def day(tmp_path):
    return write_jsonl(tmp_path / "d.jsonl", [conversation(f"c{i}") for i in range(4)])


@pytest.mark.parametrize("workers", [1, 2])
def test_a_hanging_rule_is_stopped_and_recorded(tmp_path, db_path, workers):
    plugins = [plugin(tmp_path, "hang", "HANG1", HANG), plugin(tmp_path, "good", "GOOD1", GOOD)]
    s = audit([day(tmp_path)], db_path, plugin_files=plugins, workers=workers, rule_time_limit=0.3)
    assert s.audited == 4
    errs = rows(db_path, "select conversation_id, rule_id, error from rule_errors")
    assert [(c, r) for c, r, _ in errs] == [("c1", "HANG1")]
    assert "took too long" in errs[0][2]
    assert rows(db_path, "select count(*) from findings where rule_id = 'GOOD1'")[0][0] == 4
    assert sum(s.rule_errors.values()) == 1


@pytest.mark.parametrize("body, why", [(GARBAGE, "instead of a Finding"), (BAD_INDEX, "does not have")])
def test_malformed_findings_are_refused_and_recorded(tmp_path, db_path, body, why):
    plugins = [plugin(tmp_path, "bad", "BAD01", body), plugin(tmp_path, "good", "GOOD1", GOOD)]
    s = audit([day(tmp_path)], db_path, plugin_files=plugins)
    errs = rows(db_path, "select rule_id, plugin, error from rule_errors")
    assert len(errs) == 4 and all(e[0] == "BAD01" and why in e[2] for e in errs)
    assert rows(db_path, "select count(*) from findings where rule_id = 'BAD01'")[0][0] == 0
    assert rows(db_path, "select count(*) from findings where rule_id = 'GOOD1'")[0][0] == 4
    assert s.rule_errors  # the summary says which plugin failed and how often


def _audit_in_process(args):
    path, db = args
    return audit([path], db).audited


def test_two_audits_writing_one_database_both_succeed(tmp_path, db_path, monkeypatch):
    from qc_engine.run import runner

    monkeypatch.setattr(runner, "WRITE_EVERY_MESSAGES", 50)  # many small transactions, taking turns
    a = write_jsonl(tmp_path / "a.jsonl", [conversation(f"a{i}") for i in range(800)])
    b = write_jsonl(tmp_path / "b.jsonl", [conversation(f"b{i}") for i in range(800)])
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        done = pool.map(_audit_in_process, [(a, db_path), (b, db_path)])
    assert done == [800, 800]
    assert rows(db_path, "select count(*) from conversations")[0][0] == 1600
    assert rows(db_path, "select count(*), sum(status = 'complete') from runs")[0] == (2, 2)
    # Each run took its conversations' keys under the write lock: no two share one, no message is lost.
    assert rows(db_path, "select count(distinct conversation_key) from conversations")[0][0] == 1600
    assert rows(db_path, "select count(*) from messages")[0][0] == rows(db_path, "select count(*) from message_rows")[0][0] == 3200


FIGURES_TEMPLATE = textwrap.dedent('''
    from qc_engine import Metric, MetricSet, Rule, hookimpl

    class Counting(Rule):
        """Counts on purpose.

        Bad:
            agent: x
        Good:
            agent: y
        """
        id = "{rule_id}"
        name = "counting"
        category = "test"

        def check(self, conversation):
            return []

        def metrics(self, conversation):
    {body}

    @hookimpl
    def register_rules(register):
        register(Counting)
''')


def figures_plugin(tmp_path, name, rule_id, body):
    p = tmp_path / f"{name}.py"
    p.write_text(FIGURES_TEMPLATE.format(rule_id=rule_id, body=body), encoding="utf-8")
    return p


def test_figures_given_one_by_one_or_together_are_summed_per_agent(tmp_path, db_path):
    one_by_one = ("        return [Metric('vendor_score', 1.5), Metric('rounds', 10),"
                  " Metric('vendor_score', 1, agent='山野茶庄:青青')]")
    together = "        return [MetricSet({'vendor_score': 2.0, 'rounds': 100}), MetricSet({'vendor_score': 3}, '山野茶庄:青青')]"
    plugins = [figures_plugin(tmp_path, "a", "CNT01", one_by_one), figures_plugin(tmp_path, "b", "CNT02", together)]
    audit([write_jsonl(tmp_path / "d.jsonl", [conversation("c1")])], db_path, plugin_files=plugins)
    assert not rows(db_path, "select * from rule_errors")
    stored = dict(rows(db_path, "select agent, figures from metric_sets"))
    whole, agent = json.loads(stored[""]), json.loads(stored["山野茶庄:青青"])
    assert whole["vendor_score"] == 3.5 and whole["rounds"] == 111  # the latency rules' one round, plus 10 and 100
    assert agent["vendor_score"] == 4 and agent["rounds"] == 1


@pytest.mark.parametrize("body", [
    "        return [MetricSet({'rounds': 'many'})]",
    "        return [MetricSet({1: 2.0})]",
    "        return [Metric('rounds', None)]",
    "        return [{'rounds': 1}]",
])
def test_malformed_figures_are_refused_and_recorded(tmp_path, db_path, body):
    plugins = [figures_plugin(tmp_path, "bad", "CNT09", body)]
    audit([day(tmp_path)], db_path, plugin_files=plugins)
    errs = rows(db_path, "select rule_id, error from rule_errors")
    assert len(errs) == 4 and all(r == "CNT09" and "metrics must be" in e for r, e in errs)
    assert rows(db_path, "select count(*) from metric_sets where figures like '%many%'")[0][0] == 0
