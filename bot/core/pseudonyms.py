"""Pseudonyms (PRODUCT.md §4.1-2): keyed hashes that a database dump alone cannot reverse.

The master key lives in ``DIALOOG_SECRET_FILE`` (created with mode 0600), never in the
database. Each round gets a random key, encrypted with the master key (AES-GCM, the round id
as associated data) and kept in a file of its own outside the database (:mod:`storage.keys`),
never in a row: a deleted row's bytes linger in SQLite's WAL and PostgreSQL's heap and WAL.
Closing a round destroys that file: from then on nobody, the operator included, can link the
round's answers to people. While the round is open its answers are sealed with a key derived
from the round key (:meth:`Keyring.seal`), so an answer erased by *forget me* cannot be read
from the database's leftover bytes either once the round is closed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import after_rollback
from storage.keys import KeyFiles

_SEP = "\x1f"


class SecretError(Exception):
    """The secret file cannot be read or created, or it does not fit the database."""


def load_or_create_secret(path: Path) -> bytes:
    """The 32-byte master key from ``path``; a new random one (mode 0600) if it is missing."""
    try:
        raw = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_secret(path)
        except OSError as exc:
            raise SecretError(f"DIALOOG_SECRET_FILE: cannot create {path} ({exc})") from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex() + "\n")
        return key
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"DIALOOG_SECRET_FILE: cannot read {path} ({exc})") from None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretError(
            f"DIALOOG_SECRET_FILE: {path} is open to other users (mode {mode:04o}); "
            f"make it private with: chmod 600 {path}"
        )
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise SecretError(f"DIALOOG_SECRET_FILE: {path} does not hold a 64-character hex key")
    return key


class Keyring:
    """Derives pseudonyms and host hashes; makes, opens and destroys per-round keys."""

    def __init__(self, master: bytes, key_files: KeyFiles) -> None:
        self._master = master
        self._aead = AESGCM(master)
        self.key_files = key_files

    def derived_key(self, purpose: str) -> bytes:
        """A key for ``purpose`` (signing download links, say), derived from the master key:
        one secret file, and no key that opens another's lock."""
        return hmac.new(self._master, f"dialoogbot:{purpose}".encode(), hashlib.sha256).digest()

    def new_round_key(self, round_id: str) -> bytes:
        """A fresh round key, stored wrapped in its key file before it is used."""
        key = secrets.token_bytes(32)
        self.key_files.write(round_id, self.wrap(round_id, key))
        return key

    def new_key_in(self, session: AsyncSession, key_id: str) -> bytes:
        """A fresh key for a round or stage that ``session`` is creating: written to its key
        file before the row exists, destroyed again if the session rolls back."""
        key = self.new_round_key(key_id)
        after_rollback(session, lambda: self.destroy_round_key(key_id))
        return key

    def round_key(self, round_id: str) -> bytes | None:
        """The key of an open round; None once it is destroyed."""
        wrapped = self.key_files.read(round_id)
        return None if wrapped is None else self.unwrap(round_id, wrapped)

    def destroy_round_key(self, round_id: str) -> bool:
        """Destroy the round's key file (False if there was none)."""
        return self.key_files.destroy(round_id)

    def wrap(self, round_id: str, key: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, key, round_id.encode())

    def unwrap(self, round_id: str, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:12], wrapped[12:], round_id.encode())
        except InvalidTag:
            raise SecretError(
                "DIALOOG_SECRET_FILE does not match this database (a round key cannot be opened)"
            ) from None

    @staticmethod
    def pseudonym(round_key: bytes, round_id: str, platform: str, workspace: str, user: str) -> str:
        message = _SEP.join((round_id, platform, workspace, user)).encode()
        return hmac.new(round_key, message, hashlib.sha256).hexdigest()[:40]

    @staticmethod
    def seal(round_key: bytes, round_id: str, answer_id: str, text: str) -> bytes:
        """``text`` encrypted under the round's answer key; the answer's id binds it to its
        row (associated data), so a sealed text cannot be moved to another answer."""
        nonce = secrets.token_bytes(12)
        aad = _SEP.join((round_id, answer_id)).encode()
        return nonce + AESGCM(_text_key(round_key)).encrypt(nonce, text.encode(), aad)

    @staticmethod
    def open_sealed(round_key: bytes, round_id: str, answer_id: str, sealed: bytes) -> str:
        aad = _SEP.join((round_id, answer_id)).encode()
        return AESGCM(_text_key(round_key)).decrypt(sealed[:12], sealed[12:], aad).decode()

    def host_hash(self, round_id: str, platform: str, workspace: str, user: str) -> str:
        message = _SEP.join(("host", round_id, platform, workspace, user)).encode()
        return hmac.new(self._master, message, hashlib.sha256).hexdigest()


def _text_key(round_key: bytes) -> bytes:
    """The key answers are sealed with: derived from the round key, apart from pseudonyms."""
    return hmac.new(round_key, b"answer text", hashlib.sha256).digest()
