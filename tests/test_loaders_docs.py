"""The loader example in docs/loaders.md works as a plugin file, exactly as printed."""
import re

from qc_engine.testing import fresh_registry

from conftest import ROOT, audit, rows

DOC = ROOT / "docs" / "loaders.md"


def example_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "docs/loaders.md should have one python example"
    return blocks[0]


def test_the_documented_loader_registers_and_audits(tmp_path):
    plugin = tmp_path / "pipe_loader.py"
    plugin.write_text(example_code(), encoding="utf-8")
    assert "pipe" in [r.loader.name for r in fresh_registry([plugin]).loaders]
    export = tmp_path / "day.txt"
    export.write_bytes("\r\n".join([
        "#shop 山野茶庄",
        "tea_01|2026-11-20 10:00:00|tea_01|在吗",
        "tea_01|2026-11-20 10:00:09|山野茶庄:青青|您好，在的",
        "tea_01|2026-11-20 10:00:0x|tea_01|坏的时间",
        "tea_02|2026-11-20 11:00:00|tea_02|发货了吗",
        "tea_02|2026-11-20 11:00:20|山野茶庄:店小蜜|亲，今天发货",
    ]).encode("gb18030"))
    summary = audit([export], tmp_path / "qc.db", plugin_files=[plugin])
    assert (summary.audited, summary.rejected) == (2, 1)
    assert rows(tmp_path / "qc.db", "select line from rejected") == [(4,)]
    assert rows(tmp_path / "qc.db", "select conversation_id, shop, customer_messages, agent_messages, bot_messages "
                "from conversations order by conversation_id") == [
        ("pipe:山野茶庄:tea_01:2026-11-20T10:00:00", "山野茶庄", 1, 1, 0),
        ("pipe:山野茶庄:tea_02:2026-11-20T11:00:00", "山野茶庄", 1, 0, 1)]
