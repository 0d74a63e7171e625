"""`qc audit`: read chat exports, run the rules, store the results."""
from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from qc_engine.lang import N_, _, current
from qc_engine.model import DEFAULT_TIMEZONE
from qc_engine.store.customers import SALT_ENV, salt_from_environment
from qc_engine.rulefiles.files import RuleFileError
from qc_engine.store.db import StoreError
from qc_engine.run.runner import AuditOptions, RunSummary, UsageErrors, default_workers, run_audit
from qc_engine.cli.context import invocation
from qc_engine.cli.dates import DATE_HELP, resolve_day
from qc_engine.cli.orders import print_summary as print_orders

UNNAMED_WECOM_SHOP = "wecom"  # what the WeCom loader calls a shop no one named


def category_name(category: str) -> str:
    from qc_engine.reports.i18n import Words

    return Words(current()).category(category)


@click.command(help=N_("""Audit chat logs: every conversation in PATHS (files or folders, format detected) is checked
against the default rules plus your shop rule files, and the results land in the --db file.

Without PATHS, the inputs of qc.toml are read. --plan only says what would be read and which rule
files apply, and writes nothing.

\b
Example:
  qc audit logs/2026-11-20/ --db qc.db --rules rules/shops/
  qc audit --plan logs/2026-11-20/ --rules rules/shops/"""))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("SQLite file to write the results to (created if missing). Default: db in qc.toml."))
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path),
              help=N_("A shop rule file, or a folder of them, applied on top of the defaults. Repeatable."))
@click.option("--plugin", "plugin_files", multiple=True, type=click.Path(path_type=Path),
              help=N_("A plugin .py file to load for this run (for trying a rule before packaging it). Repeatable."))
@click.option("--orders", "order_files", multiple=True, type=click.Path(exists=True, path_type=Path),
              help=N_("A shop's order export (Taobao 订单报表 CSV/XLSX, or a generic CSV) for 询单转化率 and 客单价. Repeatable."))
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help=N_("Processes that run the rules in parallel, beside the one that reads and writes (which audits "
                      "too while they are all busy, when it has a core of its own). Default: one fewer than the CPU "
                      "cores, at least 1."))
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True,
              help=N_("Time zone of exports whose times carry no offset."))
@click.option("--shop", default=None, help=N_("Shop name for exports that do not say which shop they are from."))
@click.option("--date", "day", default=None, help=N_("The day whose exports to read, where a path says {date}. ") + DATE_HELP)
@click.option("--loader-option", "loader_options", multiple=True, metavar="KEY=VALUE",
              help=N_("A setting for the loaders, e.g. session_gap_minutes=20 or "
                      "csv_columns='{\"ts\": \"时间\"}' (see docs/loaders.md). Repeatable."))
@click.option("--hash-customers", is_flag=True,
              help=N_("Store customers as salted hashes (salt from the QC_CUSTOMER_SALT environment variable) "
                      "instead of their nicks."))
@click.option("--plan", is_flag=True,
              help=N_("Only say which loader takes each file and which rule files apply to which shop (JSON); "
                      "read no chat and write no database."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print the summary as JSON (for scripts)."))
@click.option("--quiet", "-q", is_flag=True, help=N_("Print only the summary line."))
def audit(paths, db_path, rule_files, plugin_files, order_files, workers, timezone, shop, day, loader_options,
          hash_customers, plan, as_json, quiet):
    inv = invocation()
    paths = _inputs(paths, inv.config.get("inputs") or [], day, timezone)
    shops = dict(inv.config.get("shops") or {})
    if plan:
        click.echo(json.dumps(audit_plan(paths, list(rule_files), list(plugin_files), shop, shops),
                              ensure_ascii=False, indent=2))
        return
    if db_path is None:
        raise click.UsageError(_("Missing option '--db' (or db in qc.toml): the SQLite file to write the results to."))
    salt = salt_from_environment() if hash_customers else None
    if hash_customers and not salt:
        raise click.ClickException(_("--hash-customers needs a secret salt in the {env} environment variable").format(env=SALT_ENV))
    options = AuditOptions(
        inputs=list(paths), db=db_path, rule_files=list(rule_files), plugin_files=list(plugin_files),
        workers=workers or default_workers(), timezone=timezone, shop=shop, order_files=list(order_files),
        customer_salt=salt, loader_extra=_parse_loader_options(loader_options), shops=shops,
    )
    bar = None
    if sys.stderr.isatty() and not quiet and not as_json:
        bar = click.progressbar(length=1, label=_("Auditing"), file=sys.stderr, show_percent=True, show_eta=True,
                                item_show_func=lambda s: s)

    def progress(summary: RunSummary, _label: str) -> None:
        if bar is not None and summary.bytes_total:
            bar.length = summary.bytes_total
            bar.update(max(0, summary.bytes_read - bar.pos), _("{n:,} conversations").format(n=summary.audited))

    try:
        if bar is not None:
            with bar:
                summary = run_audit(options, progress)
        else:
            summary = run_audit(options, progress)
    except (*UsageErrors, RuleFileError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    unnamed = _unnamed_wecom(summary) if not shop else 0
    if unnamed:
        summary.problems.append(_(
            "{n:,} WeCom conversations name no shop and were stored under shop '{shop}'; name it with --shop, "
            "or map the staff accounts to shops in [shops] of qc.toml").format(n=unnamed, shop=UNNAMED_WECOM_SHOP))
    if as_json:
        click.echo(json.dumps(summary_json(summary), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, quiet)
    if summary.read == 0:
        raise click.ClickException(
            _("nothing could be read: no conversation found in {paths}").format(paths=", ".join(map(str, paths)))
            + (_(" ({n} files of unknown format skipped)").format(n=len(summary.skipped_files)) if summary.skipped_files else "")
        )


def _inputs(paths, configured: list[str], day_text: str | None, timezone: str) -> list[Path]:
    """The paths to read: the command line's, else qc.toml's inputs; {date} filled in with the --date day."""
    chosen = [str(p) for p in paths] or list(configured)
    if not chosen:
        raise click.UsageError(_("Missing argument 'PATHS': name the files or folders to audit, or set inputs in qc.toml."))
    if any("{date}" in p for p in chosen):
        day = resolve_day(day_text, timezone)
        if day is None:
            raise click.UsageError(_("a path says {{date}}: say which day with --date (yesterday, -2, 2026-11-20)"))
        chosen = [p.replace("{date}", day) for p in chosen]
    return [Path(p) for p in chosen]


def _unnamed_wecom(summary: RunSummary) -> int:
    """Conversations of this run that landed in the WeCom loader's stand-in shop."""
    from qc_engine.store import open_db

    db = open_db(summary.db)
    try:
        return db.execute("select count(*) from conversations where run_id = ? and platform = 'wecom' and shop = ?",
                          [summary.run_id, UNNAMED_WECOM_SHOP]).fetchone()[0]
    finally:
        db.close()


def audit_plan(paths: list[Path], rule_files: list[Path], plugin_files: list[Path], shop: str | None,
               shops: dict[str, str]) -> dict:
    """Which loader takes each file and which rule files apply to which shop; reads only file heads and rule files."""
    from qc_engine.audit.ruleset import RuleBook
    from qc_engine.ingest.loaders import detect_loader, iter_input_files
    from qc_engine.plugins import collect, load_plugins

    registry = collect(load_plugins(plugin_files))
    try:
        book = RuleBook(registry, rule_files)
    except RuleFileError as exc:
        raise click.ClickException(str(exc)) from None
    loaders = [r.loader for r in registry.loaders]
    files = []
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.ClickException(_("no such file or folder: {paths}").format(paths=", ".join(missing)))
    for path in iter_input_files(paths):
        loader = detect_loader(path, loaders)
        files.append({"path": str(path), "loader": loader.name if loader else None,
                      "format": loader.description if loader else _("unknown format: skipped")})
    named = sorted({s for f in book.files for s in (f.shops or ())} | set(shops.values()) | ({shop} if shop else set()))
    return {
        "files": files,
        "rule_files": [{"path": str(f.path), "name": f.name, "shops": list(f.shops) if f.shops is not None else None}
                       for f in book.all_files],
        "shops": {s: [str(f.path) for f in book.files_for(s)] for s in named},
        "other_shops": [str(f.path) for f in book.files_for("")],
        "shop_for_exports_without_one": shop,
        "wecom_accounts": shops,
    }


def _parse_loader_options(pairs) -> dict:
    extra = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(_("{pair!r} is not KEY=VALUE").format(pair=pair), param_hint="--loader-option")
        try:
            extra[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            extra[key.strip()] = value  # plain text needs no quotes
    return extra


def summary_json(s: RunSummary) -> dict:
    out = {"run_id": s.run_id, "db": str(s.db), "read": s.read, "audited": s.audited, "rejected": s.rejected,
           "messages": s.messages, "findings": sum(s.findings.values()), "findings_by_category": dict(s.findings),
           "rule_errors": dict(s.rule_errors), "skipped_files": list(s.skipped_files), "problems": list(s.problems),
           "duration_s": round(s.duration_s, 3)}
    if s.orders and (s.orders.files or s.orders.figures):
        out["orders"] = {"files": s.orders.files, "orders": s.orders.orders, "rejected": s.orders.rejected,
                         "figures": [{"shop": shop, "day": day, **{k: v for k, v in asdict(f).items()}}
                                     for (shop, day), f in sorted(s.orders.figures.items())]}
    return out


def _print_summary(s: RunSummary, quiet: bool) -> None:
    total = sum(s.findings.values())
    line = _("Audited {audited:,} conversations ({messages:,} messages) in {seconds:.1f}s: {findings:,} findings, "
             "{rejected:,} rejected records. Run {run} in {db}").format(
        audited=s.audited, messages=s.messages, seconds=s.duration_s, findings=total, rejected=s.rejected,
        run=s.run_id, db=s.db)
    click.echo(line)
    if quiet:
        return
    for cat, n in sorted(s.findings.items(), key=lambda kv: -kv[1]):
        click.echo(f"  {category_name(cat)}: {n:,}")
    if s.rejected:
        click.echo("  " + _("{n:,} records could not be used; see the 'rejected' table (file, line, reason).").format(n=s.rejected))
    for plugin, n in s.rule_errors.most_common():
        click.echo("  " + _("plugin {plugin} failed on {n:,} conversation(s); see the 'rule_errors' table.").format(plugin=plugin, n=n))
    if s.skipped_files:
        shown = ", ".join(s.skipped_files[:5]) + (" ..." if len(s.skipped_files) > 5 else "")
        click.echo("  " + _("{n} file(s) of unknown format skipped: {files}").format(n=len(s.skipped_files), files=shown))
    for problem in s.problems:
        click.echo("  " + _("warning: {problem}").format(problem=problem))
    if s.orders and (s.orders.files or s.orders.figures):
        print_orders(s.orders)
