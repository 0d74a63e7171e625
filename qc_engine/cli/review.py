"""`qc review`: a QC specialist's verdicts (质检复核) on findings, and manual findings."""
from __future__ import annotations

from pathlib import Path

import click

from qc_engine.rulefiles.files import RuleFileError
from qc_engine.review.verdicts import ReviewError, add_manual_finding, allowlist_phrase, append_allowlist, list_reviews, record_verdict
from qc_engine.cli.report import check_day, open_existing_db
from qc_engine.model import SEVERITIES
from qc_engine.reports.i18n import CATEGORIES

db_option = click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                         help="The SQLite file `qc audit` wrote.")
reviewer_option = click.option("--reviewer", default=None, help="Your name, kept with the verdict. Default: your login name.")


@click.group("review")
def review_group():
    """Confirm or overturn findings, add findings the rules missed, and list the verdicts."""


def _verdict(db_path, finding_id, verdict, reason, reviewer):
    db = open_existing_db(db_path)
    try:
        result = record_verdict(db, finding_id, verdict, reason, reviewer)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    before = "—" if result.score_before is None else f"{result.score_before:.1f}"
    after = "—" if result.score_after is None else f"{result.score_after:.1f}"
    click.echo(f"{verdict} {finding_id}; {result.agent or 'conversation'} day score {before} -> {after}")
    return result


@review_group.command("confirm")
@click.argument("finding_id")
@click.option("--reason", required=True, help="Why the finding is right.")
@db_option
@reviewer_option
def confirm_cmd(finding_id, reason, db_path, reviewer):
    """Confirm a finding: it keeps counting, now with a human verdict."""
    _verdict(db_path, finding_id, "confirmed", reason, reviewer)


@review_group.command("overturn")
@click.argument("finding_id")
@click.option("--reason", required=True, help="Why the finding is wrong.")
@db_option
@reviewer_option
@click.option("--allowlist", "rule_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="For a forbidden-phrase finding: also add its phrase to this shop rule file's allow list "
                   "(created if missing), so the rules stop flagging it.")
def overturn_cmd(finding_id, reason, db_path, reviewer, rule_file):
    """Overturn a finding: it stops counting in scores and reports but stays in the store, with who and when."""
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
            raise click.ClickException(f"verdict recorded, but the allow list was not changed: {exc}") from None
        phrase = finding["evidence"]
        click.echo(f"added {phrase!r} to the allow list in {rule_file}" if added else f"{phrase!r} is already allowed in {rule_file}")


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
            raise click.ClickException(f"{exc}; nothing was recorded") from None


def _schema():
    from qc_engine.plugins import load_plugins
    from qc_engine.plugins import collect
    from qc_engine.rulefiles.files import rule_file_schema

    return rule_file_schema(collect(load_plugins()).section_schemas())


@review_group.command("add")
@click.argument("conversation_id")
@click.option("--category", required=True, help=f"{', '.join(CATEGORIES)} or your own word.")
@click.option("--note", required=True, help="What went wrong, in plain words (the agent reads it).")
@click.option("--message", "message_index", type=int, default=None, help="Number of the message it is about (0 = first).")
@click.option("--points", type=click.FloatRange(0, 100), default=0.0, show_default=True, help="Points to deduct.")
@click.option("--severity", type=click.Choice(SEVERITIES), default="minor", show_default=True)
@click.option("--agent", default=None, help="Agent responsible. Default: who wrote that message, else the main agent.")
@db_option
@reviewer_option
def add_cmd(conversation_id, category, note, message_index, points, severity, agent, db_path, reviewer):
    """Add a finding the rules missed (a manual finding); it counts in the agent's score."""
    db = open_existing_db(db_path)
    try:
        new_id = add_manual_finding(db, conversation_id, category, note, message_index=message_index, points=points,
                                    severity=severity, agent=agent, reviewer=reviewer)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"manual finding {new_id} added to {conversation_id}")


@review_group.command("list")
@db_option
@click.option("--date", "day", default=None, help="Only conversations of this day (YYYY-MM-DD).")
@click.option("--shop", default=None, help="Only this shop.")
def list_cmd(db_path, day, shop):
    """List verdicts and manual findings, newest first."""
    db = open_existing_db(db_path)
    try:
        rows = list_reviews(db, check_day(day), shop)
    finally:
        db.close()
    if not rows:
        click.echo("no reviews yet")
    for r in rows:
        click.echo(f"{(r['at'] or '')[:16]}  {r['reviewer']:10s} {r['what']:12s} {r['subject']}  {r['agent'] or ''}  {r['note']}")
