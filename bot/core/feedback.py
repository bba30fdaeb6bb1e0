"""Reactions to the draft harvest, as Pol.is does on the web: each invitee privately gets the
draft's statements (each theme as one sentence, each merged idea) a few at a time and reacts
*eens*, *oneens* or *pas* with buttons, optionally adding an anonymous comment. A ballot is
``{"<statement number>": "agree" | "disagree" | "pass"}`` (:mod:`bot.core.ballots`).

How a statement is read, with ``k`` the stage's threshold (PRODUCT.md §4.5) and ``a``, ``d``,
``p`` its numbers of *eens*, *oneens* and *pas*:

- it is shown only when ``a + d + p >= k`` distinct people reacted to it (its comments too);
- **consensus** when at least ``k`` people took a side (``a + d >= k``) and at least
  :data:`CONSENSUS` (70 %) of them took the same one (agreeing or disagreeing);
- **divisive** when at least ``k`` took a side and the smaller side holds more than
  ``1 - CONSENSUS`` (30 %) of them: both sides are substantial;
- otherwise (too few took a side, many passed) **no clear view**.

Nothing at all is published unless at least ``k`` distinct people reacted to the stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from bot.core.ballots import BallotBox, Choices, Item, StageContext
from bot.core.commands import CommandError
from bot.core.messages import Block, Entry, Heading, Option, Outgoing, Quote, Text
from bot.core.messages import Choices as Buttons
from bot.core.normalise import is_blank
from bot.core.stages import Opening, register, result_heading
from bot.core.summary import StageNote, Summary
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import BallotRow

REACT = "react"
COMMENT = "react_comment"
REACTIONS = ("agree", "disagree", "pass")
BATCH = 3
CONSENSUS = Fraction(7, 10)
MAX_COMMENT = 1000


def classify(agree: int, disagree: int, passed: int, threshold: int) -> str | None:
    """``consensus_agree``, ``consensus_disagree``, ``divisive`` or ``unclear`` for a
    statement; None when fewer than ``threshold`` people reacted (it is not shown)."""
    if agree + disagree + passed < threshold:
        return None
    sided = agree + disagree
    if sided < threshold:
        return "unclear"
    if Fraction(max(agree, disagree), sided) >= CONSENSUS:
        return "consensus_agree" if agree >= disagree else "consensus_disagree"
    return "divisive"


class Feedback:
    name = "feedback"
    actions = frozenset({REACT, COMMENT})
    typed: Mapping[str, str] = MappingProxyType({"opmerking": COMMENT, "comment": COMMENT})

    def items(self, summary: Summary, opening: Opening, views: Views, lang: str) -> list[Item]:
        found: list[Item] = []
        for phase in summary.phases:
            if not phase.published:
                continue
            for theme in phase.themes:
                if not theme.label:  # no shared label: nothing to recognise oneself in
                    continue
                text = views.t(lang, "stage.feedback.theme_statement", label=theme.label)
                found.append(Item(text, phase.title, theme.label))
            if phase.kind.proposes:
                for listed in phase.items:
                    text = " ".join(listed.text.split())
                    found.append(Item(text, phase.title, text))
        return found

    def check(self, opening: Opening, items: list[Item]) -> None:
        if not items:
            raise CommandError("error.feedback_no_statements")

    def invitation(self, stage: StageContext, views: Views) -> Outgoing:
        lang = stage.voice
        lead: list[Block] = [
            Heading(views.t(lang, "stage.feedback.heading")),
            Text(views.t(lang, "stage.feedback.how", count=len(stage.items))),
            Text(views.t(lang, "stage.anonymous", count=stage.row.min_respondents)),
        ]
        return Outgoing((*lead, *self.batch(stage, 0, {}, views).blocks))

    def batch(self, stage: StageContext, first: int, choices: Choices, views: Views) -> Outgoing:
        """Statements ``first + 1 .. first + BATCH``, each with its buttons, and a comment."""
        lang = stage.voice
        items = stage.items
        shown = list(enumerate(items[first : first + BATCH], start=first + 1))
        blocks: list[Block] = []
        for n, item in shown:
            blocks.append(Text(f"*{n}.* {item.text}"))
            blocks.append(
                Buttons(
                    REACT,
                    tuple(Option(r, views.t(lang, f"stage.feedback.{r}")) for r in REACTIONS),
                    f"{stage.id}:{n}",
                )
            )
        blocks.append(
            Entry(
                COMMENT,
                tuple(Option(str(n), f"{n}. {item.text[:60]}") for n, item in shown),
                views.t(lang, "stage.feedback.comment_label"),
                views.t(lang, "stage.feedback.comment_submit"),
                views.t(lang, "stage.feedback.comment_command"),
                stage.id,
            )
        )
        done = len([k for k in choices if k.isdigit()])
        blocks.append(Text(views.t(lang, "stage.feedback.progress", done=done, total=len(items))))
        return Outgoing(tuple(blocks))

    async def act(
        self, turn: Turn, box: BallotBox, stage: StageContext, ballot: BallotRow, views: Views
    ) -> None:
        from bot.core.stages import stage_ref

        lang = stage.voice
        count = len(stage.items)
        value = turn.incoming.value or ""
        if turn.incoming.action == COMMENT:
            ref, _, text = value.partition("\t")
            if not ref.isdigit() or not 1 <= int(ref) <= count:
                raise CommandError("error.feedback_unknown_statement", value=ref[:20], count=count)
            text = text.strip()
            if is_blank(text):
                raise CommandError("error.empty_answer")
            if len(text) > MAX_COMMENT:
                raise CommandError("error.too_long", limit=MAX_COMMENT, count=len(text))
            await box.comment(turn, stage, int(ref), text)
            turn.reply(views.note(lang, "stage.feedback.comment_kept", number=int(ref)))
            return
        _, pressed = stage_ref(turn.incoming.round_id)
        if pressed is None or not 1 <= pressed <= count:
            raise CommandError("error.feedback_unknown_statement", value=str(pressed), count=count)
        number = pressed
        if value not in REACTIONS:
            raise CommandError("error.choice_stale")
        choices = box.choices(ballot)
        choices[str(number)] = value
        box.keep(turn, ballot, choices)
        done = len(choices)
        open_ = [n for n in range(1, count + 1) if str(n) not in choices]
        batch_start = (number - 1) // BATCH * BATCH
        batch_open = [n for n in open_ if batch_start < n <= batch_start + BATCH]
        if not open_:
            turn.reply(views.note(lang, "stage.feedback.all_done", count=count))
        elif batch_open:
            turn.reply(views.note(lang, "stage.feedback.noted", done=done, total=count))
        else:
            first = (open_[0] - 1) // BATCH * BATCH
            turn.reply(self.batch(stage, first, choices, views))

    def tally(
        self, stage: StageContext, filled: list[Choices], comments: list[tuple[int, str]]
    ) -> dict[str, Any]:
        k = stage.row.min_respondents
        if len(filled) < k:
            return {"published": False}
        statements = []
        for n, item in enumerate(stage.items, start=1):
            counts = {r: sum(1 for b in filled if b.get(str(n)) == r) for r in REACTIONS}
            kind = classify(counts["agree"], counts["disagree"], counts["pass"], k)
            if kind is None:
                continue
            statements.append(
                {
                    "number": n,
                    "text": item.text,
                    "group": item.group,
                    "ref": item.ref,
                    **counts,
                    "kind": kind,
                    "comments": sorted(text for i, text in comments if i == n),
                }
            )
        return {"published": True, "people": len(filled), "statements": statements}

    def lines(self, stage: StageContext, views: Views) -> dict[str, list[str]]:
        """The result's lines per section: consensus, divisive, unclear."""
        results = stage.results or {}
        lang = stage.voice
        sections: dict[str, list[str]] = {"consensus": [], "divisive": [], "unclear": []}
        for s in results.get("statements", []):
            sided = s["agree"] + s["disagree"]
            line = views.t(
                lang,
                "stage.feedback.line",
                text=s["text"],
                agree=s["agree"],
                disagree=s["disagree"],
                passed=s["pass"],
                share=round(100 * s["agree"] / sided) if sided else 0,
            )
            section = "consensus" if s["kind"].startswith("consensus") else s["kind"]
            sections[section].append(line)
        return sections

    @staticmethod
    def _comment_order(results: dict[str, Any]) -> list[tuple[str, int, int]]:
        """(group, statement index, comment index) in the order the result shows them."""
        groups: dict[str, list[tuple[int, int]]] = {}
        for s_at, s in enumerate(results.get("statements", [])):
            for c_at in range(len(s["comments"])):
                groups.setdefault(s["group"], []).append((s_at, c_at))
        return [(group, s, c) for group, found in groups.items() for s, c in found]

    def comments(self, results: dict[str, Any]) -> int:
        return len(self._comment_order(results))

    def without_comment(self, results: dict[str, Any], number: int) -> dict[str, Any]:
        order = self._comment_order(results)
        if not 1 <= number <= len(order):
            raise CommandError("error.draft_no_quote", number=number, count=len(order))
        _, s_at, c_at = order[number - 1]
        statements = [dict(s) for s in results["statements"]]
        statements[s_at]["comments"] = [
            c for n, c in enumerate(statements[s_at]["comments"]) if n != c_at
        ]
        return {**results, "statements": statements}

    def result(self, stage: StageContext, views: Views, numbered: bool = False) -> Outgoing:
        heading, withheld = result_heading(stage, views)
        if withheld is not None:
            return withheld
        lang = stage.voice
        results = stage.results or {}
        people = views.count(lang, "people", int(results["people"]))
        blocks: list[Block] = [
            heading,
            Text(views.t(lang, "stage.feedback.result_intro", people=people)),
        ]
        for section, found in self.lines(stage, views).items():
            if found:
                blocks.append(Text(f"*{views.t(lang, f'stage.feedback.{section}')}*"))
                blocks.append(Text("\n".join(f"• {line}" for line in found)))
        groups: dict[str, list[str]] = {}
        statements = results["statements"]
        for n, (group, s_at, c_at) in enumerate(self._comment_order(results), start=1):
            s = statements[s_at]
            mark = f"[{n}] " if numbered else ""
            groups.setdefault(group, []).append(f"{mark}{s['number']}. {s['comments'][c_at]}")
        if groups:
            blocks.append(Text(f"*{views.t(lang, 'stage.feedback.comments')}*"))
            for group, comments in groups.items():
                blocks.append(Text(f"_{group}_"))
                blocks.extend(Quote(c) for c in comments)
        return Outgoing(tuple(blocks))

    def harvest(self, stage: StageContext, views: Views) -> StageNote | None:
        results = stage.results or {}
        if not results.get("published"):
            return None
        lang = stage.voice
        found: list[str] = []
        for section, lines in self.lines(stage, views).items():
            found.extend(f"{views.t(lang, f'stage.feedback.{section}')}: {line}" for line in lines)
        beside = []
        for s in results["statements"]:
            sided = s["agree"] + s["disagree"]
            share = round(100 * s["agree"] / sided) if sided else 0
            note = views.t(lang, f"stage.feedback.beside.{s['kind']}", share=share)
            beside.append((str(s.get("ref") or s["text"]), note))
        heading = views.t(lang, "stage.feedback.harvest_heading")
        return StageNote(heading, tuple(found), tuple(beside))


FEEDBACK = register(Feedback())
