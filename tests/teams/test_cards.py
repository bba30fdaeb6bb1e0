"""Outgoing messages as Adaptive Cards; relayed quotes can never mention or format."""

from __future__ import annotations

import json

from adapters.teams.cards import MAX_CARD_BYTES, neutralise, render, render_parts, summary
from bot.core.messages import Choices, Divider, Heading, Option, Outgoing, Quote, Text
from bot.core.prompts import Catalog


def test_a_quote_with_a_teams_mention_markup_and_links_is_inert(catalog: Catalog) -> None:
    quote = (
        "<at>Iedereen</at> kijk **hier**: [klik](https://evil.example) &lt;at&gt;Bram&lt;/at&gt;"
        " <b>vet</b> @team"
    )
    card = render(Outgoing((Quote(quote),)), catalog, "nl")
    (element,) = card["body"]
    assert element["type"] == "RichTextBlock"  # TextRun: shown literally, no markdown
    text = element["inlines"][0]["text"]
    for forbidden in ("<at>", "</at>", "<b>", "&lt;", "@team"):
        assert forbidden not in text
    assert "Iedereen" in text and "klik" in text and "@\u2060team" in text
    assert "at>" not in json.dumps(card)


def test_neutralise_keeps_ordinary_text() -> None:
    assert neutralise("Het buurthuis is weer open, 3 dagen per week.") == (
        "Het buurthuis is weer open, 3 dagen per week."
    )


def test_headings_text_and_dividers(catalog: Catalog) -> None:
    message = Outgoing((Heading("Ronde"), Divider(), Text("Kies *knel* of _kiem_.")))
    heading, text = render(message, catalog, "nl")["body"]
    assert heading["weight"] == "Bolder"
    assert text["separator"] is True
    assert text["text"] == "Kies **knel** of _kiem_."


def test_few_choices_are_buttons_that_bring_key_value_and_round_back(catalog: Catalog) -> None:
    choices = Choices("knel_kiem", (Option("knel", "Knel"), Option("kiem", "Kiem")), "r-42")
    (action_set,) = render(Outgoing((choices,)), catalog, "nl")["body"]
    assert [a["title"] for a in action_set["actions"]] == ["Knel", "Kiem"]
    assert action_set["actions"][1]["data"] == {
        "dialoog_action": "knel_kiem",
        "dialoog_value": "kiem",
        "dialoog_round": "r-42",
    }


def test_sixteen_pictures_are_a_drop_down_with_one_submit(catalog: Catalog) -> None:
    options = tuple(Option(str(n), f"Beeld {n}") for n in range(1, 17))
    body = render(Outgoing((Choices("beelden", options, "r-42"),)), catalog, "en")["body"]
    choice_set, action_set = body
    assert choice_set["type"] == "Input.ChoiceSet" and len(choice_set["choices"]) == 16
    assert choice_set["id"] == "dialoog_value"
    (submit,) = action_set["actions"]
    assert submit["title"] == "Choose"
    assert submit["data"] == {"dialoog_action": "beelden", "dialoog_round": "r-42"}


def test_the_notification_summary_is_plain_and_neutral() -> None:
    message = Outgoing((Heading("*Samenvatting*"), Quote("<at>Bram</at> zei [naam] <b>x</b>")))
    assert summary(message) == "Samenvatting Bram zei [naam] x"


def test_a_long_summary_is_split_into_cards_under_the_size_limit(catalog: Catalog) -> None:
    blocks = tuple(Quote(f"Antwoord {n}: " + "woorden " * 150) for n in range(60))
    message = Outgoing((Heading("Samenvatting"), *blocks))
    parts = render_parts(message, catalog, "nl")
    assert len(parts) > 1
    assert all(len(json.dumps(card).encode()) <= MAX_CARD_BYTES for _, card in parts)
    assert sum(len(part.blocks) for part, _ in parts) == len(message.blocks)
    assert parts[0][0].blocks[0] == Heading("Samenvatting")


def test_a_short_message_stays_one_card(catalog: Catalog) -> None:
    assert len(render_parts(Outgoing.text("Hallo"), catalog, "nl")) == 1


def test_lines_become_blocks_and_words_to_type_are_bold(catalog: Catalog) -> None:
    text = "Hier antwoord je.\n• `skip`: sla over\n\nKlaar."
    body = render(Outgoing.text(text), catalog, "nl")["body"]
    assert [b["text"] for b in body] == ["Hier antwoord je.", "• **skip**: sla over", "Klaar."]
    assert [b.get("spacing") for b in body] == [None, "None", "Medium"]
