"""Fetching what a turn needs before its transaction, and applying the turn again.

See :mod:`bot.core.prepared`. :meth:`Preparer.run` calls an attempt (which opens its own
transaction); when the attempt raises :class:`~bot.core.prepared.Unprepared`, its transaction
has been rolled back, so the rosters, summaries and export files it asked for are fetched (and
drawn) with no lock held, and the attempt runs again with them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from bot.core.export import draw_file
from bot.core.port import NotInChannel, Platform
from bot.core.prepared import Manager, Prepared, Unprepared
from bot.core.prompts import Catalog
from bot.core.summary import Synthesizer

log = logging.getLogger(__name__)
T = TypeVar("T")
# Attempts before a turn's summaries are synthesised inside its transaction: one for the
# roster, one for the summaries, and a few for answers that arrived while synthesising.
ATTEMPTS = 5


class Preparer:
    """Fetches rosters from the platforms and summaries from the synthesizer, and draws
    export files."""

    def __init__(
        self,
        platforms: Mapping[str, Platform],
        synthesizer: Synthesizer,
        catalog: Catalog,
    ) -> None:
        self.platforms = platforms
        self.synthesizer = synthesizer
        self.catalog = catalog

    async def fetch(self, prepared: Prepared, missing: Unprepared) -> None:
        """What ``missing`` names, into ``prepared``; called with no transaction open."""
        for roster in missing.rosters:
            platform = self.platforms[roster.platform]
            try:
                members = await platform.list_members(roster.workspace, roster.channel_id)
            except NotInChannel:
                prepared.unseen.add(roster)
                continue
            prepared.rosters[roster] = members
        for manager in missing.managers:
            prepared.managers[manager] = await self.is_manager(manager)
        for request in missing.requests:
            prepared.summaries[request] = await self.synthesizer.synthesize(request)
        for render in missing.renders:
            summary = prepared.summaries.get(render.request)
            if summary is None:
                summary = await self.synthesizer.synthesize(render.request)
                prepared.summaries[render.request] = summary
            if render.stages:  # what closed votes and feedback add beside the themes
                summary = dataclasses.replace(summary, stages=render.stages)
            # Charts and office files take a moment to draw: off the event loop too.
            prepared.files[render] = await asyncio.to_thread(
                draw_file, render.format, render.request, summary, self.catalog, render.actions
            )

    async def is_manager(self, manager: Manager) -> bool:
        """Ask the platform; one that cannot tell (no ``is_channel_manager``) or fails says
        no, so a restriction never opens up by accident."""
        platform = self.platforms.get(manager.platform)
        ask = getattr(platform, "is_channel_manager", None)
        if ask is None:
            return False
        try:
            return bool(await ask(manager.workspace, manager.channel_id, manager.user_id))
        except NotInChannel:
            return False
        except Exception as exc:
            log.warning("could not ask who manages a channel (%s)", type(exc).__name__)
            return False

    async def run(self, attempt: Callable[[Prepared], Awaitable[T]]) -> T:
        """``attempt(prepared)`` until it needs nothing more; see the module docstring."""
        prepared = Prepared()
        for _ in range(ATTEMPTS):
            try:
                return await attempt(prepared)
            except Unprepared as missing:
                await self.fetch(prepared, missing)
        log.warning("answers kept changing while summarising; summarising inside the write")
        prepared.inline = self.synthesizer
        return await attempt(prepared)
