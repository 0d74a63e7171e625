"""The review workbench (`qc serve`): QC specialists confirm, overturn and add findings in the browser.

Modules: app (routes, middleware), views (pages, read only), actions (the forms' POSTs), queries (what the
pages read), security (CSRF, headers), who (the reviewer), rules (the rules' docs), context (per request).
"""
from qc_engine.web.app import create_app

__all__ = ["create_app"]
