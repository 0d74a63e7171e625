"""Tables in the terminal, measured by display width (a Chinese character takes two columns).

rich measures and aligns; colour and the terminal's width only when output goes to a terminal, so a
table piped into a file or a script is plain text at its natural width.
"""
from __future__ import annotations

import sys

import click


def console():
    from rich.console import Console

    out = sys.stdout
    terminal = out.isatty()
    # Off a terminal: no colour codes and no wrapping at an assumed 80 columns.
    return Console(file=out, force_terminal=terminal, no_color=not terminal, highlight=False, soft_wrap=not terminal,
                   width=None if terminal else 100_000)


def print_table(headers: list[str], rows: list[list], numeric: set[int] = frozenset(), styles: dict[int, str] | None = None) -> None:
    """One table: headers bold (on a terminal), numeric columns aligned right, every cell measured for Chinese width."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold", expand=False)
    for i, h in enumerate(headers):
        table.add_column(h, justify="right" if i in numeric else "left", overflow="fold", style=(styles or {}).get(i))
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    out = console()
    with out.capture() as captured:
        out.print(table)
    for line in captured.get().splitlines():  # rich pads every cell: the padding at line ends is dropped
        click.echo(line.rstrip(), color=out.is_terminal)
