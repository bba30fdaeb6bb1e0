"""After the harvest (issue 18, item 6): once a closed round's summary is posted in the
channel, every invitee privately gets a short thank-you with what it produced (its theme
names) and where to read the rest.

Publishing notes what to say on the round (:func:`owe`); a timer sends it two minutes
later (``thanks:<round>``, :mod:`bot.runtime.schedules`), after the channel's post, because
a host may publish from their private chat, where a turn cannot fetch the channel's roster
first (bot/core/prepared.py): the timer's turn can, like a deadline's. Everyone the round
invited gets the same words, whether they answered or not (nothing sent says who took
part), except those who said *forget me* (:mod:`bot.core.invitees`). The theme names are
those just posted in the channel, nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.core import invitees
from bot.core.dates import list_text
from bot.core.messages import Heading, Outgoing, Text
from bot.core.prompts import voice
from bot.core.summary import Summary
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import RoundRow

log = logging.getLogger(__name__)
MAX_THEMES = 5
# The thank-you points to the harvest in the channel, so it follows the post by a little:
# the channel post and private messages leave the outbox in their own order.
DELAY = dt.timedelta(minutes=2)


def result_line(views: Views, lang: str, summary: Summary) -> str:
    """The biggest published themes as one line, or that the channel has the rest."""
    themes = sorted(
        (theme for phase in summary.phases if phase.published for theme in phase.themes),
        key=lambda theme: -theme.respondents,
    )
    labels = list(dict.fromkeys(theme.label for theme in themes if theme.label))[:MAX_THEMES]
    if not labels:
        return views.t(lang, "thanks.no_themes")
    return views.t(lang, "thanks.themes", themes=list_text(lang, labels))


def owe(turn: Turn, views: Views, row: RoundRow, summary: Summary) -> None:
    """``row`` (closed) just had ``summary`` posted: its invitees are owed a thank-you."""
    row.thanks = result_line(views, voice(row.language, row.address), summary)
    row.thanks_due = turn.now + DELAY


async def send(turn: Turn, views: Views, row: RoundRow) -> int:
    """The timer: send the thank-you ``row`` owes (once); returns how many got it."""
    if row.thanks is None:
        return 0
    members = turn.prepared.humans(row.platform, row.workspace, row.channel_id)
    lang = voice(row.language, row.address)
    heading = (
        views.t(lang, "thanks.heading_theme", theme=row.theme)
        if row.theme
        else views.t(lang, "thanks.heading")
    )
    message = Outgoing(
        (
            Heading(heading),
            Text(views.t(lang, "thanks.body")),
            Text(row.thanks),
            Text(views.t(lang, "thanks.where")),
        ),
        lang,
    )
    reached = await invitees.reachable(turn, row, members)
    for user_id in reached:
        turn.private(user_id, message)
    row.thanks = None
    row.thanks_due = None
    log.info("round %s: thank-you sent to %d invitees", row.id, len(reached))
    return len(reached)
