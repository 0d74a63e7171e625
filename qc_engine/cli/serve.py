"""`qc serve`: the review workbench in the browser."""
from __future__ import annotations

import socket
from pathlib import Path

import click

from qc_engine.lang import N_, _
from qc_engine.cli.context import invocation
from qc_engine.cli.report import DB_HELP


def free_port(host: str) -> int:
    """A port nothing listens on at ``host`` now (the system's choice)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@click.command("serve", help=N_("""Start the review workbench: the day's sample as a queue, each conversation as a chat with its
findings to confirm or overturn, findings to add, in the browser.

\b
It listens on this computer only (127.0.0.1, a free port) unless --host says otherwise.
Example:
  qc serve --db qc.db
  qc serve --db qc.db --port 8040"""))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True,
              help=N_("Address to listen on; another than this computer's needs named accounts."))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help=N_("Port to listen on. Default: a free one."))
def serve(db_path, host, port):
    from qc_engine.store import StoreError
    from qc_engine.web.who import is_loopback

    if db_path is None:
        raise click.UsageError(_("Missing option '--db' (or db in qc.toml): the SQLite file `qc audit` wrote."))
    if not db_path.is_file():
        raise click.ClickException(_("no store at {path}; run `qc audit ... --db {path}` first").format(path=db_path))
    if not is_loopback(host):
        raise click.ClickException(_("the workbench needs named accounts to listen beyond this computer, and this "
                                     "version has none yet; use --host 127.0.0.1"))
    import uvicorn

    from qc_engine.web import create_app

    source = invocation().lang_source
    lang = invocation().lang if source == "--lang" else "zh"  # the pages speak Chinese unless --lang says otherwise
    try:
        app = create_app(db_path, lang=lang, host=host)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    port = port or free_port(host)
    shown = f"[{host}]" if ":" in host else host
    click.echo(_("QC workbench: http://{host}:{port}/  (Ctrl+C to stop)").format(host=shown, port=port))
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
