"""The SQLite store: public tables that reports, Datasette and downstream tools read."""
from .db import checkpoint_beside, open_db, write_transaction

__all__ = ["checkpoint_beside", "open_db", "write_transaction"]
