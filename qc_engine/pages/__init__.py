"""Drawing pages: one Jinja2 environment for the static reports and the review workbench (qc serve).

Autoescaping is on for every template, and every value a template prints passes :func:`_finalize` first,
which masks customer personal data again (the store holds it masked already; this is the second fence).
Only values marked safe on purpose (Markup: the SVG charts, the stylesheet) are printed as they are.
The templates and the stylesheet are package data beside this module.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

import jinja2
from markupsafe import Markup

from qc_engine.lang import translations
from qc_engine.text.personal_data import mask_text


def _finalize(value):
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return mask_text(value)
    return value


@lru_cache(maxsize=None)
def environment(lang: str = "zh") -> jinja2.Environment:
    """The environment of one language: the catalog's gettext as ``_``, the filters the templates share."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("qc_engine.pages", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=False)
    env.globals["lang"] = lang
    env.globals["html_lang"] = "zh-CN" if lang == "zh" else "en"
    env.filters["num"] = number
    env.filters["clip"] = clip
    return env


def render(lang: str, template: str, **context) -> str:
    return environment(lang).get_template(template).render(**context)


@lru_cache(maxsize=None)
def stylesheet(name: str) -> Markup:
    """A stylesheet of the package, for a page that must carry it inline (a report opened from disk)."""
    return Markup(files("qc_engine.pages").joinpath("static", name).read_text(encoding="utf-8"))


def static_dir() -> str:
    return str(files("qc_engine.pages").joinpath("static"))


def number(value, kind: str = "num") -> str:
    """A figure as the pages show it: — for none, one decimal, whole numbers with thousands, percentages."""
    if value is None or value == "":
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "money":
        return f"{value:,.2f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def clip(value, n: int) -> str:
    """The start of a text, masked before it is cut (a number cut in half would no longer be recognised)."""
    text = mask_text(str(value or ""))
    return text if len(text) <= n else text[:n] + "…"
