"""Dot-voting (the *Voorkeuren* step of the 7V method): each invitee places a number of dots
on the options, at most ``per_option`` on one, privately with buttons, and may move them until
the vote closes. A ballot is ``{"<option number>": dots}`` (:mod:`bot.core.ballots`).

The result counts, per option, the dots and the share of voters who put at least one dot on
it; options with as many dots share a place (a tie is shown as a tie, never broken by order).
Nothing is published unless at least the threshold of distinct people voted.

Long lists are paged, :data:`PAGE` options at a time with *vorige*/*volgende* buttons: Slack
allows 25 buttons in a row and 50 blocks in a message, a Teams card stays small.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bot.core.ballots import BallotBox, Choices, Item, StageContext
from bot.core.commands import CommandError
from bot.core.messages import Block, Heading, Option, Outgoing, Text
from bot.core.messages import Choices as Buttons
from bot.core.stages import Opening, register, result_heading
from bot.core.summary import StageNote, Summary
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import BallotRow

ADD = "vote_add"
REMOVE = "vote_remove"
PAGE_ACTION = "vote_page"
PAGE = 5
DOT = "●"


def ranked(totals: list[int]) -> list[int]:
    """Competition ranks (1, 1, 3): equal totals share a place."""
    return [1 + sum(1 for other in totals if other > total) for total in totals]


class Voting:
    name = "vote"
    actions = frozenset({ADD, REMOVE, PAGE_ACTION})
    typed: Mapping[str, str] = MappingProxyType({})

    def items(self, summary: Summary, opening: Opening, views: Views, lang: str) -> list[Item]:
        if opening.source == "list":
            return [Item(text, ref=text) for text in opening.listed]
        found: list[Item] = []
        seen: set[str] = set()
        for phase in summary.phases:
            if not phase.published:
                continue
            if opening.source == "ideas":
                texts = [item.text for item in phase.items] if phase.kind.proposes else []
            else:
                texts = [theme.label for theme in phase.themes]
            for text in texts:
                text = " ".join(text.split())
                if text and text.casefold() not in seen:
                    seen.add(text.casefold())
                    found.append(Item(text, phase.title, text))
        return found

    def check(self, opening: Opening, items: list[Item]) -> None:
        if len(items) < 2:
            raise CommandError("error.vote_no_options")

    # -- the ballot a person sees -----------------------------------------------------------
    def invitation(self, stage: StageContext, views: Views) -> Outgoing:
        lang = stage.voice
        lead: list[Block] = [
            Heading(views.t(lang, "stage.vote.heading")),
            Text(
                views.t(
                    lang,
                    "stage.vote.how",
                    dots=views.count(lang, "dots", stage.row.dots),
                    per_option=views.count(lang, "dots", stage.row.per_option),
                )
            ),
            Text(views.t(lang, "stage.anonymous", count=stage.row.min_respondents)),
        ]
        return Outgoing((*lead, *self.ballot(stage, {}, 0, views).blocks))

    def ballot(self, stage: StageContext, choices: Choices, page: int, views: Views) -> Outgoing:
        """Page ``page`` of the options with the person's own dots, and the buttons."""
        lang = stage.voice
        items = stage.items
        pages = max(1, -(-len(items) // PAGE))
        page = min(max(page, 0), pages - 1)
        used = sum(int(v) for v in choices.values())
        first = page * PAGE
        shown = list(enumerate(items[first : first + PAGE], start=first + 1))
        lines = []
        for n, item in shown:
            dots = int(choices.get(str(n), 0))
            lines.append(f"*{n}.* {item.text}" + (f"  {DOT * dots}" if dots else ""))
        blocks: list[Block] = [
            Text(views.t(lang, "stage.vote.used", used=used, count=stage.row.dots)),
            Text("\n".join(lines)),
        ]
        if pages > 1:
            blocks.append(Text(views.t(lang, "stage.page", page=page + 1, pages=pages)))
        blocks.append(
            Buttons(
                ADD,
                tuple(Option(str(n), views.t(lang, "stage.vote.add", number=n)) for n, _ in shown),
                stage.id,
            )
        )
        mine = [n for n, _ in shown if int(choices.get(str(n), 0))]
        if mine:
            blocks.append(
                Buttons(
                    REMOVE,
                    tuple(
                        Option(str(n), views.t(lang, "stage.vote.remove", number=n)) for n in mine
                    ),
                    stage.id,
                )
            )
        turns = []
        if page > 0:
            turns.append(Option(str(page - 1), views.t(lang, "stage.previous")))
        if page < pages - 1:
            turns.append(Option(str(page + 1), views.t(lang, "stage.next")))
        if turns:
            blocks.append(Buttons(PAGE_ACTION, tuple(turns), stage.id))
        return Outgoing(tuple(blocks))

    async def act(
        self, turn: Turn, box: BallotBox, stage: StageContext, ballot: BallotRow, views: Views
    ) -> None:
        value = turn.incoming.value or ""
        action = turn.incoming.action
        choices = box.choices(ballot)
        if action == PAGE_ACTION:
            if not value.isdigit():
                raise CommandError("error.choice_stale")
            turn.reply(self.ballot(stage, choices, int(value), views))
            return
        count = len(stage.items)
        if not value.isdigit() or not 1 <= int(value) <= count:
            raise CommandError("error.vote_unknown_option", value=value[:20], count=count)
        number = int(value)
        on_it = int(choices.get(str(number), 0))
        if action == ADD:
            if sum(int(v) for v in choices.values()) >= stage.row.dots:
                raise CommandError("error.vote_too_many_dots", count=stage.row.dots)
            if on_it >= stage.row.per_option:
                raise CommandError("error.vote_per_option", count=stage.row.per_option)
            choices[str(number)] = on_it + 1
        else:
            if not on_it:
                raise CommandError("error.vote_no_dot", number=number)
            if on_it == 1:
                del choices[str(number)]
            else:
                choices[str(number)] = on_it - 1
        box.keep(turn, ballot, choices)
        turn.reply(self.ballot(stage, choices, (number - 1) // PAGE, views))

    # -- counting and publishing ------------------------------------------------------------
    def tally(
        self, stage: StageContext, filled: list[Choices], comments: list[tuple[int, str]]
    ) -> dict[str, Any]:
        voters = len(filled)
        if voters < stage.row.min_respondents:
            return {"published": False}
        items = stage.items
        dots = [sum(int(b.get(str(n), 0)) for b in filled) for n in range(1, len(items) + 1)]
        backers = [
            sum(1 for b in filled if int(b.get(str(n), 0))) for n in range(1, len(items) + 1)
        ]
        ranks = ranked(dots)
        options = [
            {
                "text": item.text,
                "group": item.group,
                "ref": item.ref,
                "dots": dots[n],
                "voters": backers[n],
                "rank": ranks[n],
                "tied": ranks.count(ranks[n]) > 1,
            }
            for n, item in enumerate(items)
        ]
        order = {item.text: n for n, item in enumerate(items)}
        options.sort(key=lambda o: (int(str(o["rank"])), order[str(o["text"])]))
        return {"published": True, "voters": voters, "options": options}

    def lines(self, stage: StageContext, views: Views) -> list[str]:
        results = stage.results or {}
        if not results.get("published"):
            return []
        lang = stage.voice
        voters = int(results["voters"])
        found = []
        for option in results["options"]:
            key = "stage.vote.line_tied" if option["tied"] else "stage.vote.line"
            found.append(
                views.t(
                    lang,
                    key,
                    rank=option["rank"],
                    # "idee.: 4 stippen" reads badly: the colon follows the option's words
                    text=str(option["text"]).rstrip(".;, "),
                    dots=views.count(lang, "dots", int(option["dots"])),
                    voters=option["voters"],
                    share=round(100 * int(option["voters"]) / voters),
                )
            )
        return found

    def comments(self, results: dict[str, Any]) -> int:
        return 0

    def without_comment(self, results: dict[str, Any], number: int) -> dict[str, Any]:
        raise CommandError("error.draft_no_quote", number=number, count=0)

    def result(self, stage: StageContext, views: Views, numbered: bool = False) -> Outgoing:
        heading, withheld = result_heading(stage, views)
        if withheld is not None:
            return withheld
        lang = stage.voice
        results = stage.results or {}
        intro = views.t(
            lang,
            "stage.vote.result_intro",
            people=views.count(lang, "people", int(results["voters"])),
        )
        return Outgoing((heading, Text(intro), Text("\n".join(self.lines(stage, views)))))

    def harvest(self, stage: StageContext, views: Views) -> StageNote | None:
        found = self.lines(stage, views)
        if not found:
            return None
        lang = stage.voice
        beside = tuple(
            (
                str(option.get("ref") or option["text"]),
                views.t(
                    lang,
                    "stage.vote.beside_tied" if option["tied"] else "stage.vote.beside",
                    rank=option["rank"],
                    dots=views.count(lang, "dots", int(option["dots"])),
                ),
            )
            for option in (stage.results or {})["options"]
        )
        return StageNote(views.t(lang, "stage.vote.harvest_heading"), tuple(found), beside)


VOTING = register(Voting())
