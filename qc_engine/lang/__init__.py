"""The language qc speaks: gettext catalogs kept in this package, Chinese or English.

Messages are written in English in the code and marked with ``_()`` (translated where they are
shown) or ``N_()`` (a string kept as is and translated later, such as a ``--help`` text). The
Chinese catalog is ``zh/LC_MESSAGES/qc_engine.po``, compiled to the ``.mo`` beside it; both are in the
repository (``python -m qc_engine.lang.catalog`` extracts and compiles them with Babel, a tool needed
only to change the catalog). The catalog also carries click's own messages ("Usage:", "No such
option"), which click then reads through :func:`install`.

The choice is made once per command line: ``--lang``, else ``lang`` in qc.toml, else the locale
(LC_ALL, LC_MESSAGES, LANG; the user's locale on Windows): Chinese when it says zh, English otherwise.
"""
from __future__ import annotations

import gettext
import locale
import os
import sys
from pathlib import Path

LANGS = ("zh", "en")
DOMAIN = "qc_engine"
LOCALE_DIR = Path(__file__).resolve().parent
LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX order: the first one set decides

_translation: gettext.NullTranslations = gettext.NullTranslations()
_current = "en"


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it here (it is translated where it is shown)."""
    return message


def _(message: str) -> str:
    """The message in the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def current() -> str:
    """The language in force: "zh" or "en"."""
    return _current


def from_locale(environ=None) -> tuple[str, str]:
    """(language, where it came from) as the environment's locale says."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_ENV:
        value = environ.get(name)
        if value:
            return ("zh" if value.lower().startswith("zh") else "en"), f"{name}={value}"
    if sys.platform == "win32":  # Windows sets no LANG: its user locale reads "Chinese (Simplified)_China" or "zh_CN"
        name = (locale.getlocale()[0] or "")
        if name:
            return ("zh" if name.lower().startswith(("zh", "chinese")) else "en"), f"Windows locale {name}"
    return "en", "default"


def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of one language (English is the messages themselves)."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


# click's modules that show text through gettext (click marks its messages for translation, domain "messages").
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui", "types",
                  "_termui_impl")


def install(lang: str) -> None:
    """Speak ``lang`` from now on, in qc's messages and in click's."""
    global _translation, _current
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}")
    _translation, _current = translations(lang), lang
    # click calls the gettext functions it imported (module globals ``_`` and ``ngettext``): they are pointed at
    # this catalog, which holds click's messages too, rather than binding the process-wide "messages" domain,
    # which would follow the environment's locale and not --lang.
    import importlib

    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = _translation.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _translation.ngettext
