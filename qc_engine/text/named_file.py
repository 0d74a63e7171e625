"""Reading a file a rule file names (a shop's quick-phrase export ...): a regular file of bounded size only."""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_NAMED_FILE_BYTES = 5 * 1024 * 1024


def read_named_file(path: str | Path, max_bytes: int = MAX_NAMED_FILE_BYTES) -> bytes:
    """The bytes of a file a rule file names: a regular file of bounded size (a FIFO or a device would never end).

    Raises ValueError, with the reason, otherwise.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"{path} is larger than {max_bytes // (1024 * 1024)} MB")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ValueError(f"{path} is larger than {max_bytes // (1024 * 1024)} MB")
    return data
