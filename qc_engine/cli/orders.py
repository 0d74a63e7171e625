"""`qc orders ...`: bring shops' order exports in, for 询单转化率, 客单价 and orders per agent."""
from __future__ import annotations

from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.model import DEFAULT_TIMEZONE
from qc_engine.store.customers import SALT_ENV, salt_from_environment
from qc_engine.orders import ORDER_FIELDS, OrdersError, OrdersOptions, OrdersSummary, apply_orders
from qc_engine.rulefiles.files import RuleFileError


def _column_map(pairs: tuple[str, ...]) -> dict[str, str]:
    columns = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        name, header = name.strip(), header.strip()
        if not sep or name not in ORDER_FIELDS or not header:
            raise click.BadParameter(_("{pair!r}: expected FIELD=HEADER with FIELD one of {fields}").format(
                pair=pair, fields=", ".join(ORDER_FIELDS)),
                                     param_hint="--column")
        columns[name] = header
    return columns


@click.group("orders", help=N_("Order exports: import them to compute 询单转化率 (inquiry conversion), 客单价 and orders per agent."))
def orders_group():
    pass


@orders_group.command("import", help=N_("""Import order exports (Taobao/Tmall 订单报表 CSV/XLSX, or a generic CSV) and update the sales figures.

Only the order number, buyer, shop, times, amount and status are kept: buyer names, phones and addresses
in the export are never stored. Import the orders of the audited day and of the next day, because an order
counts for an inquiry until the end of the next day.

\b
Example:
  qc orders import 订单报表-1120.csv 订单报表-1121.csv --db qc.db --rules rules/shops/"""))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help=N_("The SQLite file your audits write to (created if missing). Default: db in qc.toml."))
@click.option("--rules", "rule_files", multiple=True, type=click.Path(exists=True, path_type=Path),
              help=N_("Shop rule files (their `orders:` section sets the conversion window etc.). Repeatable."))
@click.option("--plugin", "plugin_files", multiple=True, type=click.Path(path_type=Path),
              help=N_("A plugin .py file with an order loader to use for this import. Repeatable."))
@click.option("--shop", default=None, help=N_("Shop name, for exports without a 店铺名称 (shop) column."))
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True,
              help=N_("Time zone of order times, unless the shop's rule file says otherwise."))
@click.option("--column", "columns", multiple=True, metavar="FIELD=HEADER",
              help=N_("For a generic CSV: which column holds a field, e.g. --column order_id=单号. Repeatable."))
@click.option("--hash-customers", is_flag=True,
              help=N_("Key buyers by salted hash (QC_CUSTOMER_SALT), as audits run with --hash-customers do."))
def import_cmd(files, db_path, rule_files, plugin_files, shop, timezone, columns, hash_customers):
    if db_path is None:
        raise click.UsageError(_("Missing option '--db' (or db in qc.toml): the SQLite file your audits write to."))
    salt = salt_from_environment() if hash_customers else None
    if hash_customers and not salt:
        raise click.ClickException(_("--hash-customers needs the audits' secret salt in the {env} environment variable").format(env=SALT_ENV))
    options = OrdersOptions(rule_files=list(rule_files), plugin_files=list(plugin_files), timezone=timezone, shop=shop,
                            order_columns=_column_map(columns), customer_salt=salt)
    try:
        summary = apply_orders(db_path, list(files), options)
    except (OrdersError, RuleFileError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    print_summary(summary, db_path)
    if summary.orders == 0:
        raise click.ClickException(_("no order could be read from {files}").format(files=", ".join(map(str, files)))
                                   + (_("; see the 'rejected' table for why") if summary.rejected else ""))


def print_summary(summary: OrdersSummary, db_path: Path | None = None) -> None:
    """The import counts and each shop day's figures, the way a QC specialist reads them."""
    where = _(" into {db}").format(db=db_path) if db_path else ""
    click.echo(_("Imported {orders:,} orders from {files} file(s){where}; {rejected:,} rows could not be used.").format(
        orders=summary.orders, files=summary.files, where=where, rejected=summary.rejected))
    for (shop, day), f in sorted(summary.figures.items()):
        rate = f"{f.conversion_rate:.1%}" if f.conversion_rate is not None else "-"
        aov = f"{f.avg_order_value:.2f}" if f.avg_order_value is not None else "-"
        click.echo(f"  {shop} {day}: 询单 {f.inquiries}, 下单 {f.ordered}, 付款 {f.paid}, 询单转化率 {rate}, "
                   f"客单价 {aov}, 静默下单 {f.silent_orders}")
    if summary.rejected:
        click.echo("  " + _("Rows that could not be used are listed in the 'rejected' table (file, line, reason)."))
    if summary.skipped_files:
        shown = ", ".join(summary.skipped_files[:5]) + (" ..." if len(summary.skipped_files) > 5 else "")
        click.echo("  " + _("{n} file(s) are not order exports qc knows: {files}").format(n=len(summary.skipped_files), files=shown))
    for problem in summary.problems:
        click.echo("  " + _("warning: {problem}").format(problem=problem))
