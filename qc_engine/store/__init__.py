"""The SQLite store: public tables that reports, Datasette and downstream tools read."""
from qc_engine.store.db import Checkpoints, StoreError, open_db, write_transaction

__all__ = ["Checkpoints", "StoreError", "open_db", "write_transaction"]
