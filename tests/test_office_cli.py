"""The command line as a Chinese QC office meets it: its language, qc.toml, days by name, JSON for scripts."""
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from conftest import ROOT, conversation, write_jsonl
from qc_engine.cli import cli
from qc_engine.cli.dates import resolve_day


def qc(*args, cwd=None, **env):
    """`qc` in a subprocess with the given environment over the suite's (LANG=C, no qc.toml)."""
    full = dict(os.environ)
    for key, value in env.items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    return subprocess.run([sys.executable, "-m", "qc_engine", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=full)


ZH = {"LANG": "zh_CN.UTF-8"}


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- language ---------------------------------------------------------------------------------------------------

def test_help_is_chinese_when_the_locale_is(tmp_path):
    r = qc("--help", **ZH)
    assert r.returncode == 0 and "用法" in r.stdout and "选项" in r.stdout and "显示此帮助并退出" in r.stdout
    a = qc("audit", "--help", **ZH)
    assert a.returncode == 0 and "用法" in a.stdout and "质检聊天记录" in a.stdout and "店铺规则文件" in a.stdout
    assert "Usage" not in a.stdout and "Show this message" not in a.stdout
    assert "Usage:" in qc("audit", "--help").stdout  # English otherwise


def test_errors_are_chinese_one_line_each(tmp_path):
    unknown = qc("audit", "--bogus", **ZH)
    assert unknown.returncode == 2 and "没有这个选项" in unknown.stderr and "--bogus" in unknown.stderr
    wrong_path = qc("audit", tmp_path / "nope.jsonl", "--db", tmp_path / "qc.db", **ZH)
    assert wrong_path.returncode != 0 and "不存在" in wrong_path.stderr and "nope.jsonl" in wrong_path.stderr
    assert len(wrong_path.stderr.strip().splitlines()) == 1 and "Traceback" not in wrong_path.stderr
    no_store = qc("report", "--db", tmp_path / "missing.db", "--out", tmp_path / "o", **ZH)
    assert no_store.returncode != 0 and "没有质检库" in no_store.stderr and "missing.db" in no_store.stderr
    no_db = qc("report", "--out", tmp_path / "o", **ZH)
    assert no_db.returncode != 0 and "缺少选项" in no_db.stderr and "--db" in no_db.stderr
    bad_choice = qc("review", "add", "c1", "--category", "x", "--note", "n", "--severity", "huge", "--db", "x.db", **ZH)
    assert bad_choice.returncode == 2 and "huge" in bad_choice.stderr and "不是可选值之一" in bad_choice.stderr


@pytest.mark.parametrize("env, args, chinese", [
    ({"LANG": "C.UTF-8"}, ["--lang", "zh"], True),
    ({"LANG": "zh_CN.UTF-8"}, ["--lang", "en"], False),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, [], True),  # LC_ALL wins over LANG, as POSIX has it
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, [], False),
])
def test_the_language_follows_lang_and_the_locale(env, args, chinese):
    result = CliRunner(env=env).invoke(cli, [*args, "rules", "--help"])
    assert result.exit_code == 0, result.output
    assert has_chinese(result.output.split("Commands")[0].split("命令")[0]) is chinese
    assert ("用法" in result.output) is chinese


def test_reports_follow_the_language_of_messages(tmp_path, db_path):
    from conftest import audit

    audit([write_jsonl(tmp_path / "d.jsonl", [conversation("a")])], db_path)
    for env, word in (({"LANG": "zh_CN.UTF-8"}, "平均得分"), ({"LANG": "C"}, "Average score")):
        out = tmp_path / env["LANG"]
        result = CliRunner(env=env).invoke(cli, ["report", "--db", str(db_path), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert word in (out / "csv" / "agents.csv").read_text(encoding="utf-8-sig")
    # The report's own --lang decides both the messages and the pages.
    out = tmp_path / "en"
    result = CliRunner(env={"LANG": "zh_CN.UTF-8"}).invoke(cli, ["report", "--db", str(db_path), "--out", str(out), "--lang", "en"])
    assert "Reports for" in result.output and "Average score" in (out / "csv" / "agents.csv").read_text(encoding="utf-8-sig")


# --- the catalog ---------------------------------------------------------------------------------------------------

babel = pytest.importorskip("babel")


def _po(lang="zh"):
    from babel.messages.pofile import read_po

    from qc_engine.lang.catalog import po_path

    with open(po_path(lang), "rb") as f:
        return read_po(f, locale=lang, domain="qc_engine")


def test_the_compiled_catalog_is_the_po_file():
    import gettext

    from qc_engine.lang.catalog import po_path

    mo = gettext.GNUTranslations(open(po_path("zh").with_suffix(".mo"), "rb"))
    po = _po()
    for m in po:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, (tuple, list)):
            if m.string and all(m.string):
                assert mo.ngettext(m.id[0], m.id[1], 1) == m.string[0], m.id
        elif m.string:
            assert mo.gettext(m.id) == m.string, f"{m.id!r}: run python -m qc_engine.lang.catalog"
    # ...and nothing more: a message dropped from the .po is gone from the .mo.
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
    assert set(mo._catalog) - {""} <= ids | {(i, 0) for i in ids}


def test_every_message_of_qc_is_in_the_catalog_and_translated():
    from qc_engine.lang.catalog import template, translated

    po = _po()
    missing = [m.id for m in template() if m.id and not any(p.startswith("click/") for p, _ in m.locations)
               and not (m.id in po and translated(po[m.id]))]
    assert not missing, f"untranslated, run python -m qc_engine.lang.catalog and translate: {missing[:5]}"


def test_translations_keep_the_placeholders():
    import string

    def names(text):
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}

    for m in _po():
        if not m.id or not m.string:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        allowed = set().union(*(names(i) for i in ids))
        for s in strings:
            if s:
                assert names(s) <= allowed, (m.id, s)
                if isinstance(m.id, str):
                    assert names(s) == allowed, (m.id, s)


# --- qc.toml ------------------------------------------------------------------------------------------------------

def _office(tmp_path: Path, day: str) -> Path:
    office = tmp_path / "office"
    (office / "logs" / day).mkdir(parents=True)
    write_jsonl(office / "logs" / day / "shop.jsonl",
                [conversation("a", day=day), conversation("b", day=day, lines=(("10:00:00", "customer", "在吗"),
                                                                               ("10:09:00", "agent", "加我微信")))])
    (office / "qc.toml").write_text(
        'db = "qc.db"\nrules = ["%s"]\ninputs = ["logs/{date}/"]\nout = "reports/{date}/"\nlang = "zh"\n'
        % (ROOT / "rules" / "shops").as_posix(), encoding="utf-8")
    return office


def test_with_a_qc_toml_the_morning_needs_no_option(tmp_path):
    yesterday = (datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)).isoformat()
    office = _office(tmp_path, yesterday)
    a = qc("audit", "--date", "yesterday", cwd=office, QC_CONFIG=None)
    assert a.returncode == 0, a.stderr
    assert "已质检 2 个会话" in a.stdout  # lang = "zh" in qc.toml
    assert (office / "qc.db").is_file()
    r = qc("report", "--date", "yesterday", cwd=office, QC_CONFIG=None)
    assert r.returncode == 0, r.stderr
    assert (office / "reports" / yesterday / "index.html").is_file()
    assert (office / "reports" / yesterday / f"qc-report-{yesterday}.xlsx").is_file()


def test_the_command_line_wins_over_qc_toml_and_config_show_says_where(tmp_path):
    office = _office(tmp_path, "2026-11-20")
    other = tmp_path / "other.db"
    a = qc("audit", office / "logs" / "2026-11-20", "--db", other, "--lang", "en", cwd=office, QC_CONFIG=None)
    assert a.returncode == 0, a.stderr
    assert "Audited 2 conversations" in a.stdout and other.is_file() and not (office / "qc.db").exists()
    shown = json.loads(qc("config", "show", "--json", cwd=office, QC_CONFIG=None).stdout)
    toml = str((office / "qc.toml").resolve())
    assert shown["config"]["value"] == toml
    assert shown["db"] == {"value": str((office / "qc.db").resolve()), "source": toml}
    assert shown["lang"] == {"value": "zh", "source": toml}
    assert shown["timezone"]["value"] == "Asia/Shanghai" and shown["timezone"]["source"] != toml
    text = qc("config", "show", cwd=office, QC_CONFIG=None, LANG="zh_CN.UTF-8")
    assert text.returncode == 0 and toml in text.stdout and "来源" in text.stdout


def test_config_named_by_option_or_environment(tmp_path):
    office = _office(tmp_path, "2026-11-20")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    toml = office / "qc.toml"
    by_env = json.loads(qc("config", "show", "--json", cwd=elsewhere, QC_CONFIG=str(toml)).stdout)
    assert by_env["config"] == {"value": str(toml.resolve()), "source": "QC_CONFIG"}
    by_option = json.loads(qc("--config", toml, "config", "show", "--json", cwd=elsewhere).stdout)
    assert by_option["db"]["value"] == str((office / "qc.db").resolve())  # relative to the file, not the working folder
    none = json.loads(qc("config", "show", "--json", cwd=elsewhere, QC_CONFIG=None).stdout)
    assert none["config"]["value"] is None and none["db"]["value"] is None


@pytest.mark.parametrize("text, expect", [
    ('db = 3\n', "db"), ('colour = "red"\n', "colour"), ('db = "qc.db\n', "TOML"), ('lang = "fr"\n', "lang"),
])
def test_a_bad_qc_toml_is_one_line_naming_the_key(tmp_path, text, expect):
    (tmp_path / "qc.toml").write_text(text, encoding="utf-8")
    r = qc("audit", "--help", cwd=tmp_path, QC_CONFIG=None)
    assert r.returncode != 0 and expect in r.stderr and "qc.toml" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_config_init_writes_a_file_that_loads(tmp_path):
    r = CliRunner().invoke(cli, ["config", "init", str(tmp_path / "qc.toml")])
    assert r.exit_code == 0, r.output
    again = CliRunner().invoke(cli, ["config", "init", str(tmp_path / "qc.toml")])
    assert again.exit_code != 0
    shown = CliRunner().invoke(cli, ["--config", str(tmp_path / "qc.toml"), "config", "show", "--json"])
    assert json.loads(shown.output)["rules"]["value"] == [str(tmp_path / "rules" / "shops")]


# --- days by name -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expect", [
    ("yesterday", "2026-02-28"), ("today", "2026-03-01"), ("-1", "2026-02-28"), ("-7", "2026-02-22"),
    ("2026-11-20", "2026-11-20"), (" Yesterday ", "2026-02-28"), ("昨天", "2026-02-28"),
])
def test_days_by_name(text, expect):
    assert resolve_day(text, "Asia/Shanghai", today=date(2026, 3, 1)) == expect


@pytest.mark.parametrize("text", ["2026-13-01", "tomorrow", "20261120", "-", "--1", ""])
def test_days_that_are_not(text):
    with pytest.raises(click.BadParameter):
        resolve_day(text, "Asia/Shanghai", today=date(2026, 3, 1))


def test_today_is_the_shops_day_not_the_machines():
    shanghai = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    honolulu = datetime.now(ZoneInfo("Pacific/Honolulu")).date()
    assert resolve_day("today", "Asia/Shanghai") == shanghai.isoformat()
    assert resolve_day("today", "Pacific/Honolulu") == honolulu.isoformat()


# --- JSON for scripts, and the plan -------------------------------------------------------------------------------

def test_json_outputs_parse(tmp_path, db_path):
    day = write_jsonl(tmp_path / "d.jsonl", [conversation("a"), conversation(
        "b", lines=(("10:00:00", "customer", "在吗"), ("10:00:05", "agent", "加我微信聊")))])
    a = CliRunner().invoke(cli, ["audit", str(day), "--db", str(db_path), "--workers", "1", "--json"])
    assert a.exit_code == 0, a.output
    summary = json.loads(a.output)
    assert summary["audited"] == 2 and summary["findings"] == sum(summary["findings_by_category"].values())
    rules = json.loads(CliRunner().invoke(cli, ["rules", "list", "--json"]).output)
    assert {"FP02", "LT01"} <= {r["id"] for r in rules} and all({"category", "severity", "red_line"} <= set(r) for r in rules)
    sample = json.loads(CliRunner().invoke(cli, ["sample", "--db", str(db_path), "--date", "2026-11-20", "--json"]).output)
    assert sample["day"] == "2026-11-20" and "b" in {c["conversation_id"] for c in sample["conversations"]}
    finding = next(f for f in summary_findings(db_path) if f[1] == "b")
    CliRunner().invoke(cli, ["review", "overturn", finding[0], "--reason", "测试", "--db", str(db_path)])
    reviews = json.loads(CliRunner().invoke(cli, ["review", "list", "--db", str(db_path), "--json"]).output)
    assert reviews and reviews[0]["subject"] == finding[0] and reviews[0]["what"] == "overturned"


def summary_findings(db_path):
    from conftest import rows

    return rows(db_path, "select finding_id, conversation_id from findings")


def test_plan_names_loaders_and_rule_files_and_writes_nothing(tmp_path):
    db = tmp_path / "qc.db"
    r = CliRunner().invoke(cli, ["audit", "--plan", str(ROOT / "sample_logs" / "formats"), "--db", str(db),
                                 "--rules", str(ROOT / "rules" / "shops")])
    assert r.exit_code == 0, r.output
    plan = json.loads(r.output)
    loaders = {Path(f["path"]).name: f["loader"] for f in plan["files"]}
    assert loaders["wecom_msgaudit_2026-11-20.jsonl"] == "wecom"
    assert loaders["jd_潮流数码旗舰店_2026-11-20.txt"] == "jd_dongdong"
    assert any(Path(p).name == "山野茶庄.yaml" for p in plan["shops"]["山野茶庄"])
    assert not any(Path(p).name == "山野茶庄.yaml" for p in plan["other_shops"])
    assert not db.exists()


def test_wecom_accounts_map_to_shops_and_the_audit_says_when_none_does(tmp_path):
    wecom = ROOT / "sample_logs" / "formats" / "wecom_msgaudit_2026-11-20.jsonl"
    r = CliRunner().invoke(cli, ["audit", str(wecom), "--db", str(tmp_path / "a.db"), "--workers", "1"])
    assert r.exit_code == 0 and "WeCom" in r.output and "[shops]" in r.output
    staff = next(json.loads(line)["from"] for line in wecom.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not json.loads(line)["from"].startswith(("wo", "wm")))
    (tmp_path / "qc.toml").write_text(f'[shops.wecom]\n"{staff}" = "山野茶庄"\n', encoding="utf-8")
    r = CliRunner(env={"QC_CONFIG": str(tmp_path / "qc.toml")}).invoke(
        cli, ["audit", str(wecom), "--db", str(tmp_path / "b.db"), "--workers", "1", "--json"])
    assert r.exit_code == 0, r.output
    from conftest import rows

    shops = dict(rows(tmp_path / "b.db", "select shop, count(*) from conversations group by shop"))
    assert shops.get("山野茶庄")


# --- Datasette ------------------------------------------------------------------------------------------------------

def test_datasette_metadata_names_the_store_whatever_its_file_is_called(tmp_path, db_path):
    import yaml

    packaged = (ROOT / "qc_engine" / "store" / "datasette-metadata.yaml").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "datasette-metadata.yaml").read_text(encoding="utf-8") == packaged
    store = tmp_path / "质检-2026-11.db"
    store.write_bytes(b"")
    out = tmp_path / "meta.json"
    r = CliRunner().invoke(cli, ["datasette", str(store), "--metadata", str(out)])
    assert r.exit_code == 0, r.output
    meta = json.loads(out.read_text(encoding="utf-8"))
    assert list(meta["databases"]) == ["质检-2026-11"]
    assert meta["databases"]["质检-2026-11"]["queries"] == yaml.safe_load(packaged)["databases"]["qc"]["queries"]


# --- terminal tables ----------------------------------------------------------------------------------------------

def test_tables_line_up_chinese_columns_and_carry_no_colour_off_a_terminal(tmp_path, db_path):
    from rich.cells import cell_len

    from conftest import audit, rows

    day = write_jsonl(tmp_path / "d.jsonl", [
        conversation("a", lines=(("10:00:00", "customer", "在吗"), ("10:00:05", "agent", "加我微信聊"))),
        conversation("b", shop="萌宠用品店", lines=(("10:00:00", "customer", "在吗"), ("10:00:05", "agent", "加我微信聊")))])
    audit([day], db_path)
    for finding_id, in rows(db_path, "select finding_id from findings where rule_id = 'FP02'"):
        CliRunner().invoke(cli, ["review", "confirm", finding_id, "--reason", "确实引流", "--reviewer", "质检员小王",
                                 "--db", str(db_path)])
    out = CliRunner().invoke(cli, ["review", "list", "--db", str(db_path)]).output
    assert "\x1b[" not in out
    lines = [line for line in out.splitlines() if "FP02" in line or "山野茶庄" in line or "萌宠用品店" in line]
    assert len(lines) == 2
    # The agent column starts at the same display column on every line, whatever the Chinese before it.
    names = ("山野茶庄:青青", "萌宠用品店:青青")
    starts = [cell_len(line[:line.index(name)]) for line in lines for name in names if name in line]
    assert len(starts) == 2 and starts[0] == starts[1]


def test_review_errors_speak_the_language_too(tmp_path, db_path):
    from conftest import audit

    audit([write_jsonl(tmp_path / "d.jsonl", [conversation("a")])], db_path)
    zh = CliRunner(env={"LANG": "zh_CN.UTF-8"}).invoke(cli, ["review", "confirm", "nope", "--reason", "x", "--db", str(db_path)])
    assert zh.exit_code != 0 and "质检库中没有问题 'nope'" in zh.output
    en = CliRunner().invoke(cli, ["review", "confirm", "nope", "--reason", "x", "--db", str(db_path)])
    assert "no finding 'nope' in the store" in en.output
