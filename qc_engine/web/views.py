"""The pages (GET only; nothing here writes to the store): the queue and one conversation."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from qc_engine.lang import translations
from qc_engine.pages import chat
from qc_engine.pages.labels import CATEGORIES, ROLES, SEVERITIES, VERDICTS, label
from qc_engine.review.progress import reviewed_marks
from qc_engine.web import queries
from qc_engine.web.context import filters, page, query, store


def _statuses(_) -> list[tuple[str, str]]:
    return [("", _("All")), ("todo", _("To review")), ("done", _("Reviewed"))]


async def queue_page(request: Request):
    f = filters(request.query_params)

    def read():
        with store(request) as db:
            day = f["day"] or queries.default_day(db) or ""
            return queries.days(db), queries.queue(db, day, f["shop"], f["agent"], f["rule"], f["status"])

    days, q = await run_in_threadpool(read)
    f["day"] = q.day
    if q.day and q.day not in days:
        days = [q.day] + days
    _ = translations(request.app.state.lang).gettext
    percent = round(100 * q.done / q.total) if q.total else 0
    return page(request, "queue.html", title=_("Review queue"), subtitle=q.day, q=q, days=days, filters=f,
                query=query(f), statuses=_statuses(_), percent=percent,
                rule_names={k: v.name for k, v in request.app.state.rules.items()})


def _finding_card(f: dict, rules: dict, lang: str) -> dict:
    info = rules.get(f["rule_id"])
    return dict(f, rule_name=info.name if info else f["rule_id"], summary=info.summary if info else "",
                category_label=label(CATEGORIES, f["category"], lang), severity_label=label(SEVERITIES, f["severity"], lang),
                verdict_label=label(VERDICTS, f["verdict"], lang) if f["verdict"] else "")


async def conversation_page(request: Request):
    key = request.path_params["key"]
    f = filters(request.query_params)
    lang = request.app.state.lang

    def read():
        with store(request) as db:
            conv = queries.conversation_by_key(db, key)
            if conv is None:
                return None
            cid = conv["conversation_id"]
            q = queries.queue(db, f["day"] or conv["day"], f["shop"], f["agent"], f["rule"], f["status"])
            return (conv, queries.messages(db, cid), queries.findings(db, cid), queries.manual_findings(db, cid),
                    reviewed_marks(db, cid), queries.neighbours(q, key))

    found = await run_in_threadpool(read)
    if found is None:
        raise HTTPException(404)
    conv, messages, found_findings, manual, marks, (previous, following) = found
    rules = request.app.state.rules
    cards = [_finding_card(x, rules, lang) for x in found_findings]
    roles = {k: label(ROLES, k, lang) for k in ROLES}
    lines = chat.lines(messages, roles, lang, flagged={c["message_index"] for c in cards if c["message_index"] is not None})
    by_index = {line.index: line for line in lines}
    general = []
    for c in cards:
        (by_index[c["message_index"]].findings if c["message_index"] in by_index else general).append(c)
    general_manual = []
    for m in manual:
        m = dict(m, category_label=label(CATEGORIES, m["category"], lang), severity_label=label(SEVERITIES, m["severity"], lang))
        (by_index[m["message_index"]].notes if m["message_index"] in by_index else general_manual).append(m)
    first_open = next((c["key"] for c in cards if not c["verdict"]), None)
    at = request.query_params.get("at")
    _ = translations(lang).gettext
    return page(
        request, "conversation.html", title=_("Conversation {id}").format(id=conv["conversation_id"]),
        subtitle=f'{conv["shop"]} · {conv["primary_agent"] or ""} · {conv["day"]}', conv=conv, lines=lines,
        general=general, general_manual=general_manual, cards=cards, manual=manual, marks=marks, key=key,
        previous=previous, following=following, query=query(f), first_open=first_open,
        at=int(at) if at and at.isdigit() else None, rules=list(rules.values()),
        categories=[(k, label(CATEGORIES, k, lang)) for k in CATEGORIES],
        severities=[(k, label(SEVERITIES, k, lang)) for k in SEVERITIES],
    )


async def who_page(request: Request):
    _ = translations(request.app.state.lang).gettext
    target = request.query_params.get("next") or "/"
    return page(request, "who.html", title=_("Who is reviewing?"), next=target)
