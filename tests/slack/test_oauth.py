"""Multi-workspace install: /slack/install -> Slack -> /slack/oauth_redirect stores the
installation in dialoogbot's database, and that workspace's events then use its own token."""

from __future__ import annotations

import re

from bot.testing.fake_slack import FakeSlack, message_event
from tests.slack.world import World


async def test_install_stores_the_workspace_and_its_token_is_used(
    world: World, fake: FakeSlack
) -> None:
    await world.boot(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="client-secret",
    )
    assert world.server is not None and world.http is not None
    async with world.http.get(world.server.make_url("/slack/install")) as response:
        page = await response.text()
        assert response.status == 200
        # The state cookie is Secure; a browser on https sends it back, here we do.
        cookie = response.cookies["slack-app-oauth-state"].value
    state = re.search(r"state=([\w-]+)", page)
    assert state is not None, page

    redirect = world.server.make_url("/slack/oauth_redirect").with_query(
        code="good-code", state=state.group(1)
    )
    headers = {"Cookie": f"slack-app-oauth-state={cookie}"}
    async with world.http.get(redirect, headers=headers) as response:
        assert response.status == 200, await response.text()
    assert fake.count("oauth.v2.access") == 1

    # The new workspace T0002 writes to the bot; the reply uses the installed token.
    fake.add_user("U0009", "Iris Installer")
    event = message_event("U0009", "help", "EvInstalled", team="T0002")
    response = await world.event(event)
    assert response.status == 200
    await world.settle()
    (reply,) = [c for c in fake.calls if c.method == "chat.postMessage"]
    assert reply.params["token"] == "xoxb-installed-token"


async def test_a_callback_with_an_unknown_state_installs_nothing(
    world: World, fake: FakeSlack
) -> None:
    await world.boot(SLACK_BOT_TOKEN=None, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")
    assert world.server is not None and world.http is not None
    redirect = world.server.make_url("/slack/oauth_redirect").with_query(
        code="good-code", state="made-up"
    )
    async with world.http.get(redirect) as response:
        assert response.status >= 400
    assert fake.count("oauth.v2.access") == 0
