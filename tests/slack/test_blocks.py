"""Block Kit rendering: Slack's limits hold and relayed text can never ping or link."""

from __future__ import annotations

from adapters.slack.blocks import MAX_BLOCKS, MAX_SECTION, fallback, pages, parse_block_id, render
from adapters.slack.neutral import WORD_JOINER, neutralise, neutralise_mrkdwn
from bot.core.messages import Choices, Divider, Heading, Option, Outgoing, Quote, Text

ATTACKS = [
    "<!channel> kom allemaal",
    "<!here|here> nu",
    "<!everyone>",
    "hoi <@U123ABC> en <#C999|general>",
    "<https://evil.example|klik hier>",
    "@here @channel @everyone",
    "<!subteam^S123|@team>",
]


def test_quotes_can_never_ping_link_or_mention() -> None:
    message = Outgoing(tuple(Quote(text) for text in ATTACKS))
    texts = [b["text"]["text"] for b in render(message)] + [fallback(message)]
    for text in texts:
        assert "<" not in text and ">" not in text.replace("&gt;", "")
        for word in ("@here", "@channel", "@everyone"):
            assert word not in text
    assert all(b["text"]["type"] == "plain_text" for b in render(message))


def test_neutralised_text_still_reads_the_same() -> None:
    assert neutralise("a & b < c") == "a &amp; b &lt; c"
    assert neutralise("@here").replace(WORD_JOINER, "") == "@here"
    assert neutralise_mrkdwn("*vet* _schuin_").replace(WORD_JOINER, "") == "*vet* _schuin_"
    assert "*vet*" not in neutralise_mrkdwn("*vet*")


def test_long_text_is_split_into_sections_of_at_most_3000_characters() -> None:
    paragraph = ("Een lange zin over de buurt & de mensen <daar>. " * 40).strip()
    message = Outgoing((Text("\n\n".join([paragraph] * 5)), Quote("x" * 7000)))
    blocks = render(message)
    assert len(blocks) > 2
    for block in blocks:
        assert 1 <= len(block["text"]["text"]) <= MAX_SECTION
    joined = "".join(b["text"]["text"] for b in blocks if b["text"]["type"] == "plain_text")
    assert joined == "x" * 7000


def test_a_summary_longer_than_50_blocks_becomes_several_pages() -> None:
    message = Outgoing((Heading("Oogst"), *(Quote(f"antwoord {n}") for n in range(120)), Divider()))
    split = pages(render(message))
    assert [len(page) for page in split] == [50, 50, 22]
    assert all(len(page) <= MAX_BLOCKS for page in split)


def test_headings_over_150_characters_become_bold_sections() -> None:
    (block,) = render(Outgoing((Heading("k" * 200),)))
    assert block["type"] == "section" and block["text"]["text"].startswith("*")


def test_choices_become_buttons_that_carry_key_and_round() -> None:
    options = tuple(Option(str(n), f"{n}. Beeld nummer {n}") for n in range(1, 17))
    blocks = render(Outgoing((Choices("beelden", options, "round42"),)))
    (actions,) = blocks
    assert actions["type"] == "actions" and len(actions["elements"]) == 16
    assert parse_block_id(actions["block_id"]) == ("beelden", "round42")
    assert [e["value"] for e in actions["elements"]] == [str(n) for n in range(1, 17)]
    many = render(Outgoing((Choices("k", tuple(Option(str(n), "x") for n in range(30))),)))
    assert [len(b["elements"]) for b in many] == [25, 5]
    assert len({b["block_id"] for b in many}) == 2
    assert parse_block_id("someone-else") is None
