"""`qc report`: the next-day reports (HTML, CSV, Excel) from the store."""
from __future__ import annotations

import re
from pathlib import Path

import click

from qc_engine.store import open_db

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def open_existing_db(path: Path):
    """The store at ``path``; a one-line error when there is none (reports never create an empty store)."""
    if not path.is_file():
        raise click.ClickException(f"no store at {path}; run `qc audit ... --db {path}` first")
    return open_db(path)


def check_day(day: str | None) -> str | None:
    if day is not None and not DAY.match(day):
        raise click.ClickException(f"--date must look like 2026-11-20, not {day!r}")
    return day


@click.command("report")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The SQLite file `qc audit` wrote.")
@click.option("--date", "day", default=None, help="Day to report, YYYY-MM-DD. Default: the latest day in the store.")
@click.option("--shop", default=None, help="Only this shop (its report then contains nothing of other shops).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the reports into (created if missing).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language.")
@click.option("--sample", "show_sample", is_flag=True, help="Also print the day's review sample (see `qc sample`).")
def report(db_path, day, shop, out_dir, lang, show_sample):
    """Make the day's reports: a coaching sheet per agent, a daily report per shop, a team overview,
    the review sample, CSV files and one Excel workbook. Open index.html in a browser.

    \b
    Example:
      qc report --db qc.db --date 2026-11-20 --out reports/2026-11-20/
    """
    from qc_engine.reports import NoDataError, build_reports  # here: every other command starts without the report makers

    db = open_existing_db(db_path)
    try:
        summary = build_reports(db, out_dir, check_day(day), shop, lang)
    except NoDataError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"Reports for {summary.day} ({len(summary.shops)} shop(s), {len(summary.pages)} pages) in "
               f"{summary.duration_s:.1f}s: {summary.out_dir / 'index.html'}")
    click.echo(f"  Excel: {summary.xlsx}")
    if show_sample:
        from qc_engine.review.sampling import stored_sample

        db = open_db(db_path)
        try:
            rows = stored_sample(db, summary.day, shop)
        finally:
            db.close()
        if not rows:
            click.echo(f"  no review sample for {summary.day} yet; `qc sample --db {db_path} --date {summary.day}` draws one")
        for r in rows:
            click.echo(f"  {r['conversation_id']}\t{r['agent']}\t{r['score']:.1f}\t{r['reason']}")
