"""Extract qc's messages into the catalogs and compile them (a tool for changing messages; needs Babel).

    python -m qc_engine.lang.catalog          # update every .po from the code, then compile each .mo

Message ids are the English texts marked ``_()``/``N_()``/``ngettext()`` in qc_engine and the built-in
plugins, every --help text of the command tree (click keeps them as plain strings), and click's own
messages (marked in click's source), so that "Usage:" and "No such option" are translated too.
New messages arrive untranslated in the .po; translate them there and run this again.
"""
from __future__ import annotations

import sys
from pathlib import Path

from qc_engine.lang import DOMAIN, LANGS, LOCALE_DIR

PACKAGE = LOCALE_DIR.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "gettext": None}


def _extract_dir(catalog, folder: Path, prefix: str) -> None:
    from babel.messages.extract import extract_from_dir

    # The page templates (qc_engine/pages/templates) mark their messages _() as the code does.
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
    options_map = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        if message:
            catalog.add(message, None, [(f"{prefix}/{filename}", lineno)], auto_comments=comments, context=context)


def template():
    """The catalog template: every message qc shows, from the code as it is now."""
    import click
    from babel.messages.catalog import Catalog

    from qc_engine.cli import _add_plugin_commands, cli
    from qc_engine.cli.localize import help_texts

    catalog = Catalog(project="qc-engine", domain=DOMAIN, charset="utf-8")
    _extract_dir(catalog, PACKAGE, "qc_engine")
    plugins = PACKAGE.parent / "plugins"
    if plugins.is_dir():
        _extract_dir(catalog, plugins, "qc_plugins")
    _extract_dir(catalog, Path(click.__file__).parent, "click")
    _add_plugin_commands()
    for text in help_texts(cli):
        if text not in catalog:
            catalog.add(text, None, [("qc_engine/cli (--help)", 0)])
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(lang: str) -> Path:
    """Write the .mo beside the .po (untranslated and fuzzy messages left out: they show in English)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = po_path(lang)
    with open(po, "rb") as f:
        catalog = read_po(f, locale=lang, domain=DOMAIN)
    mo = po.with_suffix(".mo")
    with open(mo, "wb") as f:
        write_mo(f, catalog, use_fuzzy=False)
    return mo


def update(lang: str) -> tuple[int, int]:
    """Bring the language's .po up to the code's messages; (messages, untranslated)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    po = po_path(lang)
    if po.is_file():
        with open(po, "rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
    else:
        catalog = Catalog(locale=lang, domain=DOMAIN, project="qc-engine", charset="utf-8")
    fresh = template()
    if po.is_file():  # the header keeps its dates: a catalog changes only where a message did
        fresh.creation_date = catalog.creation_date
    catalog.update(fresh, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    po.parent.mkdir(parents=True, exist_ok=True)
    with open(po, "wb") as f:
        write_po(f, catalog, width=0, sort_output=False, omit_header=False, include_previous=False)
    untranslated = sum(1 for m in catalog if m.id and not translated(m))
    return len([m for m in catalog if m.id]), untranslated


def translated(message) -> bool:
    s = message.string
    return bool(s) and (isinstance(s, str) or all(s))


def main() -> int:
    for lang in LANGS:
        if lang == "en":
            continue
        total, missing = update(lang)
        compile_po(lang)
        print(f"{po_path(lang)}: {total} messages, {missing} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
