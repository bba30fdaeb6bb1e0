"""From an exploratory round to theme rounds (PRODUCT.md §2, *verkenningsdialoog →
themadialoog*).

When a round's summary reaches the channel (published from a draft, or posted directly),
:class:`Publication` keeps its theme labels (what the next round of a series recaps) and,
when the round's template names a ``follow_up``, sends the round's host a button per theme:
*Start een themadialoog over …*, and a form to start one with an opening story. A press
starts a round of the follow-up template on that theme in the round's channel
(:meth:`bot.core.host.Hosts.open_round`), in a lane of its own: several theme rounds can run
at once in one channel, one per theme.

A press is checked against what is stored, not what the button says: the round must still
exist in the same workspace, the presser must be its host, and the number must name one of
the themes its published summary showed. Anything else is refused and nothing changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.commands import Command, CommandError
from bot.core.messages import Block, Choices, Entry, Heading, Option, Outgoing, Text
from bot.core.pseudonyms import Keyring
from bot.core.series import Series, outcome, record_outcome, vote_results
from bot.core.summary import Summary
from bot.core.templates import Templates
from bot.core.turn import Turn
from bot.core.views import Views
from storage.models import RoundRow

if TYPE_CHECKING:
    from bot.core.host import Hosts

log = logging.getLogger(__name__)

# Incoming.action keys of the theme buttons and of the form with an opening story.
THEME_ROUND = "theme_round"
THEME_STORY = "theme_round_story"
ACTIONS = frozenset({THEME_ROUND, THEME_STORY})
# Actions that start a round and so need the channel's roster fetched before their
# transaction (the runtime applies them as it applies channel commands).
PREPARED_ACTIONS = ACTIONS
MAX_LANE = 200


def lane_of(theme: str) -> str:
    """The lane a theme round runs in: one open round per theme in a channel."""
    return " ".join(theme.casefold().split())[:MAX_LANE]


class Publication:
    """What happens when a round's summary reaches the channel."""

    def __init__(self, templates: Templates, views: Views, series: Series) -> None:
        self.templates = templates
        self.views = views
        self.series = series

    async def published(
        self, turn: Turn, row: RoundRow, summary: Summary, host: str | None
    ) -> list[Block]:
        """Keep the themes ``summary`` shows, offer ``host`` the theme rounds, and return
        what goes under the summary in the channel (a series round's place and harvest)."""
        record_outcome(row, summary)
        template = self.templates.get(row.template)
        if template is not None and template.follow_up and host is not None and outcome(row):
            ranks = await vote_ranks(turn.session, row.id)
            turn.private(host, self.offer(row, template.follow_up, ranks))
        return await self.series.summary_footer(turn.session, row)

    def offer(self, row: RoundRow, follow_up: str, ranks: dict[str, int] | None = None) -> Outgoing:
        """The host's buttons: a theme round per published theme, or one with a story. After
        a vote on the themes (``ranks``: label -> place), the top-voted theme comes first;
        a button's value stays the theme's number in the published summary."""
        lang = row.language
        follow = self.templates.get(follow_up)
        assert follow is not None
        labels = list(enumerate(outcome(row), start=1))
        if ranks:
            last = len(labels) + 1
            labels.sort(key=lambda pair: (ranks.get(" ".join(pair[1].split()), last), pair[0]))
        options = tuple(
            Option(str(n), self.views.t(lang, "series.themes_button", theme=label))
            for n, label in labels
        )
        themes = tuple(Option(str(n), f"{n}. {label}") for n, label in labels)
        intro = [Text(self.views.t(lang, "series.themes_intro", template=follow.name(lang)))]
        if ranks:
            intro.append(Text(self.views.t(lang, "series.themes_by_vote")))
        return Outgoing(
            (
                Heading(self.views.t(lang, "series.themes_heading")),
                *intro,
                Choices(THEME_ROUND, options, row.id),
                Entry(
                    THEME_STORY,
                    themes,
                    self.views.t(lang, "series.themes_story_label"),
                    self.views.t(lang, "series.themes_story_submit"),
                    self.views.t(lang, "series.themes_story_command"),
                    row.id,
                ),
            )
        )


async def vote_ranks(session: AsyncSession, round_id: str) -> dict[str, int]:
    """The places a published vote on ``round_id``'s themes gave them (label -> place, 1 the
    most dots); empty without such a vote."""
    found: dict[str, int] = {}
    for option in await vote_results(session, round_id):
        label = " ".join(str(option.get("ref") or option.get("text")).split())
        found.setdefault(label, int(str(option["rank"])))
    return found


class ThemeRounds:
    """A press on a theme button: start that theme's round."""

    def __init__(self, templates: Templates, keyring: Keyring, hosts: Hosts) -> None:
        self.templates = templates
        self.keyring = keyring
        self.hosts = hosts

    async def action(self, turn: Turn) -> None:
        i = turn.incoming
        row = await turn.session.get(RoundRow, i.round_id) if i.round_id else None
        if row is None or (row.platform, row.workspace) != (i.platform, i.workspace):
            raise CommandError("error.theme_round_gone")
        turn.lang = row.language
        if self.keyring.host_hash(row.id, i.platform, i.workspace, i.user_id) != row.host_hash:
            raise CommandError("error.theme_not_host")
        template = self.templates.get(row.template)
        labels = outcome(row)
        number, _, story = (i.value or "").partition("\t")
        if i.action == THEME_ROUND:
            story = ""
        if (
            template is None
            or template.follow_up is None
            or not number.isdigit()
            or not 1 <= int(number) <= len(labels)
        ):
            raise CommandError("error.choice_stale")
        theme = labels[int(number) - 1]
        command = Command(
            "start",
            template=template.follow_up,
            language=row.language,
            theme=theme,
            story=story.strip() or None,
            min_respondents=row.min_respondents,
            publish=row.publish,
        )
        await self.hosts.open_round(turn, command, row.channel_id, lane_of(theme), origin=row)
        log.info("round %s: a theme round started from its theme %s", row.id, number)
