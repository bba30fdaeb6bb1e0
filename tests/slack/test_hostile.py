"""Hostile and broken requests to /slack/events get 4xx, never a 500, and never a traceback:
the signature is checked on the raw bytes before anything is parsed, and a signed body of a
shape Slack never sends is refused with 400. The real bolt stack, signed requests, a log scan."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import aiohttp
import pytest

from adapters.slack import modal
from bot.testing.fake_slack import FakeSlack, message_event, signed_headers
from tests.slack.world import SECRET, World, people, text_of


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info], "a refusal logged a traceback"


async def raw_post(world: World, body: bytes, headers: dict[str, str]) -> int:
    assert world.server is not None and world.http is not None
    url = str(world.server.make_url("/slack/events"))
    async with world.http.post(url, data=body, headers=headers) as response:
        await response.read()
        return response.status


def signed(body: bytes, content_type: str = "application/json") -> dict[str, str]:
    import hashlib
    import hmac

    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


JSON_BODIES: list[tuple[str, bytes]] = [
    ("not json", b"{not json"),
    ("a list", b"[]"),
    ("null", b"null"),
    ("a string", b'"event"'),
    ("invalid utf-8", b'{"type": "event_callback", "event": {"text": "\xff\xfe"}}'),
    ("10,000 deep", b"[" * 10_000 + b"]" * 10_000),
    ("10,000 deep object", b'{"a":' * 10_000 + b"1" + b"}" * 10_000),
    (
        "deep inside an event",
        b'{"type": "event_callback", "event": ' + b"[" * 60 + b"]" * 60 + b"}",
    ),
    ("event a list", b'{"type": "event_callback", "event_id": "Ev1", "event": []}'),
    ("event a string", b'{"type": "event_callback", "event_id": "Ev1", "event": "message"}'),
    (
        "event text a number",
        b'{"type": "event_callback", "event": {"type": "message", "channel_type": "im", '
        b'"user": "U1", "text": 5}}',
    ),
    ("type a number", b'{"type": 5}'),
    ("event without a type", b'{"type": "event_callback", "event": {"text": "x"}}'),
]
FORM_BODIES: list[tuple[str, bytes]] = [
    ("payload a list", form(payload="[]")),
    ("payload null", form(payload="null")),
    ("payload empty", form(payload="")),
    ("payload not json", form(payload="{not json")),
    ("view a string", form(payload=json.dumps({"type": "view_submission", "view": "x"}))),
    ("actions a dict", form(payload=json.dumps({"type": "block_actions", "actions": {}}))),
    ("actions of strings", form(payload=json.dumps({"type": "block_actions", "actions": ["x"]}))),
    ("user a string", form(payload=json.dumps({"type": "block_actions", "user": "U1"}))),
    ("channel a list", form(payload=json.dumps({"type": "block_actions", "channel": []}))),
    ("invalid utf-8 form", b"payload=%7B%7D&text=\xff"),
    ("actions empty", form(payload=json.dumps({"type": "block_actions", "actions": []}))),
    (
        "view without a type",
        form(payload=json.dumps({"type": "view_submission", "view": {"callback_id": "x"}})),
    ),
]


@pytest.mark.parametrize(
    ("what", "body", "content_type"),
    [(w, b, "application/json") for w, b in JSON_BODIES]
    + [(w, b, "application/x-www-form-urlencoded") for w, b in FORM_BODIES],
    ids=[w for w, _ in JSON_BODIES] + [w for w, _ in FORM_BODIES],
)
async def test_a_signed_malformed_body_gets_400_and_changes_nothing(
    world: World,
    fake: FakeSlack,
    caplog: pytest.LogCaptureFixture,
    what: str,
    body: bytes,
    content_type: str,
) -> None:
    caplog.set_level(logging.INFO)
    await world.boot()
    assert await raw_post(world, body, signed(body, content_type)) == 400, what
    await world.settle()
    assert fake.count("chat.postMessage") == 0
    assert fake.count("chat.postEphemeral") == 0
    assert "slack: refused a request (400)" in caplog.text
    assert world.adapter.failures == 0
    no_traceback(caplog)


async def test_odd_but_signed_view_state_still_gets_an_answer_not_a_traceback(
    world: World, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """A form submission whose private metadata and state are not what the bot put there."""
    await world.boot()
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001"},
        "user": {"id": "U1"},
        "view": {
            "type": "modal",
            "callback_id": modal.CALLBACK_ID,
            "private_metadata": "{not json",
            "state": {"values": []},
        },
    }
    body = form(payload=json.dumps(payload))
    assert await raw_post(world, body, signed(body, "application/x-www-form-urlencoded")) == 200
    await world.settle()
    no_traceback(caplog)


@pytest.mark.parametrize("timestamp", ["²", "١٢٣", "12a", "-1", "1e9", "1 2"])
async def test_a_timestamp_that_is_not_a_number_gets_400(
    world: World, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    await world.boot()
    body = json.dumps(message_event("U1", "hallo", "Ev1")).encode()
    headers = signed(body)
    headers["X-Slack-Request-Timestamp"] = timestamp
    assert await raw_post(world, body, headers) == 400
    no_traceback(caplog)


async def test_unsigned_garbage_costs_one_line_each_and_no_traceback(
    world: World, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await world.boot()
    garbage = [b"{not json", b"[]", b"null", b"\xff\xfe", b"[" * 10_000, form(payload="[]")]
    statuses = []
    for n in range(200):
        body = garbage[n % len(garbage)]
        headers = {"Content-Type": "application/json", **signed_headers("wrong", "x")}
        statuses.append(await raw_post(world, body, headers))
        statuses.append(await raw_post(world, body, {"Content-Type": "application/json"}))
    assert set(statuses) == {401}
    refused = [r for r in caplog.records if "slack: refused a request (401)" in r.getMessage()]
    assert len(refused) == 400
    ours = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]
    assert sum(len(line) for line in ours) < 400 * 100  # one short line each, no traceback
    no_traceback(caplog)


async def test_the_signature_covers_the_raw_bytes(world: World, fake: FakeSlack) -> None:
    """A valid request still goes through the new check (and a changed byte does not)."""
    await world.boot()
    body = json.dumps(message_event("U1", "hallo", "Ev1")).encode()
    headers = signed(body)
    assert await raw_post(world, body.replace(b"hallo", b"hallO"), headers) == 401
    assert await raw_post(world, body, headers) == 200


async def test_a_form_that_is_not_utf8_unsigned_is_401(world: World) -> None:
    await world.boot()
    assert world.http is not None
    status = await raw_post(world, b"\xff", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    assert isinstance(world.http, aiohttp.ClientSession)


async def test_start_in_a_channel_the_bot_is_not_in_gets_a_clear_reply(
    world: World, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    await world.boot()
    people(fake, 3)
    response = await world.command("UHOST", 'start --theme "Samen"', channel="CNOTHERE")
    assert response.status == 200
    await world.settle()
    assert "Ik zit niet in dit kanaal" in text_of(world.last_private("UHOST"))
    assert fake.posts("CNOTHERE") == []
    assert world.adapter.failures == 0
    no_traceback(caplog)


@pytest.mark.parametrize("text", ["nul\u0000byte", "los \ud800 stuk"])
async def test_an_answer_with_a_character_no_database_stores_gets_a_private_reply(
    world: World, fake: FakeSlack, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    """On SQLite and PostgreSQL alike (the world fixture runs on both)."""
    await world.boot()
    users = people(fake, 3)
    await world.command("UHOST", 'start --theme "Samen"')
    await world.settle()
    await world.dm(users[0], "knel")
    await world.settle()
    body = json.dumps(message_event(users[0], text, "EvNUL")).encode()
    assert await raw_post(world, body, signed(body)) == 200
    await world.settle()
    assert "Dit teken kan ik niet opslaan" in text_of(world.last_private(users[0]))
    assert world.adapter.failures == 0
    no_traceback(caplog)
