"""The same conversations give the same findings whatever format they come in (JSONL, 旺旺 txt, JD log, CSV)."""
import json
from collections import Counter, defaultdict
from datetime import datetime

import pytest

from conftest import ROOT, audit, rows
from renderers import render_csv, render_jd, render_wangwang, write

SAMPLES = ROOT / "sample_logs" / "2026-11-20"


def sample_conversations(limit_per_file=25):
    """Valid conversations of the JSONL samples (their deliberately broken records are left out)."""
    out = []
    for path in sorted(SAMPLES.glob("*.jsonl")):
        kept = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                conv = json.loads(line)
                ok = isinstance(conv["messages"], list) and conv["messages"] and all(
                    isinstance(m, dict) and datetime.fromisoformat(m["ts"]) and m.get("sender") for m in conv["messages"])
            except (ValueError, KeyError, TypeError):
                continue
            if ok and kept < limit_per_file:
                out.append(conv)
                kept += 1
    return out


def jd_style(conv):
    """The conversation as JD shows it: agents as shop-name, customers as masked nicks."""
    masked = f"{conv['customer'][:1]}****{conv['customer'][-2:]}"
    msgs = [dict(m, sender=masked if m["role"] == "customer" else m["sender"].replace(":", "-", 1)) for m in conv["messages"]]
    return dict(conv, customer=masked, messages=msgs)


def findings_by_start(db):
    """{first message time (UTC instant): Counter of finding categories}."""
    starts = {cid: datetime.fromisoformat(s).timestamp()
              for cid, s in rows(db, "select conversation_id, started_at from conversations")}
    out = defaultdict(Counter)
    for cid in starts:
        out[starts[cid]]  # conversations without findings count too
    for cid, category in rows(db, "select conversation_id, category from findings"):
        out[starts[cid]][category] += 1
    return dict(out)


@pytest.fixture(scope="module")
def conversations():
    convs = sample_conversations()
    if not convs:
        pytest.skip("no JSONL samples")
    return convs


@pytest.fixture(scope="module")
def from_jsonl(conversations, tmp_path_factory):
    d = tmp_path_factory.mktemp("jsonl")
    path = d / "in.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in conversations), encoding="utf-8")
    summary = audit([path], d / "qc.db")
    assert summary.rejected == 0
    found = findings_by_start(d / "qc.db")
    assert len(found) == len(conversations) and sum(sum(c.values()) for c in found.values()) > 0
    return found


@pytest.mark.parametrize("fmt", ["wangwang", "wangwang_time_first", "jd", "csv"])
def test_every_conversation_is_found_with_the_same_findings(conversations, from_jsonl, tmp_path, fmt):
    by_shop = defaultdict(list)
    for c in conversations:
        by_shop[c["shop"]].append(c)
    paths = []
    for i, (shop, convs) in enumerate(by_shop.items()):
        if fmt.startswith("wangwang"):
            text, enc = render_wangwang(convs, account=f"{shop}:导出", time_first=fmt.endswith("first")), "gb18030"
        elif fmt == "jd":
            text, enc = render_jd([jd_style(c) for c in convs]), "utf-8"
        else:
            text, enc = render_csv(convs), "utf-8-sig"
        paths.append(write(tmp_path / f"{i}.{'csv' if fmt == 'csv' else 'txt'}", text, enc, "\r\n"))
    summary = audit(paths, tmp_path / "qc.db")
    assert summary.rejected == 0 and not summary.skipped_files
    got = findings_by_start(tmp_path / "qc.db")
    assert set(got) == set(from_jsonl)
    different = {t: (from_jsonl[t], got[t]) for t in got if got[t] != from_jsonl[t]}
    assert not different
