"""Named accounts of the review workbench and what each may see and do.

Roles: a reviewer (质检员) judges findings, a lead (质检主管) also decides appeals and sees calibration, an
agent (客服) sees only their own conversations and may appeal their findings. Every account is bound to
shops ("*" = every shop, never for an agent); one shop's people never see another shop's data.

Passwords are hashed with argon2id (argon2-cffi: the Password Hashing Competition's winner, salted, memory
hard, maintained); the password itself is never stored, logged or returned.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

import sqlite_utils

from qc_engine.lang import _
from qc_engine.store import write_transaction
from qc_engine.review.verdicts import ReviewError

ROLES = ("reviewer", "lead", "agent")
ALL_SHOPS = "*"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack, not a password


class Forbidden(ReviewError):
    """The account may not do or see this; the message says what, in one line."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    shops: tuple[str, ...]
    agent: str | None = None

    @property
    def all_shops(self) -> bool:
        return ALL_SHOPS in self.shops

    def sees_shop(self, shop: str | None) -> bool:
        return shop is not None and (self.all_shops or shop in self.shops)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ReviewError(_("a password needs at least {n} characters").format(n=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise ReviewError(_("a password may have at most {n} characters").format(n=MAX_PASSWORD))


def _account(row: dict[str, Any]) -> Account:
    return Account(row["name"], row["role"], tuple(json.loads(row["shops"] or "[]")), row["agent"] or None)


def add_account(db: sqlite_utils.Database, name: str, password: str, role: str, shops: Iterable[str],
                agent: str | None = None, created_by: str | None = None) -> Account:
    """A new account; a name already taken, an unknown role or an agent without an agent id is refused."""
    name = (name or "").strip()
    shops = tuple(dict.fromkeys(s.strip() for s in shops if s and s.strip()))
    if not name or len(name) > 64 or any(ch.isspace() and ch != " " for ch in name):
        raise ReviewError(_("an account name is 1 to 64 characters on one line"))
    if role not in ROLES:
        raise ReviewError(_("role must be one of {values}").format(values=", ".join(ROLES)))
    if not shops:
        raise ReviewError(_("an account needs at least one shop (--shop)"))
    if role == "agent":
        if not (agent or "").strip():
            raise ReviewError(_("an agent account needs the agent id their messages carry (--agent)"))
        if ALL_SHOPS in shops:
            raise ReviewError(_("an agent account is bound to their own shop(s), not to every shop"))
    elif agent:
        raise ReviewError(_("only an agent account has an agent id"))
    _check_password(password)
    if db["accounts"].count_where("name = ?", [name]):
        raise ReviewError(_("there is already an account {name!r}").format(name=name))
    now = _now()
    with write_transaction(db.conn):
        db.conn.execute(
            "insert into accounts (name, password_hash, role, shops, agent, created_at, created_by, password_changed_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, _hasher().hash(password), role, json.dumps(list(shops), ensure_ascii=False),
             (agent or "").strip() or None, now, created_by, now))
    return Account(name, role, shops, (agent or "").strip() or None)


def get_account(db: sqlite_utils.Database, name: str) -> Account | None:
    rows = list(db.query("select name, role, shops, agent from accounts where name = ?", [name]))
    return _account(rows[0]) if rows else None


def list_accounts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every account without its hash: name, role, shops, agent, created_at, created_by."""
    return [{**r, "shops": json.loads(r["shops"] or "[]")} for r in db.query(
        "select name, role, shops, agent, created_at, created_by, password_changed_at from accounts order by name")]


def has_accounts(db: sqlite_utils.Database) -> bool:
    """True once any account exists: from then on names given for verdicts and appeals must be accounts."""
    return bool(db.execute("select 1 from accounts limit 1").fetchone())


def remove_account(db: sqlite_utils.Database, name: str) -> None:
    """Remove an account; verdicts and appeals it made keep its name."""
    with write_transaction(db.conn):
        gone = db.conn.execute("delete from accounts where name = ?", (name,)).rowcount
    if not gone:
        raise ReviewError(_("no account {name!r}").format(name=name))


def set_password(db: sqlite_utils.Database, name: str, password: str) -> None:
    _check_password(password)
    with write_transaction(db.conn):
        changed = db.conn.execute("update accounts set password_hash = ?, password_changed_at = ? where name = ?",
                                  (_hasher().hash(password), _now(), name)).rowcount
    if not changed:
        raise ReviewError(_("no account {name!r}").format(name=name))


_DUMMY_HASH: list[str] = []


def authenticate(db: sqlite_utils.Database, name: str, password: str) -> Account | None:
    """The account when ``password`` is its password, else None. An unknown name costs as long as a wrong
    password, so the answer's timing does not tell which names exist."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    row = db.execute("select password_hash from accounts where name = ?", [name or ""]).fetchone() if name else None
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return None
    if row is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hasher.hash("not a password of anyone"))
        try:
            hasher.verify(_DUMMY_HASH[0], password)
        except VerificationError:
            pass
        return None
    try:
        hasher.verify(row[0], password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(row[0]):  # argon2's parameters were raised since: store the stronger hash
        with write_transaction(db.conn):
            db.conn.execute("update accounts set password_hash = ? where name = ?", (hasher.hash(password), name))
    return get_account(db, name)


# --- what an account may see and do ---------------------------------------------------------------------------

def conversation_filter(account: Account, alias: str = "c") -> tuple[str, list[Any]]:
    """A SQL condition on conversations (``alias``) and its parameters: what ``account`` may see."""
    if account.all_shops:
        where, params = "1", []
    else:
        where = f"{alias}.shop in ({', '.join('?' * len(account.shops))})"
        params = list(account.shops)
    if account.role == "agent":
        where += f" and exists (select 1 from json_each({alias}.agents) a where a.value = ?)"
        params.append(account.agent)
    return where, params


def can_see_conversation(db: sqlite_utils.Database, account: Account, conversation_id: str) -> bool:
    where, params = conversation_filter(account)
    return bool(db.execute(f"select 1 from conversations c where c.conversation_id = ? and {where}",
                           [conversation_id, *params]).fetchone())


def can_see_finding(db: sqlite_utils.Database, account: Account, finding_id: str) -> bool:
    """An agent sees the findings on their own conversations, the others those of their shops."""
    row = db.execute("select conversation_id from findings where finding_id = ?", [finding_id]).fetchone()
    return row is not None and can_see_conversation(db, account, row[0])


def can_review(account: Account, shop: str) -> bool:
    """Confirm, overturn, add findings and comments, calibrate: reviewers and leads of the shop."""
    return account.role in ("reviewer", "lead") and account.sees_shop(shop)


def can_decide_appeals(account: Account, shop: str) -> bool:
    return account.role == "lead" and account.sees_shop(shop)


def can_appeal(account: Account, finding: dict[str, Any]) -> bool:
    """An agent appeals their own findings; a lead of the shop may file on an agent's behalf."""
    if account.role == "agent":
        return account.sees_shop(finding.get("shop")) and bool(account.agent) and finding.get("agent") == account.agent
    return account.role == "lead" and account.sees_shop(finding.get("shop"))


def require(allowed: bool, what: str) -> None:
    """Raise Forbidden (``what`` says what was refused) unless ``allowed``."""
    if not allowed:
        raise Forbidden(_("not allowed: {what}").format(what=what))


def acting_account(db: sqlite_utils.Database, name: str | None) -> Account | None:
    """The account a name given on the command line stands for. Without any account in the store (one person
    reviewing on their own machine) names are free and None is returned; once accounts exist the name must be one."""
    if not has_accounts(db):
        return None
    account = get_account(db, name or "")
    if account is None:
        raise Forbidden(_("{name!r} is not an account of this store; `qc accounts list` shows them").format(name=name))
    return account
