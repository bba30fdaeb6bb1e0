"""Composing the messages people read, from catalog texts and template prompts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.dates import clock_text, day_text
from bot.core.messages import Block, Choices, Divider, Heading, Option, Outgoing, Quote, Text
from bot.core.prompts import Catalog
from bot.core.rounds import RoundContext
from bot.core.templates import Phase


class Views:
    """Builds ``Outgoing`` messages in a round's language."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def t(self, lang: str, key: str, **values: object) -> str:
        return self.catalog.text(lang, key, **values)

    def note(self, lang: str, key: str, **values: object) -> Outgoing:
        return Outgoing((Text(self.t(lang, key, **values)),))

    def count(self, lang: str, what: str, n: int) -> str:
        """A counted noun in ``lang`` (``count.*``): "1 deelnemer", "2 deelnemers"."""
        return self.catalog.count(lang, what, n)

    def when(self, ctx: RoundContext, moment: dt.datetime) -> str:
        """``moment`` in the round's time zone and language: "maandag 30 november om 14:00";
        the year shows when it is not the year the round opened in."""
        local = moment.astimezone(ZoneInfo(ctx.row.timezone))
        return self.t(
            ctx.lang,
            "format.datetime",
            date=day_text(ctx.lang, local.date(), year=local.year != ctx.row.opened_day.year),
            time=clock_text(ctx.lang, local),
        )

    def duration(self, lang: str, seconds: int) -> str:
        """A length of time in whole weeks, days, hours or minutes (``2 dagen``, ``1 uur``)."""
        if seconds >= 7 * 86400 and seconds % (7 * 86400) == 0:
            return self.count(lang, "weeks", seconds // (7 * 86400))
        if seconds >= 86400 and seconds % 86400 == 0:
            return self.count(lang, "days", seconds // 86400)
        if seconds >= 3600:
            return self.count(lang, "hours", round(seconds / 3600))
        return self.count(lang, "minutes", max(1, round(seconds / 60)))

    def prompt_blocks(self, ctx: RoundContext, step: int, chosen: str | None) -> list[Block]:
        """The prompt of ``step``, with its choice buttons (unless one was made) and skip."""
        phase = ctx.phases[step]
        lang = ctx.voice
        blocks: list[Block] = [
            Heading(
                self.t(
                    lang,
                    "prompt.heading",
                    number=step + 1,
                    total=len(ctx.phases),
                    title=phase.title(lang),
                )
            ),
            Text(phase.prompt(lang)),
        ]
        if phase.choice is not None and chosen is None:
            blocks.append(self.choice_buttons(ctx, phase))
        elif phase.choice is not None and chosen is not None:
            # Not which one: this message waits in the outbox next to the person's id.
            blocks.append(Text(self.t(lang, "prompt.chosen")))
        blocks.append(
            Choices("skip", (Option("skip", self.t(lang, "prompt.skip_button")),), ctx.id)
        )
        return blocks

    def choice_buttons(self, ctx: RoundContext, phase: Phase) -> Choices:
        assert phase.choice is not None
        numbered = len(phase.choice.options) > 3
        return Choices(
            phase.choice.key,
            tuple(
                Option(
                    option.value,
                    f"{i}. {option.label(ctx.voice)}" if numbered else option.label(ctx.voice),
                )
                for i, option in enumerate(phase.choice.options, start=1)
            ),
            ctx.id,
        )

    def invitation(
        self,
        ctx: RoundContext,
        recap: list[Block] | None = None,
        first: list[Block] | None = None,
    ) -> Outgoing:
        """The first private message: what the round is, ``recap`` (a series round's place
        and what the round before it produced), the promise, the first prompt (or ``first``:
        the group question, bot/core/segments.py)."""
        lang = ctx.voice
        blocks: list[Block] = [
            Heading(self.t(lang, "invite.heading", template=ctx.template.name(lang))),
            Text(
                self.t(lang, "invite.theme", theme=ctx.row.theme)
                if ctx.row.theme
                else self.t(lang, "invite.no_theme")
            ),
            *(recap or ()),
            Text(self.t(lang, "invite.anonymous", count=ctx.row.min_respondents)),
        ]
        if ctx.row.deadline is not None:
            blocks.append(
                Text(self.t(lang, "invite.deadline", when=self.when(ctx, ctx.row.deadline)))
            )
        if ctx.row.opening_story:
            blocks.append(Text(self.t(lang, "invite.opening_story")))
            blocks.append(Quote(ctx.row.opening_story))
        blocks.append(Text(self.t(lang, "invite.how")))
        blocks.append(Divider())
        blocks.extend(first if first is not None else self.prompt_blocks(ctx, 0, None))
        return Outgoing(tuple(blocks))

    def after_step(self, ctx: RoundContext, step: int, lead: str) -> Outgoing:
        """``lead`` (a confirmation) followed by what comes next for a participant at ``step``."""
        lang = ctx.voice
        blocks: list[Block] = [Text(lead)]
        if step >= len(ctx.phases):
            blocks.append(Text(self.t(lang, "answer.finished")))
        elif not ctx.phase_open(step):
            blocks.append(Text(self.t(lang, "answer.wait_for_next")))
        else:
            blocks.append(Divider())
            blocks.extend(self.prompt_blocks(ctx, step, None))
        return Outgoing(tuple(blocks))
