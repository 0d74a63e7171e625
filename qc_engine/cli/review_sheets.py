"""`qc review export/import` (the sample as an Excel workbook and back) and calibration between reviewers."""
from __future__ import annotations

import json
from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.review.accounts import acting_account
from qc_engine.review.calibration import calibration, record_calibration
from qc_engine.review.verdicts import VERDICTS, ReviewError
from qc_engine.review.workbook import export_sample, import_verdicts
from qc_engine.cli.dates import DATE_HELP
from qc_engine.cli.report import DB_HELP, check_day, open_existing_db

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)


@click.command("export", help=N_("""Write the day's review sample (see `qc sample`) as an Excel workbook: one row per finding, an
empty 判定 column (确认/推翻) and a 理由 column to fill in, then `qc review import` it.

\b
Example:
  qc review export --date 2026-11-20 --out sample.xlsx --db qc.db"""))
@click.option("--date", "--day", "day", required=True, help=DATE_HELP)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The .xlsx file to write."))
@click.option("--shop", default=None, help=N_("Only this shop."))
@db_option
def export_cmd(day, out, shop, db_path):
    day = check_day(day)
    db = open_existing_db(db_path)
    try:
        n = export_sample(db, day, out, shop)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("{n} findings of the {day} sample written to {path}").format(n=n, day=day, path=out))


@click.command("import", help=N_("""Apply the verdicts filled in a workbook `qc review export` wrote. Mistakes are reported by row and
those rows skipped; a verdict imported before is not applied again.

\b
Example:
  qc review import sample.xlsx --reviewer 王质检 --db qc.db"""))
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reviewer", required=True, help=N_("Who filled in the verdicts (an account name once the store has accounts)."))
@click.option("--check", "check_only", is_flag=True, help=N_("Only report mistakes; apply nothing."))
@db_option
def import_cmd(workbook, reviewer, check_only, db_path):
    db = open_existing_db(db_path)
    try:
        account = acting_account(db, reviewer)
        result = import_verdicts(db, workbook, reviewer, account=account, check_only=check_only)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    for row, problem in result.errors:
        click.echo(_("row {row}: {problem}").format(row=row, problem=problem), err=True)
    click.echo((_("checked: {applied} to apply, {unchanged} already applied, {blank} without a verdict, {errors} mistakes")
                if check_only else
                _("{applied} verdicts applied, {unchanged} already applied, {blank} without a verdict, {errors} mistakes"))
               .format(applied=result.applied, unchanged=result.unchanged, blank=result.blank, errors=len(result.errors)))
    if result.errors:
        raise SystemExit(1)


@click.command("calibrate", help=N_("Record your own verdict on a finding another reviewer judges too, for calibration; "
                                    "it does not change the score."))
@click.argument("finding_id")
@click.argument("verdict", type=click.Choice(VERDICTS))
@click.option("--reviewer", required=True, help=N_("Your name (an account name once the store has accounts)."))
@click.option("--reason", default="", help=N_("Why, in plain words."))
@db_option
def calibrate_cmd(finding_id, verdict, reviewer, reason, db_path):
    db = open_existing_db(db_path)
    try:
        record_calibration(db, finding_id, verdict, reviewer, reason, account=acting_account(db, reviewer))
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("calibration verdict {verdict} on {finding} recorded for {reviewer}").format(
        verdict=_(verdict), finding=finding_id, reviewer=reviewer))


def _rate(a) -> str:
    return "—" if a.rate is None else f"{a.rate:.0%}"


@click.command("calibration", help=N_("""How often reviewers agree on the findings two or more of them judged: per rule and per pair of
reviewers, lowest first, and the findings they disagree on."""))
@db_option
@click.option("--date", "day", default=None, help=N_("Only findings of this day. ") + DATE_HELP)
@click.option("--shop", default=None, help=N_("Only this shop."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON (for scripts)."))
def calibration_cmd(db_path, day, shop, as_json):
    db = open_existing_db(db_path)
    try:
        report = calibration(db, day=check_day(day), shop=shop)
    finally:
        db.close()
    if as_json:
        groups = lambda gs: [{"key": g.key, "compared": g.compared, "agreed": g.agreed, "rate": g.rate,  # noqa: E731
                              "findings": len(g.findings)} for g in gs]
        click.echo(json.dumps({"findings": report.findings, "overall": report.overall.rate,
                               "by_rule": groups(report.by_rule), "by_pair": groups(report.by_pair),
                               "disagreements": report.disagreements}, ensure_ascii=False, indent=2))
        return
    if not report.findings:
        click.echo(_("no finding has been judged by two reviewers yet; `qc review calibrate` adds a second verdict"))
        return
    from qc_engine.cli.tables import print_table

    click.echo(_("{n} findings judged by two reviewers or more; agreement {rate}").format(
        n=report.findings, rate=_rate(report.overall)))
    print_table([_("rule"), _("comparisons"), _("agreed"), _("agreement")],
                [[a.key, a.compared, a.agreed, _rate(a)] for a in report.by_rule], numeric={1, 2, 3})
    print_table([_("reviewers"), _("comparisons"), _("agreed"), _("agreement")],
                [[a.key, a.compared, a.agreed, _rate(a)] for a in report.by_pair], numeric={1, 2, 3})
    for d in report.disagreements:
        click.echo(f"  {d['finding_id']}  " + ", ".join(f"{who}: {_(v)}" for who, v in d["opinions"].items()))
