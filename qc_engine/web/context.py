"""What every handler needs: the store for one request, the page's filters, rendering with the session's token."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

from qc_engine import pages
from qc_engine.store import open_db
from qc_engine.web.security import csrf_token
from qc_engine.web.who import reviewer

FILTERS = ("day", "shop", "agent", "rule", "status")
STATUSES = ("", "todo", "done")


@contextmanager
def store(request: Request):
    """The store, opened for this request and closed after it (SQLite handles are not shared between threads)."""
    db = open_db(request.app.state.db_path, migrate_schema=False)
    try:
        yield db
    finally:
        db.close()


def filters(values) -> dict[str, str]:
    """The queue's filters from a query string or a form (anything else is dropped)."""
    out = {name: str(values.get(name) or "")[:200] for name in FILTERS}
    if out["status"] not in STATUSES:
        out["status"] = ""
    return out


def query(f: dict[str, str]) -> str:
    """The filters as a query string ("" when none), to carry them from page to page."""
    kept = {k: v for k, v in f.items() if v}
    return "?" + urlencode(kept) if kept else ""


def flash(request: Request, kind: str, text: str) -> None:
    request.session["flash"] = {"kind": kind, "text": text}


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page of the workbench: the session's token, reviewer and one-time message come with every page."""
    context.setdefault("subtitle", "")
    context.update(csrf=csrf_token(request), reviewer=reviewer(request), flash=request.session.pop("flash", None))
    return HTMLResponse(pages.render(request.app.state.lang, template, **context), status_code=status_code)
