"""Rendering the report pages: self-contained static HTML with inline SVG charts, made to print well.

Every text that came from the store is masked again and HTML-escaped here (it comes from chats).
"""
from __future__ import annotations

import hashlib
import json
import re
from html import escape

from qc_engine.text.personal_data import mask_text
from qc_engine.reports import svg
from qc_engine.reports.data import (FINDINGS_SHOWN_PER_AGENT, ReportData, coaching_order, follow_up_of, messages_around,
                                    shown_findings, team_average, top_things)
from qc_engine.reports.i18n import Words

RESPONSE_RATE_TARGET = 0.9
FIRST_RESPONSE_TARGET_S = 30.0

CSS = """
*{box-sizing:border-box}body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif;
margin:0;color:#222;background:#f5f6f8;font-size:14px;line-height:1.5}
header{background:#1f3b64;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header .sub{opacity:.8;font-size:13px}
nav{padding:6px 24px;background:#e9edf3;font-size:13px}nav a{margin-right:14px}
main{padding:16px 24px;max-width:1100px}section{background:#fff;border-radius:6px;padding:12px 16px;margin:0 0 14px;
box-shadow:0 1px 2px rgba(0,0,0,.08)}h2{font-size:16px;margin:4px 0 10px;border-left:4px solid #2f6fdf;padding-left:8px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e6ea;padding:5px 8px;text-align:left;
vertical-align:top}th{background:#f0f3f7;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 140px;background:#f7f9fc;border:1px solid #e3e6ea;border-radius:6px;
padding:8px 10px}.card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;color:#666}
.up{color:#19a979}.down{color:#d64c3b}.red{color:#c62828;font-weight:600}ol.top3 li{margin:4px 0;font-size:15px}
.finding{border:1px solid #e3e6ea;border-radius:6px;padding:8px 10px;margin:8px 0;break-inside:avoid}
.finding .meta{font-size:12px;color:#555}.chat{margin:6px 0 0;padding:0;list-style:none;font-size:13px}
.chat li{padding:2px 6px;border-left:3px solid transparent}.chat li.flag{background:#fff3e0;border-left-color:#e8743b}
.chat .who{color:#666;margin-right:6px;font-size:12px}.chat .customer .who{color:#2f6fdf}
.tag{display:inline-block;padding:0 6px;border-radius:3px;font-size:12px;background:#eef1f5;margin-right:4px}
.tag.auto{background:#e8f0fe}.tag.human{background:#e6f4ea}.tag.red{background:#fdecea;color:#c62828}
.muted{color:#777;font-size:12px}figure.fig{display:inline-block;margin:8px 16px 0 0;vertical-align:top}
figcaption{font-size:12px;color:#555}.chart{max-width:100%;height:auto}
footer{padding:10px 24px;color:#777;font-size:12px}
@media print{body{background:#fff;font-size:12px}nav,footer .noprint{display:none}section{box-shadow:none;border:1px solid #ddd;
break-inside:avoid}header{background:#fff;color:#000;border-bottom:2px solid #000}.finding{break-inside:avoid}
a{color:#000;text-decoration:none}main{max-width:none}}
"""


def esc(value) -> str:
    """Masked and HTML-escaped text for the page (store text is masked already; this is the second fence)."""
    return escape(mask_text("" if value is None else str(value)))


def page_name(kind: str, name: str, *identity: str) -> str:
    """A file name for a shop or agent page: readable, safe on every OS, unique through a hash of what it shows.

    ``identity`` (default: the name) is hashed as a list, so no two different (shop, agent) pairs share a file
    however their names are cut ("A" + "B/甲" and "A/B" + "甲").
    """
    readable = re.sub(r"[^\w-]+", "_", name, flags=re.UNICODE).strip("_")[:40] or kind
    key = json.dumps(list(identity), ensure_ascii=False) if identity else name
    return f"{kind}-{readable}-{hashlib.sha1(key.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.html"


def agent_page_name(shop: str, agent: str) -> str:
    """The coaching sheet's file name (agent names usually carry their shop already: 店铺:昵称)."""
    return page_name("agent", agent if agent.startswith(shop) else f"{shop}/{agent}", shop, agent)


def fmt(value, kind: str = "num") -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "money":
        return f"{value:,.2f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _page(title: str, subtitle: str, body: str, w: Words, root: str = "") -> str:
    nav = (f'<nav><a href="{root}index.html">{escape(w("index_title"))}</a>'
           f'<a href="{root}team.html">{escape(w("team_title"))}</a>'
           f'<a href="{root}followup.html">{escape(w("follow_up_title"))}</a>'
           f'<a href="{root}sample.html">{escape(w("sample_title"))}</a></nav>')
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if w.lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<style>{CSS}</style></head><body><header><h1>{escape(title)}</h1><div class="sub">{escape(subtitle)}</div>'
            f'</header>{nav}<main>{body}</main><footer>{escape(w("see_store"))}</footer></body></html>')


def _section(heading: str, inner: str, cls: str = "") -> str:
    return f'<section class="{cls}"><h2>{escape(heading)}</h2>{inner}</section>'


def _table(headers: list[tuple[str, str]], rows: list[list[str]], w: Words, cls: str = "") -> str:
    """Headers as (label, 'num'|''), cells already escaped HTML."""
    if not rows:
        return f'<p class="muted">{escape(w("no_data"))}</p>'
    head = "".join(f'<th class="{k}">{escape(h)}</th>' for h, k in headers)
    body = "".join("<tr>" + "".join(f'<td class="{headers[i][1]}">{c}</td>' for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(caption: str, chart: str) -> str:
    return f'<figure class="fig"><figcaption>{escape(caption)}</figcaption>{chart}</figure>'


def _cards(items: list[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{v}</div><div class="k">{escape(k)}</div></div>' for k, v in items) + "</div>"


def _change(today, before) -> str:
    if today is None or before is None:
        return "—"
    delta = today - before
    cls = "up" if delta > 0 else "down" if delta < 0 else ""
    return f'<span class="{cls}">{delta:+.1f}</span>'


def _category_counts(data: ReportData, shop: str | None = None, agent: str | None = None) -> list[tuple[str, int, float]]:
    counts: dict[str, list] = {}
    for f in data.findings:
        if (shop is None or f["shop"] == shop) and (agent is None or f["agent"] == agent):
            c = counts.setdefault(f["category"], [0, 0.0])
            c[0] += 1
            c[1] += f["points"] or 0
    for m in data.manual:
        if (shop is None or m["shop"] == shop) and (agent is None or m["agent"] == agent):
            c = counts.setdefault(m["category"], [0, 0.0])
            c[0] += 1
            c[1] += m["points"] or 0
    return sorted(((k, v[0], v[1]) for k, v in counts.items()), key=lambda t: (-t[1], t[0]))


def _category_section(data: ReportData, w: Words, shop=None, agent=None) -> str:
    cats = _category_counts(data, shop, agent)
    rows = [[esc(w.category(c)), fmt(n, "int"), fmt(p)] for c, n, p in cats]
    chart = svg.bar_chart([(w.category(c), n) for c, n, _ in cats], title=w("by_category")) if cats else ""
    return _section(w("by_category"), chart + _table([(w("category"), ""), (w("count"), "num"), (w("points"), "num")], rows, w))


def _verdict_tags(row: dict, w: Words) -> str:
    tags = f'<span class="tag auto">{escape(w("auto_verdict"))}: {esc(w.severity(row["severity"]))}</span>'
    if row.get("red_line"):
        tags += f'<span class="tag red">{escape(w("red_lines"))}</span>'
    if row.get("verdict"):
        tags += (f'<span class="tag human">{escape(w("human_verdict"))}: {esc(w.verdict(row["verdict"]))}'
                 f' · {esc(row.get("reviewer"))}</span>')
    return tags


def _chat(data: ReportData, w: Words, conversation_id: str, index: int | None) -> str:
    if index is None:
        return ""
    items = []
    for m in messages_around(data, conversation_id, index):
        flag = ' class="flag"' if m["message_index"] == index else ""
        role_cls = f' class="{escape(m["role"])}"' if not flag else flag
        title = f' title="{escape(w("message_flagged"))}"' if flag else ""
        # The customer's account name is left out: the role says enough for coaching.
        who = "" if m["role"] == "customer" else f' {esc(m["sender"])}'
        items.append(f'<li{role_cls}{title}><span class="who">{esc(m["ts"][11:19])} {esc(w.role(m["role"]))}{who}'
                     f'</span>{esc(m["text"])}</li>')
    return f'<ul class="chat">{"".join(items)}</ul>' if items else ""


def _finding_block(data: ReportData, w: Words, f: dict) -> str:
    return (f'<div class="finding"><div class="meta">{_verdict_tags(f, w)} <b>{esc(f["rule_id"])}</b>'
            f' · {esc(w.category(f["category"]))} · -{fmt(f["points"])} · {esc(f["conversation_id"])}</div>'
            f'<div>{escape(w("reason"))}: {esc(f["reason"])}</div>'
            f'<div>{escape(w("expected"))}: <b>{esc(f["expected"] or "—")}</b></div>'
            f'{_chat(data, w, f["conversation_id"], f["message_index"])}</div>')


def _top3(data: ReportData, w: Words, shop: str, agent: str, today: dict | None) -> str:
    tips = []
    for g in top_things(data, shop, agent)[:3]:
        tips.append(esc(w("tip_finding", category=w.category(g["category"]), advice=g["advice"], n=g["n"],
                          points=fmt(g["points"]))))
    if len(tips) < 3 and today:
        rate, first = today.get("response_rate_3min"), today.get("first_response_avg")
        if rate is not None and rate < RESPONSE_RATE_TARGET:
            tips.append(esc(w("tip_response", rate=fmt(rate, "pct"))))
        if len(tips) < 3 and first is not None and first > FIRST_RESPONSE_TARGET_S:
            tips.append(esc(w("tip_first", sec=w.duration(first))))
    if not tips:
        return f'<p>{escape(w("nothing_to_fix"))}</p>'
    return '<ol class="top3">' + "".join(f"<li>{t}</li>" for t in tips) + "</ol>"


def response_cards(row: dict, w: Words) -> list[tuple[str, str]]:
    return [
        (w("first_response_time"), w.duration(row.get("first_response_avg"))),
        (w("avg_response_time"), w.duration(row.get("avg_response_time"))),
        (w("rate_3min"), fmt(row.get("response_rate_3min"), "pct")), (w("slow_rounds"), fmt(row.get("slow_rounds"), "int")),
        (w("unanswered"), fmt(row.get("unanswered_rounds"), "int")), (w("answer_ratio"), fmt(row.get("answer_ratio"))),
    ]


def agent_page(data: ReportData, w: Words, shop: str, agent: str) -> str:
    """The coaching sheet: top three first, then figures, trend, findings in context and reviews."""
    trend = data.agent_trend.get((shop, agent), {})
    today = trend.get(data.day) or {}
    before = [trend[d]["score_avg"] for d in data.days[:-1] if d in trend and trend[d]["score_avg"] is not None]
    cards = [(w("conversations"), fmt(today.get("conversations"), "int")), (w("score_avg"), fmt(today.get("score_avg"))),
             (w("score_change"), _change(today.get("score_avg"), before[-1] if before else None)),
             (w("findings"), fmt(today.get("findings"), "int")), (w("red_lines"), fmt(today.get("red_lines"), "int")),
             (w("high_risk_rate"), fmt(today.get("high_risk_rate"), "pct"))]
    scores = [trend[d]["score_avg"] if d in trend else None for d in data.days]
    body = _section(w("top3"), _top3(data, w, shop, agent, today), "top3")
    body += _section(w("score"), _cards(cards)
                     + _figure(w("score_7d"), svg.line_chart(data.days, scores, title=w("score_7d"), y_max=100)))
    body += _section(w("response_figures"), _cards(response_cards(today, w)))
    mine = follow_up_of(data, shop, agent)
    if mine:  # the agent's high-risk conversations, named: whom the shop calls back, what to learn from
        body += _section(w("my_follow_up"), _follow_up_table(data, w, mine, "../", with_agent=False))
    body += _category_section(data, w, shop, agent)
    mine = [f for f in data.findings if f["shop"] == shop and f["agent"] == agent]
    shown = shown_findings(data, shop, agent)
    blocks = "".join(_finding_block(data, w, f) for f in shown)
    if len(mine) > len(shown):
        blocks += f'<p class="muted">{escape(w("more_findings", n=len(mine) - FINDINGS_SHOWN_PER_AGENT))}</p>'
    body += _section(w("findings_detail"), blocks or f'<p>{escape(w("nothing_to_fix"))}</p>')
    body += _manual_and_reviews(data, w, shop, agent)
    return _page(f'{w("agent_title")} · {mask_text(agent)}', f'{mask_text(shop)} · {data.day}', body, w, "../")


def _manual_and_reviews(data: ReportData, w: Words, shop: str, agent: str | None) -> str:
    manual = [m for m in data.manual if m["shop"] == shop and (agent is None or m["agent"] == agent)]
    out = ""
    if manual:
        blocks = "".join(
            f'<div class="finding"><div class="meta"><span class="tag human">{escape(w.verdict("manual"))}</span>'
            f' {esc(w.category(m["category"]))} · {esc(w.severity(m["severity"]))} · -{fmt(m["points"])} · '
            f'{esc(m["conversation_id"])} · {escape(w("reviewer"))}: {esc(m["reviewer"])}</div><div>{esc(m["note"])}</div>'
            f'{_chat(data, w, m["conversation_id"], m["message_index"])}</div>' for m in manual)
        out += _section(w("manual_findings"), blocks)
    over = [f for f in data.overturned if f["shop"] == shop and (agent is None or f["agent"] == agent)]
    if over:
        rows = [[esc(f["rule_id"]), esc(f["conversation_id"]), esc(f["reason"]), esc(f["review_reason"]),
                 esc(f["reviewer"]), esc((f["reviewed_at"] or "")[:16])] for f in over]
        out += _section(w("review_log"), f'<p class="muted">{escape(w("overturned_note"))}</p>' + _table(
            [(w("rule"), ""), (w("conversation"), ""), (w("reason"), ""), (w("note"), ""), (w("reviewer"), ""), ("", "")],
            rows, w))
    return out


def coaching_reason(a: dict, w: Words, average: float | None) -> str:
    """Why an agent stands where the coaching order puts them, in a few words."""
    why = []
    if a.get("red_lines"):
        why.append(w("why_red_lines", n=a["red_lines"]))
    if average is not None and a.get("score_avg") is not None and a["score_avg"] < average - 0.05:
        why.append(w("why_score", score=fmt(a["score_avg"]), avg=fmt(average)))
    rate, first = a.get("response_rate_3min"), a.get("first_response_avg")
    if rate is not None and rate < RESPONSE_RATE_TARGET:
        why.append(w("why_rate", rate=fmt(rate, "pct")))
    if first is not None and first > FIRST_RESPONSE_TARGET_S:
        why.append(w("why_first", time=w.duration(first)))
    if a.get("high_risk"):
        why.append(w("why_high_risk", n=a["high_risk"]))
    if not why and a.get("findings"):
        why.append(w("why_findings", n=a["findings"]))
    return ("；" if w.lang == "zh" else "; ").join(why) or w("why_fine")


def _agent_rows(data: ReportData, w: Words, agents: list[dict], link_root: str, ranked: bool = False) -> str:
    average = team_average(data.agents_today)
    rows = []
    for i, a in enumerate(agents, 1):
        trend = data.agent_trend.get((a["shop"], a["agent"]), {})
        prev = next((trend[d]["score_avg"] for d in reversed(data.days[:-1]) if d in trend), None)
        link = f'<a href="{link_root}agents/{agent_page_name(a["shop"], a["agent"])}">{esc(a["agent"])}</a>'
        cells = ([str(i), esc(a["shop"])] if ranked else []) + [
            link, fmt(a["conversations"], "int"), fmt(a["score_avg"]), _change(a["score_avg"], prev),
            fmt(a["findings"], "int"), fmt(a["red_lines"], "int"), w.duration(a["first_response_avg"]),
            w.duration(a["avg_response_time"]), fmt(a["response_rate_3min"], "pct"), fmt(a["answer_ratio"]),
            fmt(a.get("high_risk_rate"), "pct")]
        if ranked:
            cells.append(esc(coaching_reason(a, w, average)))
        rows.append(cells)
    headers = ([(w("rank"), "num"), (w("shop"), "")] if ranked else []) + [
        (w("agent"), ""), (w("conversations"), "num"), (w("score_avg"), "num"), (w("score_change"), "num"),
        (w("findings"), "num"), (w("red_lines"), "num"), (w("first_response_time"), "num"), (w("avg_response_time"), "num"),
        (w("rate_3min"), "num"), (w("answer_ratio"), "num"), (w("high_risk_rate"), "num")] + (
        [(w("why"), "")] if ranked else [])
    return _table(headers, rows, w, "agents")


def shop_page(data: ReportData, w: Words, shop: str) -> str:
    """The shop's daily report: 接待数, findings, scores per agent, the 7-day trend; only this shop's data."""
    today = data.shop_today(shop)
    cards = [(w("conversations"), fmt(today.get("conversations"), "int")), (w("customers"), fmt(today.get("customers"), "int")),
             (w("score_avg"), fmt(today.get("score_avg"))), (w("findings"), fmt(today.get("findings"), "int")),
             (w("red_lines"), fmt(today.get("red_lines"), "int"))]
    sales = data.sales.get(shop)
    if sales:
        cards += [(w("inquiries"), fmt(sales.get("inquiries"), "int")), (w("paid"), fmt(sales.get("paid"), "int")),
                  (w("conversion"), fmt(sales.get("conversion_rate"), "pct")), (w("paid_amount"), fmt(sales.get("paid_amount"), "money"))]
    by_day = {r["day"]: r for r in data.shop_trend.get(shop, [])}
    body = _section(w("shop_title"), _cards(cards))
    scores = [by_day[d]["score_avg"] if d in by_day else None for d in data.days]
    counts = [by_day[d]["conversations"] if d in by_day else None for d in data.days]
    body += _section(w("trend"), _figure(w("score_7d"), svg.line_chart(data.days, scores, title=w("score_7d"), y_max=100))
                     + _figure(w("conversations_7d"), svg.line_chart(data.days, counts, title=w("conversations_7d"))))
    agents = [a for a in data.agents_today if a["shop"] == shop]
    body += _section(w("score"), _agent_rows(data, w, agents, "../"))
    body += _section(w("follow_up_title"), _follow_up_table(data, w, follow_up_of(data, shop), "../"))
    body += _category_section(data, w, shop)
    body += _rules_section(data, w, shop)
    body += _manual_and_reviews(data, w, shop, None)
    return _page(f'{w("shop_title")} · {mask_text(shop)}', data.day, body, w, "../")


def _rules_section(data: ReportData, w: Words, shop: str | None = None, limit: int = 10) -> str:
    counts: dict[str, list] = {}
    for f in data.findings:
        if shop is None or f["shop"] == shop:
            c = counts.setdefault(f["rule_id"], [0, 0.0, f["category"], f["reason"]])
            c[0] += 1
            c[1] += f["points"] or 0
    top = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    rows = [[esc(r), esc(w.category(c[2])), fmt(c[0], "int"), fmt(c[1])] for r, c in top]
    chart = svg.bar_chart([(r, c[0]) for r, c in top], title=w("top_rules")) if top else ""
    return _section(w("top_rules"), chart + _table([(w("rule"), ""), (w("category"), ""), (w("count"), "num"),
                                                    (w("points"), "num")], rows, w, "rules"))


def team_page(data: ReportData, w: Words) -> str:
    """The QC lead's overview: agents ranked, categories over the week, the rules that fire most."""
    body = _section(w("ranked"), _agent_rows(data, w, coaching_order(data.agents_today), "", ranked=True))
    cats = sorted({c for per_shop in data.categories_by_day.values() for per_day in per_shop.values() for c in per_day})
    series = {c: [sum(data.categories_by_day.get(s, {}).get(d, {}).get(c, 0) for s in data.shops) for d in data.days]
              for c in cats}
    chart = svg.stacked_day_bars(data.days, series, {c: w.category(c) for c in cats}, title=w("categories_over_time"))
    rows = [[esc(w.category(c))] + [fmt(v, "int") for v in series[c]] for c in cats]
    body += _section(w("categories_over_time"), chart + _table(
        [(w("category"), "")] + [(d[5:], "num") for d in data.days], rows, w, "categories"))
    body += _rules_section(data, w)
    return _page(w("team_title"), data.day, body, w)


def sample_page(data: ReportData, w: Words) -> str:
    """The day's review sample, red lines first, for the QC specialist's worklist."""
    rows = [[esc(s["shop"]), esc(s["conversation_id"]), esc(s["agent"]), fmt(s["score"]), esc(w.sample_reason(s["reason"])),
             fmt(s["finding_count"], "int"), "✓" if s["reviews"] else ""] for s in data.sample]
    if not data.sample:
        hint = f'<p>{escape(w("no_sample", day=data.day))}</p>'
        return _page(w("sample_title"), data.day, _section(w("sample_title"), hint), w)
    table = _table([(w("shop"), ""), (w("conversation"), ""), (w("agent"), ""), (w("score"), "num"),
                    (w("sample_reason"), ""), (w("findings"), "num"), (w("reviewed"), "")], rows, w, "sample")
    return _page(w("sample_title"), data.day, _section(w("sample_title"), table), w)


def index_page(data: ReportData, w: Words, files: dict[str, str]) -> str:
    """Links to every page and download of the day."""
    shop_rows = []
    for shop in data.shops:
        t = data.shop_today(shop)
        shop_rows.append([f'<a href="shops/{page_name("shop", shop)}">{esc(shop)}</a>', fmt(t.get("conversations"), "int"),
                          fmt(t.get("score_avg")), fmt(t.get("findings"), "int"), fmt(t.get("red_lines"), "int")])
    body = ""
    if data.warnings:  # what the runs of the day could not do as asked: first, so nobody reads figures unaware
        items = "".join(f"<li>{esc(warning)}</li>" for warning in data.warnings)
        body += _section(w("run_warnings"), f"<ul>{items}</ul>", "warnings")
    body += _section(w("shops"), _table([(w("shop"), ""), (w("conversations"), "num"), (w("score_avg"), "num"),
                                         (w("findings"), "num"), (w("red_lines"), "num")], shop_rows, w, "shops"))
    average = team_average(data.agents_today)
    links = "".join(f'<li><a href="agents/{agent_page_name(a["shop"], a["agent"])}">{esc(a["agent"])}</a>'
                    f' <span class="muted">{esc(a["shop"])} · {fmt(a["score_avg"])} · {esc(coaching_reason(a, w, average))}'
                    f'</span></li>' for a in coaching_order(data.agents_today))
    body += _section(w("agents"), f"<ul>{links}</ul>" if links else f'<p class="muted">{escape(w("no_data"))}</p>')
    body += _section(w("team_title"), f'<p><a href="team.html">{escape(w("team_title"))}</a> · '
                                      f'<a href="followup.html">{escape(w("follow_up_title"))}</a> ({len(data.follow_up)}) · '
                                      f'<a href="sample.html">{escape(w("sample_title"))}</a> ({len(data.sample)})</p>')
    downloads = "".join(f'<li><a href="{escape(path)}">{escape(label)}</a></li>' for label, path in files.items())
    body += _section(w("downloads"), f"<ul>{downloads}</ul>")
    return _page(w("index_title"), data.day, body, w)


def follow_up_anchor(conversation_id: str) -> str:
    """The id of a conversation's entry on the follow-up page (conversation ids may hold any character)."""
    return "c-" + hashlib.sha1(conversation_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _follow_up_table(data: ReportData, w: Words, rows: list[dict], root: str, with_agent: bool = True) -> str:
    """Follow-up entries as a table, each linking to its conversation on the follow-up page."""
    cells = [[str(r["rank"]), fmt(r["risk"], "ratio")]
             + ([esc(r["agent"])] if with_agent else [])
             + [f'<a href="{root}followup.html#{follow_up_anchor(r["conversation_id"])}">{esc(r["conversation_id"])}</a>',
                esc(r["why"])] for r in rows]
    if not rows:
        return f'<p class="muted">{escape(w("no_follow_up"))}</p>'
    headers = [(w("rank"), "num"), (w("risk"), "num")] + ([(w("agent"), "")] if with_agent else []) + [
        (w("conversation"), ""), (w("risk_why"), "")]
    return _table(headers, cells, w, "follow-up")


def follow_up_page(data: ReportData, w: Words) -> str:
    """The 回访名单: per shop, the conversations to call back, highest risk first, each with its ending."""
    body = f'<p>{escape(w("follow_up_intro"))}</p>'
    for shop in data.shops:
        rows = follow_up_of(data, shop)
        inner = _follow_up_table(data, w, rows, "")
        for r in rows:
            chat = "".join(
                f'<li class="{escape(m["role"])}"><span class="who">{esc(m["ts"][11:19])} {esc(w.role(m["role"]))}'
                f'{"" if m["role"] == "customer" else " " + esc(m["sender"])}</span>{esc(m["text"])}</li>'
                for m in data.follow_up_messages.get(r["conversation_id"], ()))
            inner += (f'<div class="finding" id="{follow_up_anchor(r["conversation_id"])}"><div class="meta">'
                      f'{r["rank"]} · {escape(w("risk"))} {fmt(r["risk"], "ratio")}'
                      f' · {esc(r["conversation_id"])} · {escape(w("agent"))}: {esc(r["agent"])}'
                      f' · {escape(w("customer"))}: {esc(r["customer"])}</div>'
                      f'<div>{escape(w("risk_why"))}: {esc(r["why"])}</div>'
                      f'<div>{escape(w("evidence"))}: {esc(r["evidence"])}</div>'
                      f'<div class="muted">{escape(w("last_messages"))}</div><ul class="chat">{chat}</ul></div>')
        body += _section(shop, inner)
    return _page(w("follow_up_title"), data.day, body, w)
