"""Slack payloads become platform-neutral Incoming messages; the form becomes command words."""

from __future__ import annotations

import shlex

import pytest

from adapters.slack import incoming, modal
from bot.core.commands import parse
from bot.core.prompts import Catalog
from bot.core.templates import Templates
from bot.testing.fake_slack import message_event


def test_a_private_message_is_an_answer_with_slacks_event_id() -> None:
    item = incoming.from_message(message_event("U1", "ik &amp; jij &lt;3", "Ev1"))
    assert item is not None
    assert (item.user_id, item.text, item.channel_id, item.event_id) == (
        "U1",
        "ik & jij <3",
        None,
        "Ev1",
    )
    assert item.is_private


def test_edits_bots_and_channel_messages_are_not_answers() -> None:
    edited = message_event("U1", "x", "Ev2")
    edited["event"]["subtype"] = "message_changed"
    from_bot = message_event("U1", "x", "Ev3")
    from_bot["event"]["bot_id"] = "B1"
    in_channel = message_event("U1", "x", "Ev4")
    in_channel["event"]["channel_type"] = "channel"
    assert all(incoming.from_message(e) is None for e in (edited, from_bot, in_channel))


def test_a_slash_command_keeps_its_words_and_channel() -> None:
    item = incoming.from_command(
        {
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U1",
            "text": " status ",
            "trigger_id": "tr1",
            "user_name": "anna",
        }
    )
    assert (item.text, item.channel_id, item.is_private, item.event_id) == (
        "status",
        "C1",
        False,
        "command:tr1",
    )
    private = incoming.from_command({"channel_id": "D1", "text": "help", "trigger_id": "t"})
    assert private.channel_id is None


def test_a_mention_is_a_command_in_the_channel() -> None:
    body = {
        "team_id": "T1",
        "event_id": "Ev9",
        "event": {
            "type": "app_mention",
            "user": "U1",
            "channel": "C1",
            "text": "<@UBOT> start --theme x",
        },
    }
    item = incoming.from_mention(body)
    assert item is not None and item.text == "start --theme x" and item.channel_id == "C1"


def test_the_form_becomes_words_the_core_parses() -> None:
    catalog, templates = Catalog.load(), Templates.load()
    view = modal.start_view(catalog, templates, "en", "C1", 3)
    assert view["title"]["text"] == "New dialogue round"
    values = {
        "template": {"template": {"selected_option": {"value": "waarderend"}}},
        "language": {"language": {"selected_option": {"value": "en"}}},
        "deadline": {"deadline": {"value": "3d"}},
        "pace": {"pace": {"selected_option": {"value": "paced"}}},
        "threshold": {"threshold": {"value": "4"}},
        "publish": {"publish": {"selected_option": {"value": "direct"}}},
        "theme": {"theme": {"value": "Wat werkt’s in de wijk?"}},
        "story": {"story": {"value": 'Het begon "zomaar"\nop een dinsdag.'}},
    }
    channel, words, errors = modal.submission({**view, "state": {"values": values}}, catalog, 3)
    assert channel == "C1" and not errors
    command = parse(words)
    assert command.theme == "Wat werkt's in de wijk?"
    assert command.story == 'Het begon "zomaar"\nop een dinsdag.'
    assert command.paced and command.min_respondents == 4 and command.language == "en"
    assert command.publish == "direct"
    assert shlex.split(words)[0] == "start"


def test_a_bad_threshold_is_shown_next_to_the_field() -> None:
    catalog, templates = Catalog.load(), Templates.load()
    view = modal.start_view(catalog, templates, "nl", "C1", 3)
    values = {"threshold": {"threshold": {"value": "0"}}}
    _, _, errors = modal.submission({**view, "state": {"values": values}}, catalog, 3)
    assert errors == {"threshold": catalog.text("nl", "slack.modal.threshold_error", floor=3)}


@pytest.mark.parametrize("floor", [2, 3, 5])
def test_the_threshold_field_says_and_keeps_the_floor(floor: int) -> None:
    """PRODUCT.md §4.5: the form starts at the floor, says it, and refuses anything lower."""
    catalog, templates = Catalog.load(), Templates.load()
    view = modal.start_view(catalog, templates, "nl", "C1", floor)
    field = next(b for b in view["blocks"] if b["block_id"] == "threshold")
    assert field["element"]["min_value"] == str(floor)
    assert field["element"]["initial_value"] == str(floor)
    assert f"Minstens {floor}" in field["hint"]["text"]
    for value, refused in ((floor - 1, True), (1, True), (floor, False), (floor + 4, False)):
        values = {"threshold": {"threshold": {"value": str(value)}}}
        _, words, errors = modal.submission({**view, "state": {"values": values}}, catalog, floor)
        assert ("threshold" in errors) == refused, value
        if refused:
            assert f"{floor} of meer" in errors["threshold"]
        else:
            assert parse(words).min_respondents == value
