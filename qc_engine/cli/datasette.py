"""`qc datasette`: browse a store in Datasette with qc's canned queries, whatever the file is called.

Datasette attaches metadata to a database by the file's name without its suffix; the packaged metadata
says ``qc``, so it is written again under the file's own name. Datasette is an optional extra:
``pip install 'qc-engine[datasette]'``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click
import yaml

from qc_engine.lang import N_, _


def metadata_for(db_path: Path) -> dict:
    """The packaged Datasette metadata, its database entry named as Datasette will name ``db_path``."""
    text = resources.files("qc_engine.store").joinpath("datasette-metadata.yaml").read_text(encoding="utf-8")
    meta = yaml.safe_load(text)
    databases = meta.get("databases") or {}
    entry = databases.pop("qc", None) or {}
    databases[Path(db_path).stem] = entry
    meta["databases"] = databases
    return meta


@click.command("datasette", context_settings={"ignore_unknown_options": True},
               help=N_("""Browse a store in Datasette with the canned queries (客服排名, 待复核, 复核记录 ...).

Extra arguments go to Datasette (e.g. --port 8002). Needs the extra: pip install 'qc-engine[datasette]'.

\b
Example:
  qc datasette qc.db
  qc datasette 2026-11.db --metadata meta.json   # only write the metadata, for datasette -m"""))
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metadata", "metadata_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=N_("Only write the metadata for this database to the file (JSON), and do not start Datasette."))
@click.argument("datasette_args", nargs=-1, type=click.UNPROCESSED)
def datasette_cmd(db_path, metadata_out, datasette_args):
    meta = metadata_for(db_path)
    if metadata_out is not None:
        metadata_out.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        click.echo(_("wrote {path}; run: datasette {db} -m {path}").format(path=metadata_out, db=db_path))
        return
    if importlib.util.find_spec("datasette") is None:
        raise click.ClickException(_("Datasette is not installed; install it with: pip install 'qc-engine[datasette]'"))
    fd, name = tempfile.mkstemp(prefix="qc-datasette-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(meta, f, ensure_ascii=False)
        code = subprocess.call([sys.executable, "-m", "datasette", "serve", str(db_path), "-m", name, *datasette_args])
    finally:
        os.unlink(name)
    if code:
        raise click.exceptions.Exit(code)
