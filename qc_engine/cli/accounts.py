"""`qc accounts`: the named accounts of the review workbench (reviewers, leads, agents) and their shops."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.review.accounts import ROLES, add_account, list_accounts, remove_account, set_password
from qc_engine.review.verdicts import ReviewError
from qc_engine.cli.report import DB_HELP, open_existing_db

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
ROLE_WORDS = (N_("reviewer"), N_("lead"), N_("agent"))  # shown translated
PASSWORD_HELP = N_("Read the password from the first line of standard input instead of asking for it (for scripts).")


@click.group("accounts", help=N_("""Named accounts for the review workbench (`qc serve`): reviewers (质检员) judge findings, leads
(质检主管) also decide appeals, agents (客服) see only their own conversations. Each account is bound to
its shop(s). Only a salted hash of a password is kept.

\b
Example:
  qc accounts add 王质检 --role reviewer --shop 山野茶庄 --db qc.db
  qc accounts add 青青 --role agent --shop 山野茶庄 --agent 山野茶庄:青青 --db qc.db"""))
def accounts_group():
    pass


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"))


def _writable(db_path):
    db = open_existing_db(db_path)
    if getattr(db, "read_only", False):
        db.close()
        raise click.ClickException(_("the store {path} cannot be written").format(path=db_path))
    return db


@accounts_group.command("add", help=N_("Add an account; the password is asked for twice and never shown."))
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help=N_("reviewer, lead or agent."))
@click.option("--shop", "shops", multiple=True, required=True,
              help=N_("A shop the account works for (repeat for several; * = every shop, not for agents)."))
@click.option("--agent", default=None, help=N_("For an agent: the sender id their messages carry in the store."))
@click.option("--password-stdin", is_flag=True, help=PASSWORD_HELP)
@db_option
def add_cmd(name, role, shops, agent, password_stdin, db_path):
    db = _writable(db_path)
    try:
        account = add_account(db, name, _password(password_stdin), role, shops, agent)
        unknown_agent = account.agent and not db.execute(
            "select 1 from conversations c, json_each(c.agents) a where a.value = ? limit 1", [account.agent]).fetchone()
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("account {name} added ({role}, shops: {shops})").format(name=account.name, role=_(account.role),
                                                                         shops=", ".join(account.shops)))
    if unknown_agent:
        click.echo(_("note: no conversation in the store has agent {agent!r} yet").format(agent=account.agent), err=True)


@accounts_group.command("list", help=N_("List the accounts (never their passwords)."))
@db_option
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON (for scripts)."))
def list_cmd(db_path, as_json):
    db = open_existing_db(db_path)
    try:
        rows = list_accounts(db)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("no accounts yet; `qc accounts add` makes one"))
        return
    from qc_engine.cli.tables import print_table

    print_table([_("name"), _("role"), _("shops"), _("agent"), _("created")],
                [[r["name"], _(r["role"]), ", ".join(r["shops"]), r["agent"] or "", (r["created_at"] or "")[:16]]
                 for r in rows])


@accounts_group.command("remove", help=N_("Remove an account; the verdicts and appeals it made keep its name."))
@click.argument("name")
@db_option
def remove_cmd(name, db_path):
    db = _writable(db_path)
    try:
        remove_account(db, name)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("account {name} removed").format(name=name))


@accounts_group.command("passwd", help=N_("Set a new password for an account."))
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help=PASSWORD_HELP)
@db_option
def passwd_cmd(name, password_stdin, db_path):
    db = _writable(db_path)
    try:
        set_password(db, name, _password(password_stdin))
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("password of {name} changed").format(name=name))
