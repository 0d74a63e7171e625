"""The SQLite store: public tables that reports, Datasette and downstream tools read."""
from .db import open_db, write_transaction

__all__ = ["open_db", "write_transaction"]
