"""Cross-site request forgery and the browser's protections.

Every form carries the session's token; a POST without it (or with another) changes nothing and answers 403.
The session cookie is SameSite=Strict, every answer carries a strict Content-Security-Policy (no inline
script, no framing, forms only to this site) and is never cached, and a POST from another origin is refused
even with a token.
"""
from __future__ import annotations

import hmac
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request

TOKEN_FIELD = "csrf"

HEADERS = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def csrf_token(request: Request) -> str:
    """The session's token, made on first use."""
    token = request.session.get(TOKEN_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[TOKEN_FIELD] = token
    return token


def check_csrf(request: Request, form) -> None:
    """403 unless the form carries the session's token and the request comes from this site."""
    expected = request.session.get(TOKEN_FIELD) or ""
    given = form.get(TOKEN_FIELD) or ""
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "csrf")
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise HTTPException(403, "origin")


class SecurityHeaders:
    """ASGI middleware adding HEADERS to every answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)
