"""From stored answers to a synthesis request: gather and scrub (synthesis itself happens
before the write transaction, see :mod:`bot.core.prepared`).

Answers leave the database without pseudonyms: each respondent becomes a number that only
means something inside this one request, and answers are sorted by phase and text, so the
order in which people answered is not passed on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.prompts import Catalog
from bot.core.rounds import RoundContext
from bot.core.scrub import Scrubber
from bot.core.summary import AnswerText, PhaseInfo, SynthesisRequest
from storage.models import AnswerRow


async def gather(
    session: AsyncSession,
    ctx: RoundContext,
    catalog: Catalog,
    member_names: Iterable[str],
    phases: Iterable[str] | None = None,
    days: tuple[dt.date, dt.date] | None = None,
    pseudonyms: Collection[str] | None = None,
) -> SynthesisRequest:
    """The scrubbed answers of ``ctx`` (optionally only some phases, only answers from the
    days ``first..last`` inclusive, or only those of ``pseudonyms``: one group's, see
    :mod:`bot.core.segments`) as a request."""
    wanted = set(phases) if phases is not None else {p.key for p in ctx.phases}
    query = select(
        AnswerRow.id,
        AnswerRow.pseudonym,
        AnswerRow.phase,
        AnswerRow.text,
        AnswerRow.sealed,
        AnswerRow.choice,
    ).where(AnswerRow.round_id == ctx.id)
    if days is not None:
        query = query.where(AnswerRow.day >= days[0], AnswerRow.day <= days[1])
    if pseudonyms is not None:
        query = query.where(AnswerRow.pseudonym.in_(sorted(pseudonyms)))
    # Sealed while the round is open (storage/models.py): opened here, with the round key.
    opened = [
        (row, ctx.text_of(row.id, row.text, row.sealed)) for row in (await session.execute(query))
    ]
    rows = [(row, text) for row, text in opened if text is not None]
    scrub = Scrubber.build(catalog, ctx.lang, member_names)
    numbers = {p: n for n, p in enumerate(sorted({row.pseudonym for row, _ in rows}), start=1)}
    answers = sorted(
        (
            AnswerText(numbers[row.pseudonym], row.phase, scrub(text), row.choice)
            for row, text in rows
            if row.phase in wanted
        ),
        key=lambda a: (a.phase, a.text, a.choice or "", a.respondent),
    )
    return SynthesisRequest(
        language=ctx.lang,
        phases=tuple(
            PhaseInfo(
                p.key,
                p.title(ctx.lang),
                p.role,
                tuple((o.value, o.labels[ctx.lang]) for o in p.choice.options) if p.choice else (),
            )
            for p in ctx.phases
            if p.key in wanted
        ),
        answers=tuple(answers),
        min_respondents=ctx.row.min_respondents,
        theme=ctx.row.theme,
    )
