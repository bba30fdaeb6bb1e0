"""Prepare, then apply: what a turn needs from slow or remote places, fetched before the
write transaction.

A turn runs inside one database transaction. The channel's roster (a platform call that can
page through a whole workspace) and a summary (reading answers and synthesising them, perhaps
through an LLM) must not be fetched while that transaction holds the turn at writing. So the core
asks :class:`Prepared` for them, and:

- a roster that was not fetched yet raises :class:`Unprepared` at once (the rest of the turn
  depends on it);
- an export file (:class:`Render`: charts, a Word or Excel file) that was not drawn yet raises
  :class:`Unprepared` at once; the runtime synthesises its summary if need be and draws it;
- a summary whose request was not synthesised yet is noted, and a stand-in
  (:func:`~bot.core.summary.plain_summary`, the same counts and thresholds) lets the turn run
  on, so that all the summaries a turn needs are found in one pass; :meth:`Prepared.complete`
  then raises :class:`Unprepared` with all of them.

The runtime rolls the transaction back, fetches what is missing with no transaction open, and
applies the turn again (:mod:`bot.runtime.preparing`). The summary found is used only when the
request gathered inside the transaction equals the one synthesised: that is the re-check that
the round is still in the same state (no answer added, edited or forgotten in between). A file
is keyed by its request in the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.commands import CommandError
from bot.core.export import AgreedAction
from bot.core.port import Member
from bot.core.summary import StageNote, Summary, SynthesisRequest, Synthesizer, plain_summary


@dataclass(frozen=True, slots=True)
class Roster:
    """The members of one channel, bots included, as the platform lists them."""

    platform: str
    workspace: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class Manager:
    """Whether one person manages one channel (``DIALOOG_HOSTS=channel-managers``)."""

    platform: str
    workspace: str
    channel_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class Render:
    """One export file: the harvest of ``request`` (with its summary) in format ``format``."""

    format: str
    request: SynthesisRequest
    actions: tuple[AgreedAction, ...] = ()  # the channel's actions agreed (bot/core/actions.py)
    stages: tuple[StageNote, ...] = ()  # priorities and agreement of closed stages (stages.py)


class Unprepared(Exception):
    """The turn needs what was not fetched before its transaction; the runtime fetches it
    with no transaction open and applies the turn again."""

    def __init__(
        self,
        rosters: tuple[Roster, ...] = (),
        requests: tuple[SynthesisRequest, ...] = (),
        managers: tuple[Manager, ...] = (),
        renders: tuple[Render, ...] = (),
    ) -> None:
        super().__init__(
            f"{len(rosters)} rosters, {len(requests)} summaries and {len(renders)} files to prepare"
        )
        self.rosters = rosters
        self.requests = requests
        self.managers = managers
        self.renders = renders


@dataclass
class Prepared:
    """Rosters and summaries fetched before the transaction, for every attempt of one turn.

    ``inline`` is set only for a last attempt, after answers kept changing under the
    summaries attempt after attempt: then a missing summary is synthesised inside the
    transaction, which is slower for others but never loses an answer from the harvest.
    """

    rosters: dict[Roster, list[Member]] = field(default_factory=dict)
    unseen: set[Roster] = field(default_factory=set)  # channels the bot is not in
    managers: dict[Manager, bool] = field(default_factory=dict)
    summaries: dict[SynthesisRequest, Summary] = field(default_factory=dict)
    missing: list[SynthesisRequest] = field(default_factory=list)
    files: dict[Render, bytes] = field(default_factory=dict)
    inline: Synthesizer | None = None

    def members(self, platform: str, workspace: str, channel_id: str) -> list[Member]:
        """The channel's members (bots included); raises :class:`Unprepared` if not fetched."""
        key = Roster(platform, workspace, channel_id)
        if key in self.unseen:
            raise CommandError("error.not_in_channel")
        found = self.rosters.get(key)
        if found is None:
            raise Unprepared(rosters=(key,))
        return found

    def is_manager(self, platform: str, workspace: str, channel_id: str, user_id: str) -> bool:
        """Whether the platform reports ``user_id`` as managing the channel; raises
        :class:`Unprepared` if not asked yet."""
        key = Manager(platform, workspace, channel_id, user_id)
        found = self.managers.get(key)
        if found is None:
            raise Unprepared(managers=(key,))
        return found

    def humans(self, platform: str, workspace: str, channel_id: str) -> list[Member]:
        return [m for m in self.members(platform, workspace, channel_id) if not m.is_bot]

    async def summary(self, request: SynthesisRequest) -> Summary:
        """The summary of exactly this request, or a stand-in noted as missing."""
        found = self.summaries.get(request)
        if found is not None:
            return found
        if self.inline is not None:
            found = self.summaries[request] = await self.inline.synthesize(request)
            return found
        if request not in self.missing:
            self.missing.append(request)
        return plain_summary(request)

    async def file(self, render: Render, draw: Callable[[], bytes]) -> bytes:
        """The export file ``render``, drawn before the transaction; raises
        :class:`Unprepared` if it was not. On the last attempt (``inline``) ``draw`` makes
        it here, in a thread."""
        found = self.files.get(render)
        if found is not None:
            return found
        if self.inline is not None:
            found = self.files[render] = await asyncio.to_thread(draw)
            return found
        raise Unprepared(renders=(render,))

    def complete(self) -> None:
        """Raise :class:`Unprepared` if the turn used a stand-in: it must not be applied."""
        if self.missing:
            requests = tuple(self.missing)
            self.missing.clear()
            raise Unprepared(requests=requests)
