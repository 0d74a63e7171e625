import json
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Timing is the benchmark's business, not the tests': a loaded CI machine must not fail a property test.
settings.register_profile("qc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("qc")

from qc_engine.text.diskcache import CACHE_DIR_ENV
from qc_engine.run.runner import AuditOptions, run_audit



# The suite speaks the messages' own language and reads no qc.toml, whatever the machine's locale and folder;
# tests of the Chinese CLI and of qc.toml set them themselves.
os.environ["LANG"] = "C.UTF-8"
for _name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
    os.environ.pop(_name, None)
os.environ["QC_CONFIG"] = ""


@pytest.fixture(autouse=True, scope="session")
def _own_disk_cache(tmp_path_factory):
    """The suite keeps its derived facts apart from the user's cache."""
    os.environ[CACHE_DIR_ENV] = str(tmp_path_factory.mktemp("qc-cache"))


ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def write_jsonl(path: Path, conversations) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for c in conversations:
            f.write((c if isinstance(c, str) else json.dumps(c, ensure_ascii=False)) + "\n")
    return path


def conversation(cid="c1", shop="山野茶庄", lines=(("10:00:00", "customer", "在吗"), ("10:00:08", "agent", "您好，在的")), day="2026-11-20"):
    """A conversation dict in our JSONL shape from (time, role, text) triples."""
    senders = {"customer": f"buyer_{cid}", "agent": f"{shop}:青青", "bot": f"{shop}:店小蜜", "system": "system"}
    return {
        "conversation_id": cid, "shop": shop, "platform": "taobao", "customer": f"buyer_{cid}",
        "messages": [{"ts": f"{day}T{t}", "role": r, "sender": senders[r], "text": x} for t, r, x in lines],
    }


def audit(inputs, db, **kw):
    kw.setdefault("workers", 1)
    return run_audit(AuditOptions(inputs=[Path(p) for p in inputs], db=Path(db), **kw))


def rows(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "qc.db"
