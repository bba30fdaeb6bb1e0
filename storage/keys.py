"""Round keys as files, one per round, outside the database (PRODUCT.md §4.2).

A row deleted from a database is not gone: SQLite keeps the old page in its WAL until a
checkpoint, PostgreSQL keeps the old tuple in the table's heap until a vacuum and writes every
change to ``pg_wal``, which nothing scrubs. A key kept in a row would outlive its destruction
there. So a round's key, wrapped with the master key from ``DIALOOG_SECRET_FILE``, is written
to ``<directory>/<round id>.key`` (mode 0600, flushed to disk) and destroyed at close: its
bytes overwritten in place, flushed, then unlinked.

Every process that serves the same database must see the same directory (one machine, or a
shared file system), as every process must read the same secret file.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger(__name__)
_ROUND_ID = re.compile(r"^[0-9a-f]{32}$")
SUFFIX = ".key"


class KeyFileError(Exception):
    """The key directory cannot be used; ``str()`` is one line saying which and why."""


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class KeyFiles:
    """Per-round wrapped keys in one directory: write, read, destroy."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, round_id: str) -> Path:
        if not _ROUND_ID.match(round_id):
            raise ValueError(f"not a round id: {round_id!r}")
        return self.directory / f"{round_id}{SUFFIX}"

    def ensure(self) -> None:
        """Create the directory (mode 0700) if it is missing."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise KeyFileError(f"DIALOOG_KEY_DIR: cannot create {self.directory} ({exc})") from None

    def write(self, round_id: str, wrapped: bytes) -> None:
        """Store ``wrapped`` for ``round_id``, durably: written to a new file, flushed and
        renamed into place, then the directory flushed."""
        self.ensure()
        path = self._path(round_id)
        partial = path.with_name(path.name + ".new")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, wrapped)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, path)
        _fsync_directory(self.directory)

    def read(self, round_id: str) -> bytes | None:
        """The wrapped key of ``round_id``; None when there is none (closed, or never made)."""
        try:
            return self._path(round_id).read_bytes()
        except FileNotFoundError:
            return None

    def destroy(self, round_id: str) -> bool:
        """Overwrite the key file with random bytes, flush, unlink, flush the directory.
        False when there was no file. (On a copy-on-write file system or a disk that remaps
        blocks the old bytes may survive an overwrite; see the README.)"""
        path = self._path(round_id)
        try:
            fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return False
        try:
            size = os.fstat(fd).st_size
            os.pwrite(fd, secrets.token_bytes(size), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.unlink(missing_ok=True)
        _fsync_directory(self.directory)
        return True

    def round_ids(self) -> list[str]:
        """The rounds that have a key file here."""
        if not self.directory.is_dir():
            return []
        found = []
        for entry in self.directory.iterdir():
            name = entry.name.removesuffix(SUFFIX)
            if entry.name.endswith(SUFFIX) and _ROUND_ID.match(name):
                found.append(name)
        return sorted(found)
