"""`qc review`: a QC specialist's verdicts (质检复核) on findings, and manual findings."""
from __future__ import annotations

import json
from pathlib import Path

import click

from qc_engine.lang import N_, _

from qc_engine.rulefiles.files import RuleFileError
from qc_engine.review.accounts import acting_account, can_review, require
from qc_engine.review.verdicts import (ReviewError, add_manual_finding, allowlist_phrase, append_allowlist, default_reviewer,
                                       list_reviews, record_verdict)
from qc_engine.cli.dates import DATE_HELP
from qc_engine.cli.report import DB_HELP, check_day, open_existing_db
from qc_engine.model import SEVERITIES
from qc_engine.reports.i18n import CATEGORIES

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
VERDICT_WORDS = (N_("confirmed"), N_("overturned"))  # shown translated
reviewer_option = click.option("--reviewer", default=None, help=N_("Your name, kept with the verdict. Default: your login name."))


@click.group("review", help=N_("Confirm or overturn findings, add findings the rules missed, and list the verdicts."))
def review_group():
    pass


def _check_reviewer(db, reviewer, shop_sql, key):
    """Once the store has accounts, a verdict's reviewer must be a reviewer or lead of the shop."""
    account = acting_account(db, reviewer or default_reviewer())
    row = db.execute(shop_sql, [key]).fetchone()
    if account is not None and row is not None:
        require(can_review(account, row[0]), _("review findings of shop {shop}").format(shop=row[0]))


def _verdict(db_path, finding_id, verdict, reason, reviewer):
    db = open_existing_db(db_path)
    try:
        _check_reviewer(db, reviewer, "select shop from findings where finding_id = ?", finding_id)
        result = record_verdict(db, finding_id, verdict, reason, reviewer)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    before = "—" if result.score_before is None else f"{result.score_before:.1f}"
    after = "—" if result.score_after is None else f"{result.score_after:.1f}"
    click.echo(_("{verdict} {finding}; {agent} day score {before} -> {after}").format(
        verdict=_(verdict), finding=finding_id, agent=result.agent or _("conversation"), before=before, after=after))
    return result


@review_group.command("confirm", help=N_("Confirm a finding: it keeps counting, now with a human verdict."))
@click.argument("finding_id")
@click.option("--reason", required=True, help=N_("Why the finding is right."))
@db_option
@reviewer_option
def confirm_cmd(finding_id, reason, db_path, reviewer):
    _verdict(db_path, finding_id, "confirmed", reason, reviewer)


@review_group.command("overturn", help=N_("Overturn a finding: it stops counting in scores and reports but stays in the "
                                          "store, with who and when."))
@click.argument("finding_id")
@click.option("--reason", required=True, help=N_("Why the finding is wrong."))
@db_option
@reviewer_option
@click.option("--allowlist", "rule_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=N_("For a forbidden-phrase finding: also add its phrase to this shop rule file's allow list "
                      "(created if missing), so the rules stop flagging it."))
def overturn_cmd(finding_id, reason, db_path, reviewer, rule_file):
    if rule_file is not None:
        _check_allowlist_possible(db_path, finding_id)
    _verdict(db_path, finding_id, "overturned", reason, reviewer)
    if rule_file is not None:
        db = open_existing_db(db_path)
        try:
            finding = dict(next(db.query("select * from findings where finding_id = ?", [finding_id])))
        finally:
            db.close()
        try:
            added = append_allowlist(rule_file, allowlist_phrase(finding), finding["shop"], _schema())
        except (ReviewError, RuleFileError) as exc:
            raise click.ClickException(_("verdict recorded, but the allow list was not changed: {error}").format(error=exc)) from None
        phrase = finding["evidence"]
        click.echo((_("added {phrase!r} to the allow list in {file}") if added else _("{phrase!r} is already allowed in {file}"))
                   .format(phrase=phrase, file=rule_file))


def _check_allowlist_possible(db_path, finding_id):
    db = open_existing_db(db_path)
    try:
        rows = list(db.query("select * from findings where finding_id = ?", [finding_id]))
    finally:
        db.close()
    if rows:
        try:
            allowlist_phrase(rows[0])
        except ReviewError as exc:
            raise click.ClickException(_("{error}; nothing was recorded").format(error=exc)) from None


def _schema():
    from qc_engine.plugins import load_plugins
    from qc_engine.plugins import collect
    from qc_engine.rulefiles.files import rule_file_schema

    return rule_file_schema(collect(load_plugins()).section_schemas())


@review_group.command("add", help=N_("Add a finding the rules missed (a manual finding); it counts in the agent's score."))
@click.argument("conversation_id")
@click.option("--category", required=True, help=", ".join(CATEGORIES) + N_(" or your own word."))
@click.option("--note", required=True, help=N_("What went wrong, in plain words (the agent reads it)."))
@click.option("--message", "message_index", type=int, default=None, help=N_("Number of the message it is about (0 = first)."))
@click.option("--points", type=click.FloatRange(0, 100), default=0.0, show_default=True, help=N_("Points to deduct."))
@click.option("--severity", type=click.Choice(SEVERITIES), default="minor", show_default=True,
              help=N_("How serious it is."))
@click.option("--agent", default=None, help=N_("Agent responsible. Default: who wrote that message, else the main agent."))
@db_option
@reviewer_option
def add_cmd(conversation_id, category, note, message_index, points, severity, agent, db_path, reviewer):
    db = open_existing_db(db_path)
    try:
        _check_reviewer(db, reviewer, "select shop from conversations where conversation_id = ?", conversation_id)
        new_id = add_manual_finding(db, conversation_id, category, note, message_index=message_index, points=points,
                                    severity=severity, agent=agent, reviewer=reviewer)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("manual finding {id} added to {conversation}").format(id=new_id, conversation=conversation_id))


@review_group.command("list", help=N_("List verdicts and manual findings, newest first."))
@db_option
@click.option("--date", "day", default=None, help=N_("Only conversations of this day. ") + DATE_HELP)
@click.option("--shop", default=None, help=N_("Only this shop."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON (for scripts)."))
def list_cmd(db_path, day, shop, as_json):
    db = open_existing_db(db_path)
    try:
        rows = list_reviews(db, check_day(day), shop)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(_("no reviews yet"))
        return
    from qc_engine.cli.tables import print_table

    print_table([_("when"), _("reviewer"), _("what"), _("finding or message"), _("agent"), _("note")],
                [[(r["at"] or "")[:16], r["reviewer"], _(r["what"]) if r["kind"] == "verdict" else r["what"], r["subject"],
                  r["agent"] or "", r["note"]] for r in rows])


def _more_commands():
    from qc_engine.cli.appeals import appeal_group
    from qc_engine.cli.review_sheets import calibrate_cmd, calibration_cmd, export_cmd, import_cmd

    for command in (appeal_group, export_cmd, import_cmd, calibrate_cmd, calibration_cmd):
        review_group.add_command(command)


_more_commands()
