"""Facts derived from large files that rarely change, kept on disk between runs.

Every process of every run would otherwise derive them again: jieba's dictionary index takes
~0.12 s CPU in each worker. An entry is named by everything it depends on, so a changed source
simply makes a new entry. A missing, unreadable or malformed entry is derived again; a cache
directory that cannot be written only costs the time. ``QC_ENGINE_CACHE_DIR`` moves the cache
(empty: no cache); it defaults to the system's cache folder (platformdirs), see ``cache_dir``.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")
CACHE_DIR_ENV = "QC_ENGINE_CACHE_DIR"


def cache_dir() -> Path | None:
    """``QC_ENGINE_CACHE_DIR`` (empty: no cache), else the system's cache folder for qc-engine: ~/.cache/qc-engine
    (or $XDG_CACHE_HOME) on Linux, ~/Library/Caches/qc-engine on macOS, %LOCALAPPDATA%\\qc-engine\\Cache on Windows."""
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qc-engine", appauthor=False))


def file_key(path: str | os.PathLike) -> str:
    """What identifies a file's content cheaply: its path, size and modification time."""
    st = os.stat(path)
    return f"{os.fspath(path)}:{st.st_size}:{st.st_mtime_ns}"


def cached(name: str, key: str, derive: Callable[[], T], valid: Callable[[Any], bool]) -> T:
    """The value stored under (name, key) if ``valid`` accepts it, else ``derive()``, stored for next time.

    Values are plain data (numbers, strings, lists, tuples, dicts), stored with marshal.
    """
    folder = cache_dir()
    if folder is None:
        return derive()
    # marshal's format belongs to the Python version: each version keeps its own entries.
    key = f"{sys.version_info[0]}.{sys.version_info[1]} {key}"
    path = folder / f"{name}-{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()[:24]}.marshal"
    try:
        value = marshal.loads(path.read_bytes())
        if valid(value):
            return value
    except (OSError, ValueError, EOFError, TypeError):
        pass
    value = derive()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
        try:
            with os.fdopen(fd, "wb") as f:
                marshal.dump(value, f)
            os.replace(tmp, path)  # whole or not at all, even with runs writing it at once
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass
    return value
