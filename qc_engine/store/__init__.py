"""The SQLite store: public tables that reports, Datasette and downstream tools read."""
from .db import open_db

__all__ = ["open_db"]
