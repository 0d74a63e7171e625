"""Sampling for review: every red line, a weighted share per agent, reproducible with a seed."""
from collections import Counter

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from qc_engine.cli import cli
from qc_engine.review.verdicts import record_verdict
from qc_engine.review.sampling import RED_LINE, draw_sample, stored_sample, weight
from qc_engine.store import open_db

from test_rollup import AD_TERM, DAY, GOOD, LEAK, SHOP, build_store, chat, finding_id


def many_chats():
    """Agent 青青: 20 good, 10 with an ad term, 2 red lines; agent 小禾: 10 good."""
    chats = [chat(f"g{i}", SHOP, "青青", GOOD, minute=i % 60) for i in range(20)]
    chats += [chat(f"f{i}", SHOP, "青青", AD_TERM, minute=i) for i in range(10)]
    chats += [chat(f"r{i}", SHOP, "青青", LEAK, minute=i) for i in range(2)]
    chats += [chat(f"h{i}", SHOP, "小禾", GOOD, minute=i) for i in range(10)]
    return chats


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("sampling"), many_chats())


@pytest.fixture
def db(store, tmp_path):
    copy = tmp_path / "qc.db"
    copy.write_bytes(store.read_bytes())
    return open_db(copy)


def test_every_red_line_plus_a_share_of_each_agent(db):
    picks = draw_sample(db, DAY, share=0.1, seed=1)
    red = {p.conversation_id for p in picks if p.reason == RED_LINE}
    assert red == {"r0", "r1"}
    per_agent = Counter(p.agent for p in picks if p.reason != RED_LINE)
    assert per_agent == {f"{SHOP}:青青": 3, f"{SHOP}:小禾": 1}  # ceil(10% of 30), ceil(10% of 10)
    assert len({p.conversation_id for p in picks}) == len(picks)


def test_the_same_seed_gives_the_same_sample_and_another_seed_may_not(db):
    first = draw_sample(db, DAY, share=0.3, seed=42)
    assert draw_sample(db, DAY, share=0.3, seed=42) == first
    assert any(draw_sample(db, DAY, share=0.3, seed=s) != first for s in range(1, 6))


def test_low_scores_are_picked_more_often(db):
    low = total = 0
    for seed in range(200):
        for p in draw_sample(db, DAY, share=0.1, seed=seed):
            if p.reason != RED_LINE and p.agent.endswith("青青"):
                total += 1
                low += p.score < 100
    # a third of 青青's conversations lost points; weighted, they make up clearly more than a third of picks
    assert low / total > 0.42


def test_an_overturned_red_line_is_no_longer_forced_in(db):
    record_verdict(db, finding_id(db, "r0", "PV01"), "overturned", "号码是店铺热线", "王质检")
    red = {p.conversation_id for p in draw_sample(db, DAY, share=0, seed=1)}
    assert red == {"r1"}


def test_qc_sample_stores_the_pick_and_replaces_it_on_rerun(db, tmp_path):
    path = tmp_path / "qc.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["sample", "--db", str(path), "--date", DAY, "--share", "0.5", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "2 red line" in result.output
    first = stored_sample(open_db(path), DAY)
    assert first[0]["reason"] == RED_LINE and {r["seed"] for r in first} == {7}
    runner.invoke(cli, ["sample", "--db", str(path), "--date", DAY, "--share", "0", "--seed", "7"])
    assert {r["conversation_id"] for r in stored_sample(open_db(path), DAY)} == {"r0", "r1"}


def test_qc_sample_errors_are_one_line(db, tmp_path):
    result = CliRunner().invoke(cli, ["sample", "--db", str(tmp_path / "qc.db"), "--date", "2030-01-01"])
    assert result.exit_code != 0 and "no conversations on 2030-01-01" in result.output
    result = CliRunner().invoke(cli, ["sample", "--db", str(tmp_path / "qc.db"), "--date", "20/11"])
    assert result.exit_code != 0 and "--date" in result.output


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-50, max_value=150))
def test_weight_is_at_least_one_and_never_rises_with_the_score(score):
    assert weight(score) >= 1
    assert weight(score) >= weight(score + 1)
