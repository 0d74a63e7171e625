"""The review workbench in a real headless Chromium: from the queue to a verdict to the score in the report.

`qc serve` runs as a user starts it; Selenium drives the system's Chromium through its chromedriver (Debian:
apt-get install chromium chromium-driver); skipped where they are absent. Set QC_SCREENSHOT_DIR to keep the
screenshots of the queue and the conversation.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qc_engine.reports import load_report_data
from qc_engine.review.sampling import draw_sample, store_sample
from qc_engine.store import open_db

from test_rollup import DAY, SHOP, build_store

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
webdriver = pytest.importorskip("selenium.webdriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="chromium is not installed")

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def score(db_path: Path, agent: str) -> float:
    db = open_db(db_path, read_only=True)
    try:
        return next(a["score_avg"] for a in load_report_data(db, DAY).agents_today if a["agent"] == agent)
    finally:
        db.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    db_path = build_store(base)
    db = open_db(db_path)
    store_sample(db, draw_sample(db, DAY, share=1.0, seed=1), DAY, seed=1)
    db.close()
    qc = Path(sys.executable).parent / "qc"
    server = subprocess.Popen([str(qc), "serve", "--db", str(db_path)], cwd=base, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert "http://127.0.0.1:" in line, line + server.stderr.read()
        yield line.split("http://", 1)[1].split()[0].rstrip("/"), db_path
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must never fetch a browser or a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1440,1000", "--lang=zh-CN"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def shot(driver, name: str) -> None:
    keep = os.environ.get("QC_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(keep) / name))


def test_a_review_from_the_queue_to_the_score_in_the_report(served, browser):
    address, db_path = served
    agent = f"{SHOP}:青青"
    before = score(db_path, agent)
    wait = WebDriverWait(browser, 10)
    browser.get(f"http://{address}/")
    browser.find_element(By.CSS_SELECTOR, "header a.warn").click()  # 请先填写复核人姓名
    name = wait.until(ec.presence_of_element_located((By.NAME, "reviewer")))
    name.send_keys("王质检", Keys.ENTER)
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "table.queue")))
    assert "王质检" in browser.find_element(By.CSS_SELECTOR, "header").text
    assert "0 / 7" in browser.find_element(By.CSS_SELECTOR, ".progress").text
    shot(browser, "queue.png")
    browser.find_element(By.LINK_TEXT, "a2").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".finding")))
    shot(browser, "conversation.png")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("j")  # the first finding
    body.send_keys("o")  # overturn: the reason field takes the keys
    browser.switch_to.active_element.send_keys("比价属实，不算极限词", Keys.ENTER)
    flash = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".flash.ok")))
    assert "已撤销 FP01" in flash.text
    assert "人工撤销 · 王质检" in browser.find_element(By.CSS_SELECTOR, ".finding").text
    assert score(db_path, agent) > before  # what the next `qc report` shows
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("d")  # done, and on to the next conversation of the queue
    wait.until(ec.url_contains("/c/"))
    browser.get(f"http://{address}/")
    assert "1 / 7" in browser.find_element(By.CSS_SELECTOR, ".progress").text
    problems = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not problems, problems  # no script error, nothing the page's security policy had to block
