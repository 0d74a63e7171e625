"""The review workbench over HTTP (Starlette's test client): pages, forms, tokens, and the score in the next report."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from qc_engine.reports import load_report_data  # noqa: E402
from qc_engine.review.sampling import draw_sample, store_sample  # noqa: E402
from qc_engine.store import open_db  # noqa: E402
from qc_engine.web import create_app  # noqa: E402

from test_rollup import DAY, PHONE, SHOP, build_store  # noqa: E402

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def template_store(tmp_path_factory):
    path = build_store(tmp_path_factory.mktemp("web"))
    db = open_db(path)
    store_sample(db, draw_sample(db, DAY, share=1.0, seed=1), DAY, seed=1)
    db.close()
    return path


@pytest.fixture
def store(template_store, tmp_path):
    copy = tmp_path / "qc.db"
    copy.write_bytes(template_store.read_bytes())
    return copy


@pytest.fixture
def client(store):
    with TestClient(create_app(store), base_url=BASE) as c:
        yield c


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]


def token(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def conversation_link(client, conversation_id: str) -> str:
    page = client.get("/").text
    return re.search(r'href="(/c/\d+[^"]*)">' + re.escape(conversation_id) + "<", page).group(1).replace("&amp;", "&")


def sign_in(client, name="王质检") -> str:
    page = client.get("/who").text
    assert client.post("/who", data={"csrf": token(page), "reviewer": name, "next": "/"}).status_code == 200
    return token(page)


def reviews(store) -> int:
    db = open_db(store)
    try:
        return db.execute("select count(*) from reviews").fetchone()[0] + db.execute(
            "select count(*) from manual_findings").fetchone()[0]
    finally:
        db.close()


def agent_score(store, agent="青青") -> float:
    db = open_db(store)
    try:
        data = load_report_data(db, DAY)
    finally:
        db.close()
    return next(a["score_avg"] for a in data.agents_today if a["agent"] == f"{SHOP}:{agent}")


def test_every_page_reachable_from_the_start_page_answers_in_chinese_without_personal_data(client):
    seen, todo = set(), ["/"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.text
        if response.headers["content-type"].startswith("text/html"):
            assert '<html lang="zh-CN">' in text, url
            assert "复核" in text, url
            assert PHONE not in text, url
            parser = Links()
            parser.feed(text)
            for link in parser.links:
                target = urljoin(BASE + url, link)
                if urlsplit(target).netloc == "127.0.0.1":
                    todo.append(urlsplit(target)._replace(scheme="", netloc="", fragment="").geturl())
    assert any(u.startswith("/c/") for u in seen) and "/who" in seen
    assert len(seen) >= 8


def test_the_queue_puts_red_lines_first_and_filters(client):
    page = client.get("/").text
    ids = re.findall(r'href="/c/\d+[^"]*">([^<]+)<', page)
    assert set(ids[:2]) == {"a3", "b2"} and len(ids) == 7  # the red lines, then the lowest scores
    assert "0 / 7" in page
    only = client.get("/", params={"rule": "FP01"}).text
    assert set(re.findall(r'href="/c/\d+[^"]*">([^<]+)<', only)) == {"a2", "o1"}
    shop = client.get("/", params={"shop": SHOP, "agent": f"{SHOP}:小禾"}).text
    assert set(re.findall(r'href="/c/\d+[^"]*">([^<]+)<', shop)) == {"b1", "b2"}


def test_the_conversation_is_a_chat_with_its_finding_on_its_message(client):
    page = client.get(conversation_link(client, "a2")).text
    assert page.count('class="msg left role-customer') == 2 and page.count('class="msg right role-agent') == 2
    flagged = page.index('class="msg right role-agent flagged"')
    assert page.index("广告法极限词", flagged) < page.index('id="m2"')
    assert "等待 10 秒" in page and "全网最低价" in page


def test_a_form_without_the_page_token_changes_nothing(client, store):
    link = conversation_link(client, "a2")
    key = link.split("?")[0]
    page = client.get(link).text
    fid = re.search(r'name="fid" value="([^"]+)"', page).group(1)
    sign_in(client)
    before = reviews(store)
    for data in ({"fid": fid, "verdict": "overturned", "reason": "x"},
                 {"csrf": "forged", "fid": fid, "verdict": "overturned", "reason": "x"}):
        assert client.post(key + "/verdict", data=data).status_code == 403
        assert client.post(key + "/finding", data=dict(data, note="x", category="x")).status_code == 403
        assert client.post(key + "/done", data=data).status_code == 403
        assert client.post("/sample", data=dict(data, day=DAY)).status_code == 403
    assert client.get(key + "/verdict").status_code == 405  # no write on a GET
    assert reviews(store) == before
    other_origin = client.post(key + "/verdict", data={"csrf": token(page), "fid": fid, "verdict": "overturned",
                                                       "reason": "x"}, headers={"origin": "http://evil.example"})
    assert other_origin.status_code == 403 and reviews(store) == before


def test_a_verdict_in_the_browser_moves_the_score_in_the_next_report(client, store):
    before = agent_score(store)
    csrf = sign_in(client)
    link = conversation_link(client, "a2")
    page = client.get(link).text
    fid = re.search(r'name="fid" value="([^"]+)"', page).group(1)
    answer = client.post(link.replace("?", "/verdict?"), data={"csrf": csrf, "fid": fid, "verdict": "overturned",
                                                                 "reason": "比价属实，不算极限词"})
    assert answer.status_code == 200 and "已撤销 FP01" in answer.text and "人工撤销 · 王质检" in answer.text
    assert agent_score(store) > before
    db = open_db(store)
    assert db.execute("select reviewer, reason from reviews").fetchall() == [("王质检", "比价属实，不算极限词")]
    db.close()


def test_overturning_needs_a_reason_and_confirming_does_not(client, store):
    csrf = sign_in(client)
    link = conversation_link(client, "a2")
    fid = re.search(r'name="fid" value="([^"]+)"', client.get(link).text).group(1)
    action = link.replace("?", "/verdict?")
    refused = client.post(action, data={"csrf": csrf, "fid": fid, "verdict": "overturned", "reason": " "})
    assert 'class="flash error"' in refused.text and reviews(store) == 0
    confirmed = client.post(action, data={"csrf": csrf, "fid": fid, "verdict": "confirmed"})
    assert "已确认 FP01" in confirmed.text and reviews(store) == 1


def test_a_verdict_asks_for_the_reviewer_first(client, store):
    link = conversation_link(client, "a2")
    page = client.get(link).text
    fid = re.search(r'name="fid" value="([^"]+)"', page).group(1)
    answer = client.post(link.replace("?", "/verdict?"), data={"csrf": token(page), "fid": fid, "verdict": "confirmed"},
                         follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/who?next=")
    assert reviews(store) == 0


def test_a_finding_added_on_a_message_counts_and_the_done_mark_moves_the_progress(client, store):
    csrf = sign_in(client)
    link = conversation_link(client, "a1")
    before = agent_score(store)
    answer = client.post(link.replace("?", "/finding?"), data={"csrf": csrf, "message": "1", "rule": "",
                                                                "category": "服务态度", "severity": "minor",
                                                                "points": "3", "note": f"语气生硬，还念出了{PHONE}"})
    assert "已添加问题" in answer.text and agent_score(store) < before
    assert PHONE not in answer.text and "服务态度" in answer.text
    db = open_db(store)
    assert db.execute("select message_index, reviewer, note from manual_findings").fetchall() == [
        (1, "王质检", "语气生硬，还念出了138****5678")]
    db.close()
    client.post(link.replace("?", "/done?"), data={"csrf": csrf})
    assert "1 / 7" in client.get("/").text


def test_every_answer_carries_the_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"
    assert "samesite=strict" in response.headers["set-cookie"].lower()


def test_a_foreign_host_name_is_refused_on_localhost(store):
    with TestClient(create_app(store), base_url="http://attacker.example") as c:
        assert c.get("/").status_code == 400


def test_store_text_is_escaped(tmp_path):
    from test_rollup import chat

    path = build_store(tmp_path, [chat("x1", SHOP, "青青", ["<script>alert(1)</script>在吗", "您好<b>亲</b>"])])
    db = open_db(path)
    store_sample(db, draw_sample(db, DAY, share=1.0, seed=1), DAY, seed=1)
    db.close()
    with TestClient(create_app(path), base_url=BASE) as c:
        page = c.get(conversation_link(c, "x1")).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<b>亲" not in page
