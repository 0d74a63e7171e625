"""`qc sample`: pick the day's conversations for manual review (抽检)."""
from __future__ import annotations

from pathlib import Path

import click

from qc_engine.review.sampling import default_seed, draw_sample, store_sample
from qc_engine.cli.report import check_day, open_existing_db


@click.command("sample")
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The SQLite file `qc audit` wrote.")
@click.option("--date", "day", required=True, help="Day to sample, YYYY-MM-DD.")
@click.option("--share", type=click.FloatRange(0, 1), default=0.1, show_default=True,
              help="Share of each agent's other conversations to add (0.1 = 10%), low scores more likely.")
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same sample. Default: from the date.")
@click.option("--shop", default=None, help="Only this shop.")
def sample(db_path, day, share, seed, shop):
    """Pick conversations for manual review: every red-line conversation, plus a share of each agent's
    others, weighted toward low scores. The pick is stored (replacing that day's earlier pick) and shown
    by `qc report`.

    \b
    Example:
      qc sample --db qc.db --date 2026-11-20 --share 0.05
    """
    check_day(day)
    seed = default_seed(day) if seed is None else seed
    db = open_existing_db(db_path)
    try:
        picks = draw_sample(db, day, share, seed, shop)
        if not picks and not db.execute("select 1 from conversations where day = ? limit 1", [day]).fetchone():
            raise click.ClickException(f"no conversations on {day} in {db_path}")
        store_sample(db, picks, day, seed, shop)
    finally:
        db.close()
    red = sum(p.reason == "red_line" for p in picks)
    click.echo(f"Sampled {len(picks)} conversations for {day} (seed {seed}): {red} red line, {len(picks) - red} by share.")
    for p in picks:
        click.echo(f"  {p.conversation_id}\t{p.agent}\t{p.score:.1f}\t{p.reason}")
