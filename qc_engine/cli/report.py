"""`qc report`: the next-day reports (HTML, CSV, Excel) from the store."""
from __future__ import annotations

from pathlib import Path

import click

from qc_engine.lang import LANGS, N_, _, current
from qc_engine.store import StoreError, open_db
from qc_engine.cli.context import invocation
from qc_engine.cli.dates import DATE_HELP, resolve_day

DB_HELP = N_("The SQLite file `qc audit` wrote. Default: db in qc.toml.")


def open_existing_db(path: Path | None):
    """The store at ``path``; a one-line error when there is none (reports never create an empty store)."""
    if path is None:
        raise click.UsageError(_("Missing option '--db' (or db in qc.toml): the SQLite file `qc audit` wrote."))
    if not path.is_file():
        raise click.ClickException(_("no store at {path}; run `qc audit ... --db {path}` first").format(path=path))
    try:
        return open_db(path, read_only=True)  # a store that cannot be written can still be read
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def check_day(day: str | None) -> str | None:
    """The day a --date option names (yesterday, -2, 2026-11-20) in the shops' time zone; None stays None."""
    return resolve_day(day, invocation().timezone)


@click.command("report", help=N_("""Make the day's reports: a coaching sheet per agent, a daily report per shop, a team overview,
the review sample, CSV files and one Excel workbook. Open index.html in a browser.

\b
Example:
  qc report --db qc.db --date 2026-11-20 --out reports/2026-11-20/
  qc report --date yesterday          # with db and out in qc.toml"""))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
@click.option("--date", "day", default=None, help=N_("Default: the latest day in the store. ") + DATE_HELP)
@click.option("--shop", default=None, help=N_("Only this shop (its report then contains nothing of other shops)."))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help=N_("Folder to write the reports into (created if missing); {date} becomes the day. "
                      "Default: out in qc.toml."))
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help=N_("Report language. Default: the language of messages (zh when the locale is Chinese)."))
@click.option("--sample", "show_sample", is_flag=True, help=N_("Also print the day's review sample (see `qc sample`)."))
def report(db_path, day, shop, out_dir, lang, show_sample):
    from qc_engine.reports import NoDataError, build_reports  # here: every other command starts without the report makers
    from qc_engine.reports.data import latest_day

    if out_dir is None:
        raise click.UsageError(_("Missing option '--out' (or out in qc.toml): the folder to write the reports into."))
    day = check_day(day)
    db = open_existing_db(db_path)
    try:
        if "{date}" in str(out_dir):
            day = day or latest_day(db, shop)
            if day is None:
                raise click.ClickException(_("the store has no conversations yet; run `qc audit` first"))
            out_dir = Path(str(out_dir).replace("{date}", day))
        summary = build_reports(db, out_dir, day, shop, lang or current())
    except NoDataError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(_("Reports for {day} ({shops} shop(s), {pages} pages) in {seconds:.1f}s: {index}").format(
        day=summary.day, shops=len(summary.shops), pages=len(summary.pages), seconds=summary.duration_s,
        index=summary.out_dir / "index.html"))
    click.echo("  " + _("Excel: {path}").format(path=summary.xlsx))
    if show_sample:
        from qc_engine.review.sampling import stored_sample

        db = open_existing_db(db_path)
        try:
            rows = stored_sample(db, summary.day, shop)
        finally:
            db.close()
        if not rows:
            click.echo("  " + _("no review sample for {day} yet; `qc sample --db {db} --date {day}` draws one").format(
                day=summary.day, db=db_path))
        for r in rows:
            click.echo(f"  {r['conversation_id']}\t{r['agent']}\t{r['score']:.1f}\t{r['reason']}")
