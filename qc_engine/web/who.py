"""Who is reviewing: every verdict, finding and comment made in the browser records the reviewer.

On this computer alone (the app bound to a loopback address) a reviewer gives a name, kept in the session.
Bound beyond it, the app needs named accounts with passwords; it does not start without them.
"""
from __future__ import annotations

import ipaddress

from starlette.requests import Request

MAX_NAME = 40


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def reviewer(request: Request) -> str | None:
    """The reviewer's name in this session, or None."""
    name = request.session.get("reviewer")
    return name if isinstance(name, str) and name else None


def clean_name(name: str) -> str:
    """A name as kept: one line, no control characters, at most MAX_NAME characters."""
    name = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    return name[:MAX_NAME]


def set_reviewer(request: Request, name: str) -> None:
    request.session["reviewer"] = name
