"""`qc audit`: read chat exports, run the rules, store the results."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qc_engine.model import DEFAULT_TIMEZONE
from qc_engine.store.customers import SALT_ENV, salt_from_environment
from qc_engine.rulefiles.files import RuleFileError
from qc_engine.run.runner import AuditOptions, RunSummary, UsageErrors, default_workers, run_audit
from qc_engine.cli.orders import print_summary as print_orders
from qc_engine.reports.i18n import category_in_both

@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file to write the results to (created if missing).")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="A shop rule file, or a folder of them, applied on top of the defaults. Repeatable.")
@click.option("--plugin", "plugin_files", multiple=True, type=click.Path(path_type=Path),
              help="A plugin .py file to load for this run (for trying a rule before packaging it). Repeatable.")
@click.option("--orders", "order_files", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="A shop's order export (Taobao 订单报表 CSV/XLSX, or a generic CSV) for 询单转化率 and 客单价. Repeatable.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes that run the rules in parallel, beside the one that reads and writes (which audits "
                   "too while they are all busy, when it has a core of its own). Default: one fewer than the CPU "
                   "cores, at least 1.")
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True,
              help="Time zone of exports whose times carry no offset.")
@click.option("--shop", default=None, help="Shop name for exports that do not say which shop they are from.")
@click.option("--loader-option", "loader_options", multiple=True, metavar="KEY=VALUE",
              help="A setting for the loaders, e.g. session_gap_minutes=20 or "
                   "csv_columns='{\"ts\": \"时间\"}' (see docs/loaders.md). Repeatable.")
@click.option("--hash-customers", is_flag=True,
              help="Store customers as salted hashes (salt from the QC_CUSTOMER_SALT environment variable) "
                   "instead of their nicks.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
def audit(paths, db_path, rule_files, plugin_files, order_files, workers, timezone, shop, loader_options, hash_customers, quiet):
    """Audit chat logs: every conversation in PATHS (files or folders, format detected) is checked
    against the default rules plus your shop rule files, and the results land in the --db file.

    \b
    Example:
      qc audit logs/2026-11-20/ --db qc.db --rules rules/shops/
    """
    salt = salt_from_environment() if hash_customers else None
    if hash_customers and not salt:
        raise click.ClickException(f"--hash-customers needs a secret salt in the {SALT_ENV} environment variable")
    options = AuditOptions(
        inputs=list(paths), db=db_path, rule_files=list(rule_files), plugin_files=list(plugin_files),
        workers=workers or default_workers(), timezone=timezone, shop=shop, order_files=list(order_files),
        customer_salt=salt, loader_extra=_parse_loader_options(loader_options),
    )
    bar = None
    if sys.stderr.isatty() and not quiet:
        bar = click.progressbar(length=1, label="Auditing", file=sys.stderr, show_percent=True, show_eta=True,
                                item_show_func=lambda s: s)

    def progress(summary: RunSummary, _label: str) -> None:
        if bar is not None and summary.bytes_total:
            bar.length = summary.bytes_total
            bar.update(max(0, summary.bytes_read - bar.pos), f"{summary.audited:,} conversations")

    try:
        if bar is not None:
            with bar:
                summary = run_audit(options, progress)
        else:
            summary = run_audit(options, progress)
    except (*UsageErrors, RuleFileError) as exc:
        raise click.ClickException(str(exc)) from None
    _print_summary(summary, quiet)
    if summary.read == 0:
        raise click.ClickException(
            "nothing could be read: no conversation found in " + ", ".join(map(str, paths))
            + (f" ({len(summary.skipped_files)} files of unknown format skipped)" if summary.skipped_files else "")
        )


def _parse_loader_options(pairs) -> dict:
    extra = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--loader-option")
        try:
            extra[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            extra[key.strip()] = value  # plain text needs no quotes
    return extra


def _print_summary(s: RunSummary, quiet: bool) -> None:
    total = sum(s.findings.values())
    line = (f"Audited {s.audited:,} conversations ({s.messages:,} messages) in {s.duration_s:.1f}s: "
            f"{total:,} findings, {s.rejected:,} rejected records. Run {s.run_id} in {s.db}")
    if quiet:
        click.echo(line)
        return
    click.echo(line)
    for cat, n in sorted(s.findings.items(), key=lambda kv: -kv[1]):
        click.echo(f"  {category_in_both(cat)}: {n:,}")
    if s.rejected:
        click.echo(f"  {s.rejected:,} records could not be used; see the 'rejected' table (file, line, reason).")
    for plugin, n in s.rule_errors.most_common():
        click.echo(f"  plugin {plugin} failed on {n:,} conversation(s); see the 'rule_errors' table.")
    if s.skipped_files:
        shown = ", ".join(s.skipped_files[:5]) + (" ..." if len(s.skipped_files) > 5 else "")
        click.echo(f"  {len(s.skipped_files)} file(s) of unknown format skipped: {shown}")
    for problem in s.problems:
        click.echo(f"  warning: {problem}")
    if s.orders and (s.orders.files or s.orders.figures):
        print_orders(s.orders)
