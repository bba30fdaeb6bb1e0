"""The router: one :class:`Incoming` in, state changed and a :class:`TurnResult` out.

The runtime calls :meth:`Dialoog.handle` inside a database transaction, for people and for
timers alike (a timer is an ``Incoming`` with nobody behind it). The result holds the new
answers and the deliveries; the runtime writes them in the same transaction, so a crash never
leaves a state change without its messages or the other way round.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import feedback as _feedback  # noqa: F401  (registers the feedback stage)
from bot.core import voting as _voting  # noqa: F401  (registers the vote stage)
from bot.core.actions import ACCEPT, Actions
from bot.core.ballots import BallotBox
from bot.core.commands import (
    CHANNEL_WORDS,
    DRAFT_COMMANDS,
    CommandError,
    draft_command,
    parse,
    participant_word,
)
from bot.core.digests import Digests
from bot.core.export import EXPORT_FORMATS
from bot.core.host import Hosts
from bot.core.messages import Delivery, Incoming, Outgoing, Target, TargetKind, Text
from bot.core.participant import Participants
from bot.core.prepared import Prepared
from bot.core.prompts import Catalog, voice
from bot.core.pseudonyms import Keyring
from bot.core.results import RESULT, RESULT_REMOVE
from bot.core.review import ACTIONS as DRAFT_ACTIONS
from bot.core.review import Reviews
from bot.core.rounds import Batch, RoundStore
from bot.core.segments import SEGMENT
from bot.core.series import Series
from bot.core.slips import listing_word, numbered
from bot.core.stages import Stages, opening_of, stage_actions
from bot.core.storable import storable
from bot.core.templates import Templates
from bot.core.themes import ACTIONS as THEME_ACTIONS
from bot.core.themes import Publication, ThemeRounds
from bot.core.timers import Timers
from bot.core.turn import Turn, TurnResult
from bot.core.views import Views
from bot.support.clock import Clock
from bot.support.metrics import Metrics
from bot.support.settings import Settings

log = logging.getLogger(__name__)


class Dialoog:
    """Routes an incoming message to the host or participant handlers."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        templates: Templates,
        keyring: Keyring,
        clock: Clock,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.templates = templates
        self.keyring = keyring
        self.clock = clock
        self.metrics = metrics
        self.views = Views(catalog)
        self.series = Series(templates, self.views, keyring)
        publication = Publication(templates, self.views, self.series)
        self.reviews = Reviews(self.views, keyring, publication)
        self.stages = Stages(settings, self.views, BallotBox(keyring))
        self.hosts = Hosts(
            settings,
            templates,
            self.views,
            keyring,
            metrics,
            self.reviews,
            stages=self.stages,
            series=self.series,
        )
        self.theme_rounds = ThemeRounds(templates, keyring, self.hosts)
        self.actions = Actions(settings, self.views, keyring)
        self.digests = Digests(
            settings, self.views, keyring, stages=self.stages, series=self.series
        )
        self.participants = Participants(self.views, metrics, settings.max_answer_chars)
        self.timers = Timers(self.hosts, self.digests, self.actions)

    def turn(
        self,
        session: AsyncSession,
        incoming: Incoming,
        batch: Batch | None = None,
        prepared: Prepared | None = None,
    ) -> Turn:
        """A turn for ``incoming``; ``prepared`` holds what was fetched before the
        transaction (:mod:`bot.core.prepared`)."""
        return Turn(
            incoming,
            session,
            self.store(session, batch),
            self.clock.now(),
            self.settings.voice,
            prepared or Prepared(),
        )

    def store(self, session: AsyncSession, batch: Batch | None = None) -> RoundStore:
        """Round queries in ``session`` (sharing ``batch``'s loaded rows when given)."""
        return RoundStore(session, self.keyring, self.templates, batch)

    async def handle(self, turn: Turn) -> TurnResult:
        """Apply ``turn.incoming`` in its session and return what to store and deliver.

        Input that changes nothing gives a result with ``refused`` set (the runtime rolls the
        turn back and keeps only the refusal). Raises :class:`~bot.core.prepared.Unprepared`
        when a roster or summary must be fetched before the transaction first."""
        try:
            await self._route(turn)
        except CommandError as error:
            return self.refused(turn.incoming, turn.lang, error)
        turn.prepared.complete()
        return turn.result()

    def refused(self, incoming: Incoming, lang: str, error: CommandError) -> TurnResult:
        """Only the refusal of ``incoming``, privately to its sender, in ``lang``."""
        target = Target(
            TargetKind.REPLY,
            incoming.platform,
            incoming.workspace,
            incoming.channel_id,
            incoming.user_id,
        )
        return TurnResult((Delivery(target, self.refusal(lang, error), lang),), refused=error)

    async def _route(self, turn: Turn) -> None:
        i = turn.incoming
        if not storable(i.text) or not storable(i.value or ""):
            # before anything is parsed or stored: SQLite and PostgreSQL answer alike
            raise CommandError("error.unstorable")
        if i.timer is not None:
            await self.timers.fire(turn, i.timer)
            return
        if i.action in (RESULT, RESULT_REMOVE):
            self.metrics.commands.labels("draft").inc()
            await self.stages.results.action(turn)
            return
        if i.action in THEME_ACTIONS:
            self.metrics.commands.labels("theme_round").inc()
            await self.theme_rounds.action(turn)
            return
        if i.action in stage_actions():
            self.metrics.commands.labels("ballot").inc()
            await self.stages.action(turn)
            return
        if i.action in DRAFT_ACTIONS:
            self.metrics.commands.labels("draft").inc()
            await self.reviews.action(turn)
            return
        if i.action is not None:
            self.metrics.commands.labels("choice").inc()
            if i.action == "skip":
                await self.participants.skip(turn)
            elif i.action == SEGMENT:
                await self.participants.segment(turn)
            elif i.action == ACCEPT:
                await self.actions.accept(turn)
            elif i.action == "confirm":
                await self.participants.confirm(turn)
            else:
                await self.participants.choose(turn)
            return
        if i.is_private:
            if await self._draft_in_private(turn):
                return
            if await self.stages.typed(turn):  # `opmerking 2 …` on the harvest
                self.metrics.commands.labels("ballot").inc()
                return
            word = participant_word(i.text) or listing_word(i.text)
            target = numbered(i.text) if word is None else None
            if target is not None:
                word = "edit"
            if word in (None, "help", "forget"):
                # Help and refusals, too, speak the language of the person's round.
                await self._speak_as_round(turn, i.text if word is None else None)
            if word is None:
                self._refuse_channel_command(i.text)
            self.metrics.commands.labels(word or "answer").inc()
            if word == "skip":
                await self.participants.skip(turn)
            elif word == "edit":
                await self.participants.edit(turn, target[1] if target else None)
            elif word == "open":
                await self.participants.still_open(turn)
            elif word == "mine":
                await self.participants.mine(turn)
            elif word == "forget":
                await self.participants.forget(turn)
                # votes and reactions in open stages too (PRODUCT.md §4.9)
                if await self.stages.box.forget(turn, i.platform, i.workspace, i.user_id):
                    turn.reply(self.views.note(turn.lang, "stage.forgotten"))
            elif word == "help":
                turn.reply(self.help(turn.lang, private=True))
            else:
                await self.participants.answer(turn)
            return
        running = await turn.store.open_in_channel(i.platform, i.workspace, i.channel_id or "")
        if running is not None:
            turn.lang = running.voice
        command = parse(i.text)
        self.metrics.commands.labels(command.name).inc()
        if command.name == "help":
            turn.reply(self.help(turn.lang, private=False))
        elif command.name == "start":
            await self.hosts.start(turn, command)
        elif command.name == "digest":
            await self.digests.configure(turn, command)
        elif command.name == "series":
            await self.series.command(turn, command, self.settings.language)
        elif command.name == "export":
            await self.hosts.export(turn, command)
        elif command.name in DRAFT_COMMANDS:
            await self.reviews.command(turn, command)
        elif command.name == "action" and command.owner is None:
            await self.actions.set_status(turn, command)
        elif command.name == "action":
            await self.actions.record(turn, command)
        elif command.name == "actions":
            await self.actions.list(turn)
        elif command.name in ("vote", "feedback"):
            await self.hosts.open_stage(turn, command.name, opening_of(command))
        elif command.name in ("close", "status") and running is None:
            await self.hosts.stage_command(turn, command.name)
        else:
            await getattr(self.hosts, command.name)(turn, command)

    async def _draft_in_private(self, turn: Turn) -> bool:
        """``publiceer``, ``hernoem 2 …`` typed by a host in the private chat act on the newest
        draft they host; without one, the words are handled as any other private text."""
        words = turn.incoming.text.split(maxsplit=1)
        if not words or CHANNEL_WORDS.get(words[0].casefold()) not in DRAFT_COMMANDS:
            return False
        row = await self.reviews.hosted(turn)
        if row is None:
            return False
        turn.lang = voice(row.language, row.address)
        command = draft_command(turn.incoming.text)
        assert command is not None
        self.metrics.commands.labels(command.name).inc()
        await self.reviews.command(turn, command, row.id)
        return True

    @staticmethod
    async def _speak_as_round(turn: Turn, text: str | None) -> None:
        """Set the turn's language to that of the open round the sender takes part in. For
        an answer (``text`` that is not a channel word) the participant handler does this
        itself, so the lookup is not paid twice on the busiest path."""
        if text is not None:
            words = text.split()
            if not words or words[0].casefold() not in CHANNEL_WORDS:
                return
        i = turn.incoming
        found = await turn.store.participation(i.platform, i.workspace, i.user_id)
        if found is not None:
            turn.lang = found[0].voice

    @staticmethod
    def _refuse_channel_command(text: str) -> None:
        """A channel command typed in the private chat (``status``, ``start --paced``) is not
        an answer: say where it belongs instead of storing it."""
        words = text.split()
        if not words or words[0].casefold() not in CHANNEL_WORDS:
            return
        if CHANNEL_WORDS[words[0].casefold()] == "digest" and len(words) <= 5:
            raise CommandError("error.digest_private")
        if len(words) == 1 or words[1].startswith("--"):
            raise CommandError("error.use_in_channel")

    def help(self, lang: str, private: bool) -> Outgoing:
        if private:
            return Outgoing((Text(self.catalog.text(lang, "help.private")),))
        # The export formats are those registered (bot/core/export.py), not a list in a text.
        formats = "|".join(EXPORT_FORMATS)
        floor = self.settings.min_respondents  # the real floor, never a number in a text
        text = self.catalog.text(lang, "help.channel", formats=formats, floor=floor)
        return Outgoing((Text(text),))

    def refusal(self, lang: str, error: CommandError) -> Outgoing:
        self.metrics.rejected.inc()
        return Outgoing((Text(self.catalog.text(lang, error.key, **error.values)),))
