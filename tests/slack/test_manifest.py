"""The app manifests ask for exactly what the adapter uses, and point at our one URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.slack.wiring import BOT_SCOPES, COMMAND

FOLDER = Path(__file__).resolve().parents[2] / "adapters" / "slack"


def _load(name: str) -> dict[str, Any]:
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


def test_the_http_manifest_sends_everything_to_slack_events() -> None:
    manifest = _load("manifest.json")
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    settings = manifest["settings"]
    urls = {
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
    assert manifest["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")
    assert set(settings["event_subscriptions"]["bot_events"]) == {"message.im", "app_mention"}
    assert manifest["features"]["app_home"]["messages_tab_enabled"]


def test_the_socket_mode_manifest_is_the_same_app_without_urls() -> None:
    http, socket = _load("manifest.json"), _load("manifest.socket-mode.json")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert socket["oauth_config"]["scopes"] == http["oauth_config"]["scopes"]
    assert "url" not in socket["features"]["slash_commands"][0]
    assert "request_url" not in socket["settings"]["interactivity"]
    assert "request_url" not in socket["settings"]["event_subscriptions"]
