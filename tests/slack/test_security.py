"""Only Slack can talk to the bot: bolt verifies every signature and rejects stale requests."""

from __future__ import annotations

import json
import time

from bot.testing.fake_slack import FakeSlack, message_event, signed_headers
from tests.slack.world import SECRET, World, people


async def test_a_forged_signature_is_refused_and_nothing_happens(
    world: World, fake: FakeSlack
) -> None:
    people(fake, 3)
    await world.boot()
    body = json.dumps(message_event("U0001", "forged", "EvForged"))
    forged = signed_headers("not-the-secret", body)
    response = await world.post(body, "application/json", forged)
    assert response.status == 401
    await world.settle()
    assert fake.calls == []


async def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(
    world: World, fake: FakeSlack
) -> None:
    people(fake, 3)
    await world.boot()
    body = json.dumps(message_event("U0001", "replayed", "EvOld"))
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 10 * 60)
    response = await world.post(body, "application/json", stale)
    assert response.status == 401
    await world.settle()
    assert fake.calls == []


async def test_a_request_without_signature_is_refused(world: World, fake: FakeSlack) -> None:
    await world.boot()
    body = json.dumps(message_event("U0001", "unsigned", "EvNone"))
    response = await world.post(
        body, "application/json", {"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""}
    )
    assert response.status == 401
