"""The day generator behind the benchmark and sample_logs: deterministic, schema-valid, honest labels."""
from __future__ import annotations

import itertools
import json
import re
import sys
from datetime import datetime
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings, strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import daygen  # noqa: E402
import daygen_phrases as P  # noqa: E402

SCHEMA = json.loads(files("qc_engine").joinpath("schemas/conversation.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
GREETING_WORDS = ("您好", "你好", "欢迎", "在的", "亲", "早上好", "hello")
CLOSING_WORDS = ("感谢", "谢谢", "再见", "祝", "欢迎下次", "拜拜", "随时")


def generate(tmp_path, name="day", **cfg):
    out, labels = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.labels.jsonl"
    jobs = cfg.pop("jobs", 1)
    counts = daygen.write_day(daygen.DayConfig(**cfg), out=out, labels=labels, jobs=jobs)
    return out, labels, counts


def read_day(out: Path, labels: Path):
    lines = out.read_text(encoding="utf-8").splitlines()
    labs = [json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(labs)
    return lines, labs


def epoch(ts: str) -> int:
    return int(datetime.fromisoformat(ts).timestamp())


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """About 2,000 conversations where every violation kind has a 4% share."""
    tmp = tmp_path_factory.mktemp("day")
    out, labels, counts = generate(tmp, messages=20_000, seed=7, rates=dict.fromkeys(daygen.KINDS, 0.04))
    lines, labs = read_day(out, labels)
    return [json.loads(x) for x in lines], labs, counts


# -- determinism and shape ------------------------------------------------------------------------

def test_same_seed_gives_the_same_bytes_and_worker_processes_do_not_change_them(tmp_path):
    a, la, _ = generate(tmp_path, "a", messages=3000, seed=3, broken=2)
    b, lb, _ = generate(tmp_path, "b", messages=3000, seed=3, broken=2, jobs=2)
    c, _, _ = generate(tmp_path, "c", messages=3000, seed=4, broken=2)
    assert a.read_bytes() == b.read_bytes()
    assert la.read_bytes() == lb.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_the_size_is_about_what_was_asked(tmp_path):
    out, _, counts = generate(tmp_path, messages=12_000, seed=1)
    assert 11_900 <= counts["messages"] <= 12_100
    lines = out.read_text(encoding="utf-8").splitlines()
    assert sum(len(json.loads(x)["messages"]) for x in lines) == counts["messages"]
    assert len(lines) == counts["conversations"]


def test_every_record_is_schema_valid_unique_and_in_time_order(day):
    convs, _, counts = day
    ids = [c["conversation_id"] for c in convs]
    assert len(set(ids)) == len(ids) == counts["conversations"]
    starts = [epoch(c["messages"][0]["ts"]) for c in convs]
    assert starts == sorted(starts)
    for c in convs:
        errors = list(VALIDATOR.iter_errors(c))
        assert not errors, (c["conversation_id"], errors[0].message)
        times = [epoch(m["ts"]) for m in c["messages"]]
        assert times == sorted(times), c["conversation_id"]
        assert all(m["ts"].endswith("+08:00") for m in c["messages"])


def test_the_day_has_shops_agents_bots_and_a_closed_night(day):
    convs, _, _ = day
    shops = {c["shop"] for c in convs}
    assert {"山野茶庄", "萌宠用品店", "潮流数码旗舰店"} <= shops
    for c in convs:
        for m in c["messages"]:
            if m["role"] in ("agent", "bot"):
                assert m["sender"].startswith(c["shop"] + ":")
    bots = {m["sender"] for c in convs for m in c["messages"] if m["role"] == "bot"}
    assert "山野茶庄:店小蜜" in bots
    hours = [int(c["messages"][0]["ts"][11:13]) for c in convs]
    night = sum(h < 9 for h in hours) / len(hours)
    assert 0.02 < night < 0.15
    assert max(hours) == 23
    types = {m.get("type", "text") for c in convs for m in c["messages"]}
    assert {"text", "goods_card", "order_card"} <= types


def test_broken_records_only_when_asked_and_each_one_is_unusable(tmp_path):
    out, labels, counts = generate(tmp_path, messages=4000, seed=2, broken=3)
    lines, labs = read_day(out, labels)
    bad = []
    for line, lab in zip(lines, labs):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            bad.append(lab["conversation_id"])
            continue
        if any(VALIDATOR.iter_errors(rec)):
            bad.append(rec["conversation_id"])
    assert counts["broken"] == 3
    assert bad == [lab["conversation_id"] for lab in labs if "broken" in lab]
    clean, _, clean_counts = generate(tmp_path, "clean", messages=4000, seed=2)
    assert clean_counts["broken"] == 0


def test_records_stream_one_slice_at_a_time():
    gen = daygen.DayGenerator(daygen.DayConfig(messages=5_000_000))
    first = list(itertools.islice(gen.iter_records(), 20))
    # Twenty conversations of a 5M-message day come from its first ten-minute slice alone.
    assert all(json.loads(line)["messages"][0]["ts"] < "2026-11-20T00:10" for _, line, _, _ in first)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31), messages=st.integers(1000, 3000), day=st.dates(datetime(2020, 1, 1).date(), datetime(2030, 12, 1).date()))
def test_any_seed_size_and_date_give_valid_records(seed, messages, day):
    gen = daygen.DayGenerator(daygen.DayConfig(messages=messages, seed=seed, day=day.isoformat()))
    total = 0
    for _, line, label, n in gen.iter_records():
        rec = json.loads(line)
        assert not list(VALIDATOR.iter_errors(rec))
        assert rec["messages"][0]["ts"].startswith(day.isoformat())
        assert label["conversation_id"] == rec["conversation_id"]
        total += n
    assert messages * 0.8 <= total <= messages * 1.2  # small days are lumpy; 10k and up land within 1%


# -- the labels tell the truth --------------------------------------------------------------------

def test_each_violation_kind_has_about_the_share_asked(day):
    _, labs, _ = day
    n = len(labs)
    for kind in daygen.KINDS:
        share = sum(kind in lab["kinds"] for lab in labs) / n
        assert 0.025 <= share <= 0.055, (kind, share)
    clean = sum(not lab["kinds"] for lab in labs) / n
    assert 0.4 < clean < 0.7


def _latency_violation(messages) -> bool:
    """The labelling rules: first human reply within 30 s, later ones within 90 s, bots do not
    count, a message sent while closed (00:00-09:00) starts the clock at 09:00, none left unanswered."""
    pending, answered_once = None, False
    for m in messages:
        t = epoch(m["ts"])
        if m["role"] == "customer" and pending is None:
            pending = t
        elif m["role"] == "agent" and pending is not None:
            tod = (pending + 8 * 3600) % 86400  # local time of day, UTC+8
            start = pending if tod >= 9 * 3600 else pending + 9 * 3600 - tod
            if t - start > (90 if answered_once else 30):
                return True
            pending, answered_once = None, True
    return pending is not None


def test_latency_labels_match_the_timestamps(day):
    convs, labs, _ = day
    for c, lab in zip(convs, labs):
        assert _latency_violation(c["messages"]) == lab["latency"], (c["conversation_id"], lab["kinds"])


def test_greeting_and_closing_labels_match_the_text(day):
    convs, labs, _ = day
    for c, lab in zip(convs, labs):
        agent = [m["text"] for m in c["messages"] if m["role"] == "agent"]
        greeted = any(w in agent[0] for w in GREETING_WORDS)
        assert greeted != ("no_greeting" in lab["kinds"]), (c["conversation_id"], agent[0])
        closed = c["messages"][-1]["role"] == "agent" and any(w in agent[-1] for w in CLOSING_WORDS)
        assert closed != bool({"no_closing", "unanswered"} & set(lab["kinds"])), (c["conversation_id"], agent[-1])
        assert lab["script_adherence"] == bool({"no_greeting", "no_closing", "unanswered"} & set(lab["kinds"]))


def _template_regex(kinds):
    parts = []
    for kind in kinds:
        for tpl in P.VIOLATIONS[kind]:
            parts.append(re.sub(r"\\\{\w+\\\}", ".+?", re.escape(tpl)))
    return re.compile("^(?:" + "|".join(parts) + ")$")


FORBIDDEN = _template_regex([k for k, (cat, _) in daygen.KINDS.items() if cat == "forbidden_phrase"])
PRIVACY = _template_regex([k for k, (cat, _) in daygen.KINDS.items() if cat == "privacy_leak"])
RAW_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_phrase_and_privacy_labels_point_at_the_offending_agent_messages(day):
    convs, labs, _ = day
    seen_traps = set()
    for c, lab in zip(convs, labs):
        msgs = c["messages"]
        agent_idx = [i for i, m in enumerate(msgs) if m["role"] == "agent"]
        assert [i for i in agent_idx if FORBIDDEN.match(msgs[i]["text"])] == lab["forbidden_phrase"]
        assert [i for i in agent_idx if PRIVACY.match(msgs[i]["text"])] == lab["privacy_leak"]
        for i in agent_idx:  # an unmasked phone in an agent message is always a labelled leak
            if RAW_PHONE.search(msgs[i]["text"]):
                assert i in lab["privacy_leak"], msgs[i]["text"]
        seen_traps.update(lab["traps"])
    assert seen_traps == set(P.TRAPS)


def test_traps_sit_in_conversations_the_labels_call_clean(day):
    convs, labs, _ = day
    trap_texts = {"400": 0, "****": 0, "第一时间": 0, "最近": 0, "订单": 0}
    for c, lab in zip(convs, labs):
        if lab["kinds"]:
            continue
        for m in c["messages"]:
            if m["role"] == "agent":
                for key in trap_texts:
                    trap_texts[key] += key in m["text"]
    assert all(trap_texts.values()), trap_texts


def test_personal_data_has_real_formats(day):
    convs, labs, _ = day
    ids = cards = 0
    for c, lab in zip(convs, labs):
        for i in lab["privacy_leak"]:
            text = c["messages"][i]["text"]
            for m in re.finditer(r"(?<!\d)\d{17}[\dX](?!\d)", text if "身份证" in text else ""):
                body, check = m.group()[:17], m.group()[17]
                weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
                assert "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11] == check
                ids += 1
            for m in re.finditer(r"(?<![\d ])\d{4}(?: ?\d{4}){3}(?: ?\d{1,3})?(?![\d ])", text if "卡" in text else ""):
                digits = m.group().replace(" ", "")
                total = sum(int(d) if k % 2 == 0 else (2 * int(d) - 9 if int(d) > 4 else 2 * int(d))
                            for k, d in enumerate(reversed(digits)))
                assert total % 10 == 0, digits
                cards += 1
    assert ids and cards


# -- the phrasebook keeps its promises ------------------------------------------------------------

def _all_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _all_strings(v)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _all_strings(v)


def test_intent_answers_carry_no_greeting_closing_or_forbidden_word():
    intents = list(P.COMMON_INTENTS) + [i for c in P.CATEGORIES.values() for i in c["intents"]]
    answers = [a for opening, follow_ups in intents for _, a in opening + follow_ups] + list(P.NON_CLOSINGS)
    # Not "第一" or "最" alone: 第一泡 (the first steep of tea) is ordinary, and a useful near miss.
    risky = ("最低", "最好", "最佳", "最便宜", "第一品牌", "销量第一", "国家级", "顶级", "独一无二", "微信", "vx", "ＶＸ",
             "薇", "威信", "v信", "qq", "QQ", "扣扣", "密码", "验证码", "不归", "没关系", "爱买不买")
    for text in answers:
        assert not any(w in text for w in GREETING_WORDS + CLOSING_WORDS + risky), text


def test_no_phrase_needs_json_escaping():
    for name, value in vars(P).items():
        if name.startswith("_"):
            continue
        for text in _all_strings(value):
            assert '"' not in text and "\\" not in text and not any(ord(ch) < 32 for ch in text), text


# -- command line and the committed sample day ----------------------------------------------------

def test_cli_writes_one_file_per_shop(tmp_path, capsys):
    assert daygen.main(["--messages", "1500", "--out-dir", str(tmp_path / "logs"), "--broken", "1"]) == 0
    files_ = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files_ == ["chaoliu-digital.jsonl", "mengchong-pets.jsonl", "shanye-tea.jsonl"]
    assert "1 broken records" in capsys.readouterr().err


SAMPLE_ARGS = ["--messages", "5000", "--seed", "1", "--violation-scale", "2", "--broken", "3"]


def test_sample_logs_are_what_the_generator_makes(tmp_path):
    """sample_logs/2026-11-20 is regenerated with:
    python benchmarks/daygen.py --messages 5000 --seed 1 --violation-scale 2 --broken 3 --out-dir sample_logs/2026-11-20"""
    committed = ROOT / "sample_logs" / "2026-11-20"
    assert daygen.main(SAMPLE_ARGS + ["--out-dir", str(tmp_path)]) == 0
    for made in sorted(tmp_path.glob("*.jsonl")):
        assert (committed / made.name).read_bytes() == made.read_bytes(), f"regenerate {committed}"


@pytest.mark.parametrize("store_settings, journal", [(False, "delete"), (True, "wal")])
def test_both_benchmark_floors_store_every_message(tmp_path, store_settings, journal):
    import sqlite3

    import bench

    day, _, counts = generate(tmp_path, messages=1500, seed=3, broken=0)
    bench.floor(day, tmp_path / "floor.db", store_settings=store_settings)
    con = sqlite3.connect(tmp_path / "floor.db")
    assert con.execute("select count(*) from messages").fetchone()[0] == counts["messages"]
    assert con.execute("pragma journal_mode").fetchone()[0] == journal
