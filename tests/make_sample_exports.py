"""Build sample_logs/formats/: more conversations of 2026-11-20, rendered in each platform's export format.

They come from the day generator with another seed than sample_logs/2026-11-20, so auditing the whole of
sample_logs/ meets every conversation once.

Run from the repository root: python tests/make_sample_exports.py
A few broken records are added on purpose, so the rejected-records path shows.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from daygen import DayConfig, DayGenerator  # noqa: E402
from renderers import JD_END, render_csv, render_jd, render_qianniu_web_rows, render_wangwang, render_wecom, write  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FORMAT_SEED = 2  # not the seed of sample_logs/2026-11-20: other conversations
OUT = ROOT / "sample_logs" / "formats"
PER_FORMAT = 30


def _generated_day() -> dict[str, list[dict]]:
    by_slug: dict[str, list[dict]] = {}
    for shop, line, _label, n in DayGenerator(DayConfig(messages=5000, seed=FORMAT_SEED, violation_scale=2)).iter_records():
        if n:
            conv = json.loads(line)
            conv["conversation_id"] = "x" + conv["conversation_id"]
            by_slug.setdefault(shop.slug, []).append(conv)
    return by_slug


_DAY: dict[str, list[dict]] = {}


def conversations(name: str, limit: int = PER_FORMAT, skip: int = 0) -> list[dict]:
    if not _DAY:
        _DAY.update(_generated_day())
    return _DAY[name][skip:skip + limit]


def jd_style(conv: dict) -> dict:
    masked = f"{conv['customer'][:1]}****{conv['customer'][-2:]}"
    msgs = [dict(m, sender=masked if m["role"] == "customer" else m["sender"].replace(":", "-", 1)) for m in conv["messages"]]
    return dict(conv, customer=masked, messages=msgs)


def wecom_style(conv: dict, n: int) -> dict:
    customer = f"wmEx{n:04d}"
    msgs = []
    for m in conv["messages"]:
        if m["role"] == "system":
            continue
        sender = customer if m["role"] == "customer" else m["sender"].split(":", 1)[-1].replace("店小蜜", "autoreply")
        msgs.append(dict(m, sender=sender))
    return dict(conv, customer=customer, messages=msgs)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tea = conversations("shanye-tea")
    text = render_wangwang(tea, account="山野茶庄:青青")
    # Broken on purpose: a header with an impossible time, and a block cut off by the end of the export.
    first_header = tea[3]["messages"][1]
    text = text.replace(f"({first_header['ts'][:10]} {first_header['ts'][11:19]})", "(2026-11-2O 25:61:00)", 1)
    text += "-" * 28 + "被截断的买家" + "-" * 28 + "\n"
    write(OUT / "wangwang_山野茶庄_2026-11-20.txt", text, "gb18030", "\r\n")
    write(OUT / "wangwang_萌宠用品店_2026-11-20_time-first.txt",
          render_wangwang(conversations("mengchong-pets"), account="萌宠用品店:豆豆", time_first=True), "gb18030", "\r\n")

    digital = [jd_style(c) for c in conversations("chaoliu-digital")]
    text = render_jd(digital)
    cut = text.index(JD_END, text.index(JD_END) + 1)  # the second session loses its end line: a truncated block
    text = text[:cut] + text[cut + len(JD_END):]
    write(OUT / "jd_潮流数码旗舰店_2026-11-20.txt", text, "utf-8", "\r\n")

    # Other conversations than the txt files', so auditing the whole folder reads each conversation once.
    mixed = conversations("shanye-tea", 10, 30) + conversations("mengchong-pets", 10, 30) + conversations("chaoliu-digital", 10, 30)
    text = render_csv(mixed)
    text += "broken-time,山野茶庄,2026-11-20 99:00:00,customer,买家,在吗\r\n,山野茶庄,2026-11-20 10:00:00,customer,买家,没有会话号\r\n"
    write(OUT / "chats_2026-11-20.csv", text, "utf-8-sig", "\r\n")

    pets = [wecom_style(c, i) for i, c in enumerate(conversations("mengchong-pets", PER_FORMAT, 40))]
    write(OUT / "wecom_msgaudit_2026-11-20.jsonl", render_wecom(pets) + "{\"msgid\": \"broken\n")

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(render_qianniu_web_rows(conversations("shanye-tea", 20, 40)))
    write(OUT / "qianniu_web_山野茶庄_2026-11-20.csv", buf.getvalue(), "gb18030", "\r\n")
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")


if __name__ == "__main__":
    main()
