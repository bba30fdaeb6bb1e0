"""The Teams app package: a manifest Teams accepts and the two icons it asks for."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from adapters.teams.command import register
from adapters.teams.package import (
    MANIFEST_SCHEMA,
    PackageError,
    build,
    manifest,
    normalise_host,
)
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


# -- a package Teams accepts -----------------------------------------------------------------

SCHEMAS = Path(__file__).parent / "schema"


def schema(name: str) -> dict[str, Any]:
    """Microsoft's published JSON schema (github.com/OfficeDev/microsoft-teams-app-schema,
    MIT licence), vendored here at the manifest version we declare."""
    return dict(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def package_files(target: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    with zipfile.ZipFile(target) as archive:
        return json.loads(archive.read("manifest.json")), json.loads(archive.read("en.json"))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_manifest_validates_against_teams_schema(
    tmp_path: Path, catalog: Catalog, lang: str
) -> None:
    target = build(tmp_path / "app.zip", catalog, lang, APP_ID, "https://dialoog.gemeente.nl/")
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        other = "en" if lang == "nl" else "nl"
        texts = json.loads(archive.read(f"{other}.json"))
    main = schema("MicrosoftTeams.v1.17.schema.json")
    assert manifest["$schema"] == MANIFEST_SCHEMA and manifest["manifestVersion"] == "1.17"
    assert main["properties"]["manifestVersion"]["const"] == manifest["manifestVersion"]
    Draft4Validator(main).validate(manifest)
    Draft4Validator(schema("MicrosoftTeams.Localization.v1.17.schema.json")).validate(texts)


def test_the_schema_catches_what_teams_would_refuse(tmp_path: Path, catalog: Catalog) -> None:
    """The validation has teeth: the broken package of the issue fails it."""
    manifest, _texts = package_files(
        build(tmp_path / "app.zip", catalog, "nl", APP_ID, "dialoog.gemeente.nl")
    )
    validator = Draft4Validator(schema("MicrosoftTeams.v1.17.schema.json"))
    broken = {**manifest, "id": "not-a-guid"}
    assert not validator.is_valid(broken)
    assert not validator.is_valid({**manifest, "description": {"short": "x" * 81, "full": "y"}})


@pytest.mark.parametrize(
    "given",
    [
        "dialoog.gemeente.nl",
        "https://dialoog.gemeente.nl/",
        "  HTTP://Dialoog.Gemeente.NL///  ",
    ],
)
def test_the_host_is_normalised(tmp_path: Path, catalog: Catalog, given: str) -> None:
    manifest, _texts = package_files(build(tmp_path / "app.zip", catalog, "nl", APP_ID, given))
    assert manifest["validDomains"] == ["dialoog.gemeente.nl"]
    assert manifest["developer"]["privacyUrl"] == "https://dialoog.gemeente.nl/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://dialoog.gemeente.nl/terms"
    assert manifest["developer"]["websiteUrl"] == "https://dialoog.gemeente.nl/"


@pytest.mark.parametrize(
    "given",
    ["", "https://", "https://https://dialoog.gemeente.nl//", "dialoog.gemeente.nl/bot",
     "dialoog.gemeente.nl:8443", "localhost", "dia log.nl", "-dialoog.nl", "user@dialoog.nl",
     "dialoog..nl"],
)  # fmt: skip
def test_a_bad_host_is_refused_with_one_line_and_writes_nothing(
    tmp_path: Path, catalog: Catalog, given: str
) -> None:
    target = tmp_path / "app.zip"
    with pytest.raises(PackageError, match=r"^--host: ") as refused:
        build(target, catalog, "nl", APP_ID, given)
    assert "\n" not in str(refused.value)
    assert not target.exists()


def test_an_international_host_is_written_in_ascii() -> None:
    # the RFC 3492 example: bücher -> xn--bcher-kva
    assert normalise_host("https://dialoog.bücher.nl/") == "dialoog.xn--bcher-kva.nl"


@pytest.mark.parametrize(
    "app_id", ["not-a-guid", "3f1c2b7a11114222833394445555666", "{" + APP_ID + "}"]
)
def test_the_app_id_must_be_a_guid(tmp_path: Path, catalog: Catalog, app_id: str) -> None:
    with pytest.raises(PackageError, match=r"^--app-id: .* is not a GUID"):
        build(tmp_path / "app.zip", catalog, "nl", app_id, "dialoog.gemeente.nl")
    assert not (tmp_path / "app.zip").exists()


def test_the_command_line_refuses_bad_values_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    target = tmp_path / "teams.zip"
    for bad in (
        ["--app-id", "not-a-guid", "--host", "a.nl"],
        ["--app-id", APP_ID, "--host", "x/y"],
    ):
        args = parser.parse_args(["teams-package", "--output", str(target), *bad])
        assert args.func(args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("dialoogbot: --") and "\n" not in err and "Traceback" not in err
        assert not target.exists()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_host_gives_a_valid_package_or_one_clear_line(text: str) -> None:
    catalog = Catalog.load()
    try:
        host = normalise_host(text)
    except PackageError as exc:
        assert str(exc).startswith("--host: ") and "\n" not in str(exc)
        return
    assert "/" not in host and ":" not in host and host == host.lower()
    validator = Draft4Validator(schema("MicrosoftTeams.v1.17.schema.json"))
    validator.validate(manifest(catalog, "nl", APP_ID, host))
