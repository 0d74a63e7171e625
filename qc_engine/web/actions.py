"""The forms' POSTs: verdicts, manual findings, the reviewed mark, the sample, the reviewer's name.

Each checks the page's token first (403 and nothing changed without it), writes through the review layer's
functions (the same ones `qc review` uses, so the next `qc report` follows), then sends the browser back to
a page (POST, redirect, GET): reloading a page never repeats a write.
"""
from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from qc_engine.lang import translations
from qc_engine.model import SEVERITIES
from qc_engine.review.progress import mark_reviewed
from qc_engine.review.sampling import default_seed, draw_sample, store_sample
from qc_engine.review.verdicts import ReviewError, add_manual_finding, record_verdict
from qc_engine.web import queries
from qc_engine.web.context import filters, flash, query, store
from qc_engine.web.security import check_csrf
from qc_engine.web.who import clean_name, reviewer, set_reviewer

MAX_TEXT = 2000


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def _form(request: Request):
    form = await request.form()
    check_csrf(request, form)
    return form


def _text(form, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def _gettext(request: Request):
    return translations(request.app.state.lang).gettext


def _reviewer_or_login(request: Request, back: str):
    """The reviewer's name, or the page asking for it (which then comes back to ``back``)."""
    name = reviewer(request)
    if name is None:
        return None, _back("/who?" + urlencode({"next": back}))
    return name, None


async def verdict(request: Request):
    form = await _form(request)
    key = request.path_params["key"]
    q = query(filters(request.query_params))
    name, redirect = _reviewer_or_login(request, f"/c/{key}{q}")
    if redirect:
        return redirect
    _ = _gettext(request)
    kind, fid, reason = _text(form, "verdict"), _text(form, "fid"), _text(form, "reason")
    if kind == "confirmed" and not reason:
        reason = _("Confirmed in review")

    def write():
        with store(request) as db:
            conv = queries.conversation_by_key(db, key)
            if conv is None:
                raise HTTPException(404)
            found = queries.findings(db, conv["conversation_id"])
            target = next((f for f in found if f["key"] == fid), None)
            if target is None:
                return _("This finding is no longer in the store (was the day audited again?)."), None
            try:
                result = record_verdict(db, target["finding_id"], kind, reason, name)
            except ReviewError as exc:
                return str(exc), target["key"]
            after = next((f["key"] for f in queries.findings(db, conv["conversation_id"]) if not f["verdict"]), None)
            word = _("Confirmed") if kind == "confirmed" else _("Overturned")
            score = "—" if result.score_after is None else f"{result.score_after:.1f}"
            return None, (after, _("{verdict} {rule}; the agent's day score is now {score}").format(
                verdict=word, rule=target["rule_id"], score=score))

    error, detail = await run_in_threadpool(write)
    if error:
        flash(request, "error", error)
        return _back(f"/c/{key}{q}" + (f"#f-{detail}" if detail else ""))
    following, message = detail
    flash(request, "ok", message)
    return _back(f"/c/{key}{q}" + (f"#f-{following}" if following else "#done"))


def _points(text: str) -> float:
    try:
        return float(text or 0)
    except ValueError:
        return -1.0  # refused by add_manual_finding, in its words


async def add_finding(request: Request):
    form = await _form(request)
    key = request.path_params["key"]
    q = query(filters(request.query_params))
    name, redirect = _reviewer_or_login(request, f"/c/{key}{q}")
    if redirect:
        return redirect
    _ = _gettext(request)
    rule_id, category, note = _text(form, "rule"), _text(form, "category"), _text(form, "note")
    severity = _text(form, "severity") or "minor"
    message = _text(form, "message")
    info = request.app.state.rules.get(rule_id) if rule_id else None
    if rule_id and info is None:
        flash(request, "error", _("Unknown rule {rule}").format(rule=rule_id))
        return _back(f"/c/{key}{q}#add")
    if info is not None:
        category = info.category
        note = f"{info.id} {info.name}：{note}" if note else ""
    if severity not in SEVERITIES:
        severity = "minor"

    def write():
        with store(request) as db:
            conv = queries.conversation_by_key(db, key)
            if conv is None:
                raise HTTPException(404)
            try:
                add_manual_finding(db, conv["conversation_id"], category, note, points=_points(_text(form, "points")),
                                   message_index=int(message) if message.isdigit() else None, severity=severity,
                                   reviewer=name)
            except ReviewError as exc:
                return str(exc)
            return None

    error = await run_in_threadpool(write)
    flash(request, "error" if error else "ok", error or _("Finding added"))
    return _back(f"/c/{key}{q}" + (f"#m{message}" if message.isdigit() and not error else "#add"))


async def done(request: Request):
    form = await _form(request)
    key = request.path_params["key"]
    f = filters(request.query_params)
    name, redirect = _reviewer_or_login(request, f"/c/{key}{query(f)}")
    if redirect:
        return redirect

    def write():
        with store(request) as db:
            conv = queries.conversation_by_key(db, key)
            if conv is None:
                raise HTTPException(404)
            mark_reviewed(db, conv["conversation_id"], name)
            q = queries.queue(db, f["day"] or conv["day"], f["shop"], f["agent"], f["rule"], f["status"])
            return queries.neighbours(q, key)[1]

    following = await run_in_threadpool(write)
    flash(request, "ok", _gettext(request)("Marked as reviewed"))
    return _back(f"/c/{following}{query(f)}" if following else "/" + query(f))


async def sample(request: Request):
    form = await _form(request)
    _ = _gettext(request)
    day = _text(form, "day")
    try:
        share = float(_text(form, "share") or 0.1)
    except ValueError:
        share = -1
    if not 0 <= share <= 1:
        flash(request, "error", _("The share is a number between 0 and 1 (0.1 = 10%)."))
        return _back("/?day=" + day)

    def write():
        with store(request) as db:
            seed = default_seed(day)
            picks = draw_sample(db, day, share, seed)
            store_sample(db, picks, day, seed)
            return len(picks)

    n = await run_in_threadpool(write)
    flash(request, "ok", _("{n} conversations drawn for review").format(n=n))
    return _back("/?day=" + day)


def safe_next(target: str) -> str:
    """Only a path of this site (never //elsewhere or a scheme) is a place to go back to."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


async def set_name(request: Request):
    form = await _form(request)
    name = clean_name(_text(form, "reviewer"))
    target = safe_next(_text(form, "next"))
    if not name:
        flash(request, "error", _gettext(request)("Please enter your name."))
        return _back("/who")
    set_reviewer(request, name)
    return _back(target)
