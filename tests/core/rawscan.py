"""What an attacker with the master key and a copy of the disk could recover: every byte
window of a file tried as a wrapped round key, and as a sealed answer.

The scan is exhaustive over the bytes it is given (one window per offset); windows whose
12-byte nonce is all zeros are passed over, as a random nonce never is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.core.pseudonyms import Keyring

WRAPPED = 12 + 32 + 16  # nonce, key, tag
_ZERO_NONCE = bytes(12)


def _windows(data: bytes, size: int, opener: Callable[[bytes], bytes]) -> list[tuple[int, bytes]]:
    found = []
    for offset in range(len(data) - size + 1):
        if data[offset : offset + 12] == _ZERO_NONCE:
            continue
        window = data[offset : offset + size]
        try:
            found.append((offset, opener(window)))
        except InvalidTag:
            pass
    return found


def round_keys_in(data: bytes, master: bytes, round_id: str) -> list[bytes]:
    """Every round key of ``round_id`` the master key unwraps from a window of ``data``."""
    aead = AESGCM(master)
    aad = round_id.encode()
    return [key for _, key in _windows(data, WRAPPED, lambda w: aead.decrypt(w[:12], w[12:], aad))]


def sealed_texts_in(
    data: bytes, round_key: bytes, round_id: str, answer_id: str, text: str
) -> list[str]:
    """Every window of ``data`` that opens, with ``round_key``, as the sealed answer
    ``answer_id`` (of the length ``text`` has)."""
    size = 12 + len(text.encode()) + 16

    def opener(window: bytes) -> bytes:
        return Keyring.open_sealed(round_key, round_id, answer_id, window).encode()

    return [found.decode() for _, found in _windows(data, size, opener)]


def read_all(paths: Iterable[Path]) -> dict[Path, bytes]:
    """The bytes of every file in ``paths`` that exists."""
    return {path: path.read_bytes() for path in paths if path.is_file()}
