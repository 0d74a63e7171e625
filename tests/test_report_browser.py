"""The report pages in a real headless Chromium: they render, charts are there, no console errors.

Skipped where Chromium is not installed (Debian: apt-get install chromium). Set QC_SCREENSHOT_DIR to
keep the screenshots for a look.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qc_engine.reports import build_reports
from qc_engine.review.verdicts import record_verdict
from qc_engine.review.sampling import draw_sample, store_sample
from qc_engine.store import open_db

from test_rollup import DAY, build_store, finding_id

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
CONSOLE_ERRORS = ("Uncaught", "ERROR:CONSOLE", "CONSOLE(")


def chromium(tmp_path: Path, page: Path, *action: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--window-size=1200,1800", *action, page.as_uri()],
        capture_output=True, text=True, timeout=90,
    )


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    db = open_db(build_store(base))
    record_verdict(db, finding_id(db, "a2", "FP01"), "overturned", "比价属实", "王质检")
    store_sample(db, draw_sample(db, DAY, share=0.5, seed=1), DAY, seed=1)
    build_reports(db, base / "out", DAY)
    return base / "out"


def dom(tmp_path: Path, page: Path) -> str:
    result = chromium(tmp_path, page, "--dump-dom")
    errors = [line for line in result.stderr.splitlines() if any(marker in line for marker in CONSOLE_ERRORS)]
    assert not errors, errors
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("page, expected", [
    ("index.html", ("<table", 'href="team.html"')),
    ("team.html", ("<table", "<svg", "<rect")),
    ("sample.html", ('class="sample"', "</main>")),
])
def test_overview_pages_render(reports, tmp_path, page, expected):
    html = dom(tmp_path, reports / page)
    for needle in expected:
        assert needle in html, needle


def test_shop_and_agent_pages_render_tables_and_charts(reports, tmp_path):
    shop = dom(tmp_path, next((reports / "shops").glob("*.html")))
    assert 'class="agents"' in shop and shop.count("<svg") >= 3
    agent = dom(tmp_path, next((reports / "agents").glob("*青青*.html")))
    assert 'class="top3"' in agent and "<polyline" in agent and 'class="chat"' in agent
    assert "复核记录" in agent


def test_coaching_sheet_screenshot(reports, tmp_path):
    shot = tmp_path / "agent.png"
    result = chromium(tmp_path, next((reports / "agents").glob("*青青*.html")), f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000  # a blank page is a few hundred bytes
    keep = os.environ.get("QC_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "agent.png")
