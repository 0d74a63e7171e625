"""The corpus benchmark's readers, on tiny files written here in each corpus's format (the corpora stay outside)."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import corpus_flags  # noqa: E402


def _write(root: Path) -> None:
    (root / "jddc2019_sample").mkdir()
    (root / "jddc2019_sample" / "chat_0.1per.txt").write_text(
        "s1\tU1\t0\t0\t0\tnan\t我的快递到哪了\ns1\tU1\t1\t0\t0\tnan\t帮您查一下\ns2\tU2\t0\t0\t0\tnan\t在吗\n",
        encoding="utf-8")
    (root / "ecd_taobao_sample").mkdir()
    rows = ["1\t这款 有 货 吗\t有 的 亲\t几 天 到\t3 天 左右 到 哦", "0\t这款 有 货 吗\t有 的 亲\t几 天 到\t别的 回答"]
    (root / "ecd_taobao_sample" / "test.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "ecd_taobao_sample" / "train.tsv").write_text(rows[0] + "\n", encoding="utf-8")
    (root / "stc3_weibo_helpdesk_cn").mkdir()
    data = [{"id": "9", "turns": [{"sender": "customer", "utterances": ["网速很慢", ""]},
                                  {"sender": "helpdesk", "utterances": ["请私信提供 USB 型号", "谢谢"]}]}]
    (root / "stc3_weibo_helpdesk_cn" / "train_data_cn.first1000.json").write_text(json.dumps(data, ensure_ascii=False),
                                                                                 encoding="utf-8")


def test_readers_give_roles_and_text_as_typed(tmp_path):
    _write(tmp_path)
    jddc = list(corpus_flags.jddc(tmp_path))
    assert [c["conversation_id"] for c in jddc] == ["jddc:s1", "jddc:s2"]
    assert [(m["role"], m["text"]) for m in jddc[0]["messages"]] == [("customer", "我的快递到哪了"), ("agent", "帮您查一下")]
    ecd = list(corpus_flags.ecd(tmp_path))
    assert len(ecd) == 1  # the label-0 row is a wrong candidate, and train repeats test's dialogue
    assert [(m["role"], m["text"]) for m in ecd[0]["messages"]] == [
        ("customer", "这款有货吗"), ("agent", "有的亲"), ("customer", "几天到"), ("agent", "3天左右到哦")]
    stc3 = list(corpus_flags.stc3(tmp_path))
    assert [(m["role"], m["text"]) for m in stc3[0]["messages"]] == [
        ("customer", "网速很慢"), ("agent", "请私信提供 USB 型号"), ("agent", "谢谢")]
