"""The review workbench as an ASGI app (Starlette): routes, the session, the protections, the static files."""
from __future__ import annotations

import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qc_engine import pages
from qc_engine.lang import translations
from qc_engine.store import open_db
from qc_engine.web import actions, views
from qc_engine.web.context import page
from qc_engine.web.rules import rule_infos
from qc_engine.web.security import SecurityHeaders
from qc_engine.web.who import is_loopback

SESSION_HOURS = 12


def _error_page(request: Request, exc: HTTPException):
    _ = translations(request.app.state.lang).gettext
    messages = {403: _("This form has expired or did not come from this page; reload the page and try again."),
                404: _("There is no such page or conversation.")}
    text = messages.get(exc.status_code, _("The request could not be handled."))
    return page(request, "error.html", status_code=exc.status_code, title=_("QC workbench"), message=text)


def create_app(db_path: str | Path, *, lang: str = "zh", host: str = "127.0.0.1", secret: str | None = None,
               plugin_files=()) -> Starlette:
    """The workbench over the store at ``db_path`` (migrated once here; each request opens its own handle)."""
    db = open_db(db_path)
    db.close()
    routes = [
        Route("/", views.queue_page),
        Route("/c/{key:int}", views.conversation_page),
        Route("/c/{key:int}/verdict", actions.verdict, methods=["POST"]),
        Route("/c/{key:int}/finding", actions.add_finding, methods=["POST"]),
        Route("/c/{key:int}/done", actions.done, methods=["POST"]),
        Route("/sample", actions.sample, methods=["POST"]),
        Route("/who", views.who_page),
        Route("/who", actions.set_name, methods=["POST"]),
        Mount("/static", StaticFiles(directory=pages.static_dir()), name="static"),
    ]
    middleware = [Middleware(SecurityHeaders)]
    if is_loopback(host):  # a page of another site rebinding its name to this address cannot read these pages
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"]))
    middleware.append(Middleware(SessionMiddleware, secret_key=secret or secrets.token_urlsafe(32), session_cookie="qc_session",
                                 max_age=SESSION_HOURS * 3600, same_site="strict", https_only=False))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: _error_page})
    app.state.db_path = str(db_path)
    app.state.lang = lang
    app.state.rules = rule_infos(plugin_files)
    return app
