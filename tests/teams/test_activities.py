"""Recorded Teams activities become the right ``Incoming``: mention stripped, markup reduced,
card submits carrying choice, value and round."""

from __future__ import annotations

from botbuilder.schema import Activity

from adapters.teams.activities import to_incoming
from adapters.teams.inbound import references_of
from tests.teams.conftest import TENANT, recorded


def incoming(name: str):  # type: ignore[no-untyped-def]
    return to_incoming(Activity().deserialize(recorded(name)))


def test_host_mentions_the_bot_in_a_channel() -> None:
    got = incoming("channel_mention")
    assert got is not None
    assert got.text == 'start --theme "Samen in de wijk"'
    assert not got.is_private
    assert got.channel_id == "19:dialoog@thread.tacv2"
    assert got.workspace == TENANT
    assert got.user_id == "29:1host-anna"
    assert got.event_id == "1732271400123"


def test_html_and_nbsp_around_the_mention_are_reduced_to_the_command() -> None:
    got = incoming("channel_mention_html")
    assert got is not None and got.text == "status" and not got.is_private


def test_a_personal_answer_keeps_other_mentions_for_the_scrubber_and_drops_markup() -> None:
    got = incoming("personal_answer_with_mention")
    assert got is not None
    assert got.channel_id is None and got.is_private
    assert got.text == (
        "Samen met <at>Chloé Bakker</at> hebben we het buurthuis & de tuin\nweer open gekregen."
    )


def test_a_button_submit_carries_choice_value_and_round() -> None:
    got = incoming("card_submit_button")
    assert got is not None
    assert (got.action, got.value, got.round_id) == ("knel_kiem", "kiem", "r-42")
    assert got.channel_id is None and got.text == ""


def test_a_drop_down_submit_carries_the_picked_picture() -> None:
    got = incoming("card_submit_dropdown")
    assert got is not None
    assert (got.action, got.value, got.round_id) == ("beelden", "7", "r-42")


def test_installing_the_app_is_not_a_message_but_its_reference_is_kept() -> None:
    activity = Activity().deserialize(recorded("install_personal"))
    assert to_incoming(activity) is None
    kinds = {(kind, key) for kind, key, _ in references_of(activity)}
    assert kinds == {("tenant", ""), ("user", "29:1daan")}


def test_a_channel_reference_points_at_the_channel_not_the_thread_and_knows_the_team() -> None:
    activity = Activity().deserialize(recorded("channel_mention"))
    rows = {kind: ref for kind, _, ref in references_of(activity)}
    assert rows["channel"]["conversation"]["id"] == "19:dialoog@thread.tacv2"
    assert rows["channel"]["teamId"] == "19:team@thread.tacv2"
    assert "activityId" not in rows["channel"]
    assert "user" not in rows["channel"]  # not who happened to mention the bot
