"""Vendor plugins are guests: whatever a rule does or returns, the run goes on, the store keeps what was read,
and a rule that keeps failing is switched off, recorded against its plugin and conversation."""
import json
import math

import pytest

from conftest import audit, conversation, rows, write_jsonl
from test_misbehaving_plugins import plugin

CASES = {
    "exits": "        import sys\n        sys.exit(3)",
    "exits_in_generator": "        import sys\n        yield from ()\n        sys.exit(0)",
    "points_as_text": "        f = self.finding(conversation, 0, 'x', 'y')\n        f.points = 'ten'\n        return [f]",
    "points_nan": "        f = self.finding(conversation, 0, 'x', 'y')\n        f.points = float('nan')\n        return [f]",
    "points_negative": "        f = self.finding(conversation, 0, 'x', 'y')\n        f.points = -1e308\n        return [f]",
    "red_line_text": "        f = self.finding(conversation, 0, 'x', 'y')\n        f.red_line = 'yes'\n        return [f]",
    "clears_messages": "        conversation.messages.clear()\n        conversation.shop = 'elsewhere'\n        return []",
    "replaces_messages": "        conversation.messages = []\n        return []",
    "edits_a_message": "        conversation.messages[0].text = 'changed'\n        return []",
    "str_raises": "        class E(Exception):\n            def __str__(self):\n                raise ValueError()\n        raise E()",
}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_misbehaving_rule_never_costs_the_run_nor_what_is_stored(tmp_path, db_path, case, workers):
    path = write_jsonl(tmp_path / "d.jsonl", [conversation(f"c{i}") for i in range(8)])
    summary = audit([path], db_path, workers=workers, plugin_files=[plugin(tmp_path, case, "GST01", CASES[case])])
    assert rows(db_path, "select status from runs") == [("complete",)]
    assert summary.audited == 8
    assert rows(db_path, "select count(*), min(shop), max(shop) from conversations") == [(8, "山野茶庄", "山野茶庄")]
    assert rows(db_path, "select count(*) from messages where text in ('在吗', '您好，在的')") == [(16,)]
    scores = [r[0] for r in rows(db_path, "select score from conversations")]
    assert all(0 <= s <= 100 and not math.isnan(s) for s in scores)
    assert all(isinstance(p, float) and 0 <= p <= 100 for p, in rows(db_path, "select points from findings where points is not null"))
    if case not in ("clears_messages", "replaces_messages"):
        errors = rows(db_path, "select plugin, conversation_id from rule_errors where rule_id = 'GST01'")
        assert errors and all(plugin_name and cid.startswith("c") for plugin_name, cid in errors)


def test_huge_points_are_bounded(tmp_path, db_path):
    body = "        f = self.finding(conversation, 0, 'x', 'y')\n        f.points = 1e308\n        return [f]"
    path = write_jsonl(tmp_path / "d.jsonl", [conversation("c1")])
    audit([path], db_path, plugin_files=[plugin(tmp_path, "huge", "GST02", body)])
    assert rows(db_path, "select points from findings where rule_id = 'GST02'") == [(100.0,)]
    assert rows(db_path, "select score from conversations") == [(0.0,)]


def test_a_rule_that_keeps_running_out_of_time_is_disabled_and_said_so(tmp_path, db_path):
    path = write_jsonl(tmp_path / "d.jsonl", [conversation(f"c{i}") for i in range(30)])
    body = "        import time\n        time.sleep(2)\n        return []"
    audit([path], db_path, rule_time_limit=0.1, plugin_files=[plugin(tmp_path, "sleeps", "GST03", body)])
    n, = rows(db_path, "select count(*) from rule_errors where rule_id = 'GST03'")[0]
    assert 0 < n < 30
    problems = json.loads(rows(db_path, "select problems from runs")[0][0])
    assert any("GST03" in p and "disabled" in p for p in problems)


def test_evidence_is_bounded(tmp_path, db_path):
    body = "        return [self.finding(conversation, 0, 'x' * 5_000_000, 'y' * 5_000_000)]"
    path = write_jsonl(tmp_path / "d.jsonl", [conversation(f"c{i}") for i in range(3)])
    audit([path], db_path, plugin_files=[plugin(tmp_path, "big", "GST04", body)])
    longest, = rows(db_path, "select max(length(evidence) + length(reason)) from findings")[0]
    assert longest < 10_000
    assert db_path.stat().st_size < 5_000_000


DEATHS = {
    "os_exit": "        import os\n        if conversation.conversation_id == 'c3':\n            os._exit(1)\n        return []",
    "killed": "        import os, signal\n        if conversation.conversation_id == 'c3':\n            os.kill(os.getpid(), signal.SIGKILL)\n        return []",
    "ignores_time_limit": ("        if conversation.conversation_id == 'c3':\n            while True:\n                try:\n"
                           "                    while True:\n                        pass\n                except BaseException:\n"
                           "                    pass\n        return []"),
}


@pytest.mark.parametrize("case", sorted(DEATHS))
def test_a_rule_that_ends_or_hangs_its_process_costs_only_itself(tmp_path, db_path, case):
    path = write_jsonl(tmp_path / "d.jsonl", [conversation(f"c{i}") for i in range(8)])
    summary = audit([path], db_path, workers=2, rule_time_limit=0.5,
                    plugin_files=[plugin(tmp_path, case, "GST05", DEATHS[case])])
    assert rows(db_path, "select status from runs") == [("complete",)]
    assert (summary.audited, summary.rejected) == (8, 0)
    assert rows(db_path, "select count(*) from messages") == [(16,)]
    errors = rows(db_path, "select conversation_id, plugin from rule_errors where rule_id = 'GST05'")
    assert [(cid, plugin_name.endswith(case + ".py")) for cid, plugin_name in errors] == [("c3", True)]
    problems = json.loads(rows(db_path, "select problems from runs")[0][0])
    assert any("GST05" in p and "disabled" in p for p in problems)
    # the other rules still judged c3
    assert rows(db_path, "select count(*) from findings where conversation_id = 'c3'") == \
        rows(db_path, "select count(*) from findings where conversation_id = 'c4'")


def test_a_rules_exception_text_is_stored_masked(tmp_path, db_path):
    body = "        raise ValueError('failed on 13812345678, 身份证 110101199003074514')"
    path = write_jsonl(tmp_path / "d.jsonl", [conversation("c1")])
    audit([path], db_path, plugin_files=[plugin(tmp_path, "leaks", "GST06", body)])
    error, = rows(db_path, "select error from rule_errors where rule_id = 'GST06'")[0]
    assert "ValueError" in error and "13812345678" not in error and "110101199003074514" not in error
