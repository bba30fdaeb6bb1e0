"""The Teams app package: ``manifest.json`` plus two icons, zipped for sideloading.

The manifest (schema 1.17) declares one bot with personal and team scope, so a host can mention
it in a channel and everyone can chat with it privately. The icons are drawn here (a speech
bubble with three dots: 192x192 in colour, 32x32 white outline on transparent), so building
a package needs no downloads and no image library. Texts come from ``teams.*`` in the
message catalog.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.core.prompts import Catalog

MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.17"
LOCALIZATION_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/"
    "MicrosoftTeams.Localization.schema.json"
)
LANGUAGE_TAGS = {"nl": "nl-NL", "en": "en-US"}
ACCENT = (0x2E, 0x7D, 0x5B)  # the colour of the outline icon's tile in Teams
COMMANDS = ("start", "status", "close", "publish", "help")

Pixel = tuple[int, int, int, int]
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")  # the schema's
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class PackageError(ValueError):
    """A value the package cannot be built with; ``str()`` is one line naming the option."""


def normalise_host(value: str) -> str:
    """The bot's public host name as Teams wants it in ``validDomains`` and the URLs: no
    scheme, no slashes, lower case, an internationalised name in its ASCII form.
    ``https://Dialoog.Gemeente.nl/`` gives ``dialoog.gemeente.nl``; a value with a path,
    a port, spaces or no dot is refused with :class:`PackageError`."""
    host = value.strip()
    host = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", host).rstrip("/")
    if not host or any(c in host for c in "/?#@:\\ \t"):
        raise PackageError(
            f"--host: {value!r} is not a host name; give it like dialoog.gemeente.nl "
            "(no path, port or spaces)"
        )
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise PackageError(f"--host: {value!r} is not a valid host name") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253 or not all(_LABEL.match(x) for x in labels):
        raise PackageError(f"--host: {value!r} is not a public host name like dialoog.gemeente.nl")
    return ascii_host


def check_app_id(value: str) -> str:
    """``value`` if it is a GUID (the Azure bot's Microsoft App ID), else :class:`PackageError`."""
    if not GUID.match(value.strip()):
        raise PackageError(
            f"--app-id: {value!r} is not a GUID like 3f1c2b7a-1111-4222-8333-944455556666 "
            "(the Microsoft App ID of your Azure bot)"
        )
    return value.strip().lower()


def check_version(value: str) -> str:
    if not SEMVER.match(value):
        raise PackageError(f"--version: {value!r} is not a version like 1.0.0")
    return value


def png(size: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG of ``size`` x ``size``; ``pixel(x, y)`` gets coordinates in 0..1."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter: none
        for x in range(size):
            rows.extend(pixel((x + 0.5) / size, (y + 0.5) / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _in_bubble(x: float, y: float) -> bool:
    body = ((x - 0.5) / 0.36) ** 2 + ((y - 0.45) / 0.27) ** 2 <= 1.0
    tail = 0.28 <= x <= 0.42 and 0.62 <= y <= 0.82 and (y - 0.62) <= (0.42 - x) * 1.4
    return body or tail


def _on_dot(x: float, y: float, radius: float) -> bool:
    return any((x - cx) ** 2 + (y - 0.45) ** 2 <= radius**2 for cx in (0.36, 0.5, 0.64))


def colour_icon(size: int = 192) -> bytes:
    """A white speech bubble with three green dots on the accent colour."""

    def pixel(x: float, y: float) -> Pixel:
        if _in_bubble(x, y):
            return (*ACCENT, 255) if _on_dot(x, y, 0.045) else (255, 255, 255, 255)
        return (*ACCENT, 255)

    return png(size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """The bubble's outline in white on transparent, as Teams requires for the 32x32 icon."""

    def pixel(x: float, y: float) -> Pixel:
        step = 1.5 / size
        inside = _in_bubble(x, y)
        edge = inside and not all(
            _in_bubble(x + dx, y + dy) for dx, dy in ((step, 0), (-step, 0), (0, step), (0, -step))
        )
        if edge or (inside and _on_dot(x, y, 0.06)):
            return (255, 255, 255, 255)
        return (0, 0, 0, 0)

    return png(size, pixel)


def manifest(
    catalog: Catalog, lang: str, app_id: str, host: str, version: str = "1.0.0"
) -> dict[str, Any]:
    """The app manifest for bot ``app_id`` (the Azure bot's Microsoft App ID)."""

    def text(key: str) -> str:
        return catalog.text(lang, f"teams.{key}")

    commands = [{"title": word, "description": text(f"app.commands.{word}")} for word in COMMANDS]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "dialoogbot",
            "websiteUrl": f"https://{host}/",
            "privacyUrl": f"https://{host}/privacy",
            "termsOfUseUrl": f"https://{host}/terms",
        },
        "name": {"short": text("app.name"), "full": text("app.name")},
        "description": {
            "short": text("app.short_description"),
            "full": text("app.full_description"),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal", "team"], "commands": commands},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        "localizationInfo": {
            "defaultLanguageTag": LANGUAGE_TAGS[lang],
            "additionalLanguages": [
                {"languageTag": LANGUAGE_TAGS[other], "file": f"{other}.json"}
                for other in LANGUAGE_TAGS
                if other != lang
            ],
        },
    }


def localization(catalog: Catalog, lang: str) -> dict[str, Any]:
    """The manifest's texts in ``lang`` (Teams shows them to people with that language)."""

    def text(key: str) -> str:
        return catalog.text(lang, f"teams.{key}")

    texts: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": text("app.name"),
        "name.full": text("app.name"),
        "description.short": text("app.short_description"),
        "description.full": text("app.full_description"),
    }
    for n, word in enumerate(COMMANDS):
        texts[f"bots[0].commandLists[0].commands[{n}].description"] = text(f"app.commands.{word}")
    return texts


def build(
    target: Path,
    catalog: Catalog,
    lang: str,
    app_id: str | None,
    host: str,
    version: str = "1.0.0",
) -> Path:
    """Write the zip to ``target``; a missing ``app_id`` gets a placeholder GUID. A bad host,
    app id or version raises :class:`PackageError` before anything is written."""
    app_id = check_app_id(app_id) if app_id else str(uuid.UUID(int=0))
    host = normalise_host(host)
    version = check_version(version)
    data = manifest(catalog, lang, app_id, host, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        for other in LANGUAGE_TAGS:
            if other != lang:
                texts = localization(catalog, other)
                archive.writestr(f"{other}.json", json.dumps(texts, indent=2, ensure_ascii=False))
        archive.writestr("color.png", colour_icon())
        archive.writestr("outline.png", outline_icon())
    return target
