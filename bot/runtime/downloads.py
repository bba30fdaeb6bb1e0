"""Single-use, expiring downloads on the bot's own server: how a Teams host gets an export
file (a Teams bot can send a file only through a consent card and the person's OneDrive).

:meth:`Downloads.offer` stores the file encrypted (AES-GCM) with a fresh key that is written
only into the link, and returns the link's token: ``<payload>.<signature>``, the payload
holding the row id, the expiry, that key and the language of the pages, the signature an
HMAC-SHA256 with a key derived from the secret file (``Keyring.derived_key``).
``GET /files/<token>`` (mounted by :mod:`bot.runtime.server`) checks the signature and the
expiry, then deletes the row and serves it in one step: a second request finds nothing and
gets a clear page. A database dump alone cannot read a waiting file, and a forged or altered
link opens nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import html
import secrets
import struct
import urllib.parse
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete

from bot.core.prompts import Catalog
from bot.support.clock import Clock
from storage.database import Database
from storage.models import DownloadRow

LIFETIME = dt.timedelta(hours=24)
_PAYLOAD = struct.Struct(">16sq32s2s")  # row id, expiry (unix seconds), file key, language


class Refusal(StrEnum):
    """Why a link opens nothing; each has its page in the catalog (``download.*``)."""

    INVALID = "invalid"  # not a token, or its signature does not match: forged or altered
    EXPIRED = "expired"
    USED = "used"  # downloaded already (or never stored)


@dataclass(frozen=True)
class File:
    filename: str
    mime: str
    data: bytes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Downloads:
    """Files waiting for their one download. ``public_url`` is where people reach the bot's
    server (``DIALOOG_PUBLIC_URL``), ending in ``/``."""

    def __init__(
        self,
        db: Database,
        signing_key: bytes,
        clock: Clock,
        public_url: str,
        lifetime: dt.timedelta = LIFETIME,
    ) -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url
        self.lifetime = lifetime
        self._signing = signing_key

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._signing, payload, hashlib.sha256).digest()

    async def offer(self, filename: str, mime: str, data: bytes, lang: str) -> str:
        """Store ``data`` for one download; the token of its link."""
        now = self.clock.now()
        row_id = secrets.token_bytes(16)
        key = secrets.token_bytes(32)
        nonce = secrets.token_bytes(12)
        expires = now + self.lifetime
        sealed = nonce + AESGCM(key).encrypt(nonce, data, row_id)
        async with self.db.writing() as session:
            # Files nobody fetched in time go when the next one comes.
            await session.execute(delete(DownloadRow).where(DownloadRow.expires <= now))
            session.add(
                DownloadRow(
                    id=row_id.hex(),
                    filename=filename[:200],
                    mime=mime,
                    data=sealed,
                    expires=expires,
                )
            )
        payload = _PAYLOAD.pack(row_id, int(expires.timestamp()), key, lang.encode()[:2])
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def link(self, token: str) -> str:
        return f"{self.public_url}files/{token}"

    def language(self, token: str) -> str | None:
        """The language a valid token's pages are in."""
        opened = self._open(token)
        return None if opened is None else opened[3]

    def _open(self, token: str) -> tuple[bytes, dt.datetime, bytes, str] | None:
        payload_text, _, signature_text = token.partition(".")
        try:
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except (binascii.Error, ValueError):
            return None
        if len(payload) != _PAYLOAD.size or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        row_id, expires, key, lang = _PAYLOAD.unpack(payload)
        return (
            row_id,
            dt.datetime.fromtimestamp(expires, dt.UTC),
            key,
            lang.decode("ascii", "replace"),
        )

    async def take(self, token: str) -> File | Refusal:
        """The file, removed from storage as it is handed out; or why not."""
        opened = self._open(token)
        if opened is None:
            return Refusal.INVALID
        row_id, expires, key, _lang = opened
        async with self.db.writing() as session:
            found = (
                await session.execute(
                    delete(DownloadRow)
                    .where(DownloadRow.id == row_id.hex())
                    .returning(DownloadRow.filename, DownloadRow.mime, DownloadRow.data)
                )
            ).first()
        if self.clock.now() >= expires:
            return Refusal.EXPIRED
        if found is None:
            return Refusal.USED
        filename, mime, sealed = found
        try:
            data = AESGCM(key).decrypt(sealed[:12], sealed[12:], row_id)
        except InvalidTag:
            return Refusal.INVALID
        return File(filename, mime, data)


def refusal_page(catalog: Catalog, lang: str, refusal: Refusal) -> web.Response:
    title = html.escape(catalog.text(lang, "download.title"))
    text = html.escape(catalog.text(lang, f"download.{refusal.value}"))
    page = (
        f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )
    status = 404 if refusal is Refusal.INVALID else 410
    return web.Response(
        text=page,
        status=status,
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )


def file_response(found: File) -> web.Response:
    quoted = urllib.parse.quote(found.filename)
    return web.Response(
        body=found.data,
        headers={
            "Content-Type": found.mime,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quoted}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
