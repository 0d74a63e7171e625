"""`qc sample`: pick the day's conversations for manual review (抽检)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.review.sampling import default_seed, draw_sample, store_sample
from qc_engine.cli.dates import DATE_HELP
from qc_engine.cli.report import DB_HELP, check_day, open_existing_db


@click.command("sample", help=N_("""Pick conversations for manual review: every red-line conversation, plus a share of each agent's
others, weighted toward low scores. The pick is stored (replacing that day's earlier pick) and shown
by `qc report`.

\b
Example:
  qc sample --db qc.db --date 2026-11-20 --share 0.05
  qc sample --date yesterday --json"""))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
@click.option("--date", "day", required=True, help=DATE_HELP)
@click.option("--share", type=click.FloatRange(0, 1), default=0.1, show_default=True,
              help=N_("Share of each agent's other conversations to add (0.1 = 10%), low scores more likely."))
@click.option("--seed", type=int, default=None, help=N_("Random seed; the same seed gives the same sample. Default: from the date."))
@click.option("--shop", default=None, help=N_("Only this shop."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the sample as JSON (for scripts)."))
def sample(db_path, day, share, seed, shop, as_json):
    day = check_day(day)
    seed = default_seed(day) if seed is None else seed
    db = open_existing_db(db_path)
    try:
        picks = draw_sample(db, day, share, seed, shop)
        if not picks and not db.execute("select 1 from conversations where day = ? limit 1", [day]).fetchone():
            raise click.ClickException(_("no conversations on {day} in {db}").format(day=day, db=db_path))
        store_sample(db, picks, day, seed, shop)
    finally:
        db.close()
    red = sum(p.reason == "red_line" for p in picks)
    if as_json:
        click.echo(json.dumps({"day": day, "seed": seed, "share": share, "shop": shop, "red_line": red,
                               "by_share": len(picks) - red,
                               "conversations": [{"conversation_id": p.conversation_id, "shop": p.shop, "agent": p.agent,
                                                  "score": p.score, "reason": p.reason} for p in picks]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(_("Sampled {n} conversations for {day} (seed {seed}): {red} red line, {other} by share.").format(
        n=len(picks), day=day, seed=seed, red=red, other=len(picks) - red))
    for p in picks:
        click.echo(f"  {p.conversation_id}\t{p.agent}\t{p.score:.1f}\t{p.reason}")
