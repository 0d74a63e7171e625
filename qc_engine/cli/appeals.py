"""`qc review appeal`: agents dispute findings (申诉), QC leads accept or reject them."""
from __future__ import annotations

import json
from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.review.accounts import acting_account
from qc_engine.review.appeals import STATUSES, decide_appeal, file_appeal, list_appeals
from qc_engine.review.verdicts import ReviewError
from qc_engine.cli.dates import DATE_HELP
from qc_engine.cli.report import DB_HELP, check_day, open_existing_db

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
by_option = click.option("--by", "by", required=True,
                         help=N_("Who does this (an account name once the store has accounts)."))
STATUS_WORDS = (N_("pending"), N_("accepted"), N_("rejected"))  # shown translated


@click.group("appeal", help=N_("""Appeals (申诉): an agent, or a lead on their behalf, disputes a finding; a QC lead accepts it (the
finding is overturned and the score follows) or rejects it. A finding is appealed once.

\b
Example:
  qc review appeal file 'a2/FP01/1/0' --reason 确有比价截图 --by 青青 --db qc.db
  qc review appeal accept 1 --reason 截图属实 --by 李主管 --db qc.db"""))
def appeal_group():
    pass


def _run(db_path, action):
    db = open_existing_db(db_path)
    try:
        return action(db)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()


@appeal_group.command("file", help=N_("Dispute a finding, with the reason."))
@click.argument("finding_id")
@click.option("--reason", required=True, help=N_("Why the finding is wrong, in plain words."))
@by_option
@db_option
def file_cmd(finding_id, reason, by, db_path):
    appeal = _run(db_path, lambda db: file_appeal(db, finding_id, reason, account=acting_account(db, by), name=by))
    click.echo(_("appeal {id} filed on {finding}; a QC lead decides it").format(id=appeal.id, finding=finding_id))


def _decide(appeal_id, accept, reason, by, db_path):
    appeal = _run(db_path, lambda db: decide_appeal(db, appeal_id, accept, reason, account=acting_account(db, by), name=by))
    before = "—" if appeal.score_before is None else f"{appeal.score_before:.1f}"
    after = "—" if appeal.score_after is None else f"{appeal.score_after:.1f}"
    click.echo(_("appeal {id} {status}; agent day score {before} -> {after}").format(
        id=appeal.id, status=_(appeal.status), before=before, after=after))


@appeal_group.command("accept", help=N_("Accept an appeal: the finding is overturned and stops counting."))
@click.argument("appeal_id", type=int)
@click.option("--reason", required=True, help=N_("Why the appeal is right."))
@by_option
@db_option
def accept_cmd(appeal_id, reason, by, db_path):
    _decide(appeal_id, True, reason, by, db_path)


@appeal_group.command("reject", help=N_("Reject an appeal: the finding stands."))
@click.argument("appeal_id", type=int)
@click.option("--reason", required=True, help=N_("Why the finding stands."))
@by_option
@db_option
def reject_cmd(appeal_id, reason, by, db_path):
    _decide(appeal_id, False, reason, by, db_path)


@appeal_group.command("list", help=N_("List appeals, open ones first."))
@db_option
@click.option("--status", type=click.Choice(STATUSES), default=None, help=N_("Only appeals in this state."))
@click.option("--date", "day", default=None, help=N_("Only findings of this day. ") + DATE_HELP)
@click.option("--shop", default=None, help=N_("Only this shop."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON (for scripts)."))
def list_cmd(db_path, status, day, shop, as_json):
    rows = _run(db_path, lambda db: list_appeals(db, status=status, day=check_day(day), shop=shop))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("no appeals"))
        return
    from qc_engine.cli.tables import print_table

    print_table([_("appeal"), _("state"), _("finding or message"), _("agent"), _("filed by"), _("reason"),
                 _("decided by"), _("decision")],
                [[r["id"], _(r["status"]), r["finding_id"], r["agent"] or "", r["filed_by"], r["reason"],
                  r["decided_by"] or "", r["decision_reason"] or ""] for r in rows], numeric={0})
