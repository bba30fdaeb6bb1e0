"""The Teams app package: a manifest Teams accepts and the two icons it asks for."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

from adapters.teams.command import register
from adapters.teams.package import build
from bot.core.prompts import Catalog

APP_ID = "3f1c2b7a-1111-4222-8333-944455556666"


def png_header(data: bytes) -> tuple[int, int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def pixels(data: bytes) -> set[tuple[int, ...]]:
    width = png_header(data)[0]
    raw = zlib.decompress(data[data.index(b"IDAT") + 4 :])
    stride = 1 + 4 * width
    return {
        tuple(raw[row + 1 + 4 * x : row + 5 + 4 * x])
        for row in range(0, len(raw), stride)
        for x in range(width)
    }


def test_the_package_has_a_manifest_and_both_icons(tmp_path: Path, catalog: Catalog) -> None:
    target = build(tmp_path / "app.zip", catalog, "nl", APP_ID, "dialoog.gemeente.nl")
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "en.json",
            "manifest.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
        english = json.loads(archive.read("en.json"))
        colour, outline = archive.read("color.png"), archive.read("outline.png")
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team"}
    assert manifest["description"]["short"] == catalog.text("nl", "teams.app.short_description")
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000
    assert manifest["validDomains"] == ["dialoog.gemeente.nl"]
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "nl-NL",
        "additionalLanguages": [{"languageTag": "en-US", "file": "en.json"}],
    }
    assert english["description.short"] == catalog.text("en", "teams.app.short_description")
    assert english["bots[0].commandLists[0].commands[0].description"].startswith("Start")
    assert png_header(colour) == (192, 192, 8, 6)
    assert png_header(outline) == (32, 32, 8, 6)
    # the outline icon is white on transparent only
    assert pixels(outline) == {(255, 255, 255, 255), (0, 0, 0, 0)}


def test_the_command_line_builds_it(tmp_path: Path, monkeypatch: object) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    target = tmp_path / "teams.zip"
    args = parser.parse_args(
        ["teams-package", "--output", str(target), "--app-id", APP_ID, "--lang", "en"]
    )
    assert args.func(args) == 0
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "en-US"
