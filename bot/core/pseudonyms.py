"""Pseudonyms (PRODUCT.md §4.1-2): keyed hashes that a database dump alone cannot reverse.

The master key lives in ``DIALOOG_SECRET_FILE`` (created with mode 0600), never in the
database. Each round gets a random key, stored in the database only encrypted with the master
key (AES-GCM, the round id as associated data). Closing a round deletes that row: from then
on nobody, the operator included, can link the round's answers to people.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise SecretError(f"DIALOOG_SECRET_FILE: {path} does not hold a 64-character hex key")
    return key


class Keyring:
    """Derives pseudonyms and host hashes; wraps and unwraps per-round keys."""

    def __init__(self, master: bytes) -> None:
        self._master = master
        self._aead = AESGCM(master)

    def derived_key(self, purpose: str) -> bytes:
        """A key for ``purpose`` (signing download links, say), derived from the master key:
        one secret file, and no key that opens another's lock."""
        return hmac.new(self._master, f"dialoogbot:{purpose}".encode(), hashlib.sha256).digest()

    def new_round_key(self, round_id: str) -> tuple[bytes, bytes]:
        """A fresh round key and its wrapped form for the database."""
        key = secrets.token_bytes(32)
        nonce = secrets.token_bytes(12)
        return key, nonce + self._aead.encrypt(nonce, key, round_id.encode())

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

    def host_hash(self, round_id: str, platform: str, workspace: str, user: str) -> str:
        message = _SEP.join(("host", round_id, platform, workspace, user)).encode()
        return hmac.new(self._master, message, hashlib.sha256).hexdigest()
