"""What is due when: timer jobs derived from stored rounds and digests.

Nothing here is kept in memory between calls: every job is computed from the database (open
rounds with their deadline, reminder slots and phase timing; channel digests), minus the
occurrences recorded in ``fired_jobs``. A restart therefore rebuilds exactly the jobs that are
still owed, including those whose moment passed while the bot was down.

Job keys name one occurrence: ``close:<round>``, ``phase:<round>:<index of the phase that
closes>``, ``remind:<round>:<slot>``, ``digest:<digest>:<local date>``, ``stage:<stage>`` (a
vote or feedback stage's deadline), ``action:<action>:<moment>`` (an action owner's reminder;
a new due date is a new occurrence), ``thanks:<round>`` (the invitees' thank-you once a
closed round's harvest is published).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.commands import slot_length
from bot.core.messages import Incoming, Timer
from storage.models import ActionRow, DigestRow, FiredJobRow, RoundRow, StageRow

# How far back a digest occurrence may be owed: a bot down for longer posts only the latest.
DIGEST_LOOKBACK = dt.timedelta(days=8)


@dataclass(frozen=True, slots=True)
class Job:
    """One occurrence of a timer. ``ref`` is a round or digest id; ``arg`` the phase index,
    reminder slot or local date; ``platform``, ``workspace`` and ``channel_id`` where its
    messages go."""

    key: str
    due: dt.datetime
    kind: str
    ref: str
    arg: str = ""
    platform: str = ""
    workspace: str = ""
    channel_id: str = ""

    def incoming(self) -> Incoming:
        """The job as the core sees it: an ``Incoming`` with nobody behind it."""
        timer = Timer(self.kind, self.ref, self.arg, self.due)
        return Incoming(self.platform, self.workspace, "", "", self.channel_id, timer=timer)


def digest_trigger(digest: DigestRow) -> CronTrigger:
    """The digest's weekly wall-clock time in its own time zone (daylight saving included)."""
    hour, minute = (int(part) for part in digest.at_time.split(":"))
    return CronTrigger(
        day_of_week=digest.weekday, hour=hour, minute=minute, timezone=ZoneInfo(digest.timezone)
    )


def digest_occurrences(
    digest: DigestRow, now: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The latest occurrence at or before ``now`` (after the digest was set: setting it at
    the very minute does not post at once) and the next one after ``now``, as aware datetimes
    in the digest's time zone."""
    trigger = digest_trigger(digest)
    start = max(digest.since + dt.timedelta(seconds=1), now - DIGEST_LOOKBACK)
    zone = ZoneInfo(digest.timezone)
    latest = None
    moment = trigger.get_next_fire_time(None, start.astimezone(zone))
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + dt.timedelta(minutes=1))
    return latest, moment


def round_jobs(row: RoundRow, phases: int) -> list[Job]:
    """Every job an open round still has, due or not (fired ones are filtered later)."""
    jobs: list[Job] = []
    where = (row.platform, row.workspace, row.channel_id)
    if row.deadline is not None:
        jobs.append(Job(f"close:{row.id}", row.deadline, "close", row.id, "", *where))
        for slot in filter(None, row.reminders.split(",")):
            due = row.deadline - slot_length(slot)
            jobs.append(Job(f"remind:{row.id}:{slot}", due, "remind", row.id, slot, *where))
    if (
        row.paced
        and row.phase_seconds
        and row.phase_opened is not None
        and row.open_phase < phases - 1
    ):
        due = row.phase_opened + dt.timedelta(seconds=row.phase_seconds)
        if row.deadline is None or due < row.deadline:
            jobs.append(
                Job(
                    f"phase:{row.id}:{row.open_phase}",
                    due,
                    "phase",
                    row.id,
                    str(row.open_phase),
                    *where,
                )
            )
    return jobs


async def planned_jobs(
    session: AsyncSession, now: dt.datetime, phase_counts: dict[str, int]
) -> list[Job]:
    """All jobs not yet fired, sorted by due time: those due now or earlier, and the next
    occurrence of each. ``phase_counts`` maps a template key to its number of phases."""
    jobs: list[Job] = []
    rounds = await session.scalars(select(RoundRow).where(RoundRow.status == "open"))
    for row in rounds:
        jobs.extend(round_jobs(row, phase_counts.get(row.template, 1)))
    stages = await session.execute(
        select(StageRow, RoundRow)
        .join(RoundRow, RoundRow.id == StageRow.round_id)
        .where(StageRow.status == "open", StageRow.deadline.is_not(None))
    )
    for stage, owner in stages:
        assert stage.deadline is not None
        where = (owner.platform, owner.workspace, owner.channel_id)
        jobs.append(Job(f"stage:{stage.id}", stage.deadline, "stage", stage.id, "", *where))
    owing = await session.scalars(
        select(RoundRow).where(RoundRow.status == "closed", RoundRow.thanks_due.is_not(None))
    )
    for row in owing:
        assert row.thanks_due is not None
        where = (row.platform, row.workspace, row.channel_id)
        jobs.append(Job(f"thanks:{row.id}", row.thanks_due, "thanks", row.id, "", *where))
    actions = await session.scalars(
        select(ActionRow).where(ActionRow.status != "done", ActionRow.remind_at.is_not(None))
    )
    for action in actions:
        assert action.remind_at is not None
        jobs.append(
            Job(
                f"action:{action.id}:{action.remind_at.isoformat()}",
                action.remind_at,
                "action",
                action.id,
                "",
                action.platform,
                action.workspace,
                action.channel_id,
            )
        )
    for digest in await session.scalars(select(DigestRow)):
        latest, upcoming = digest_occurrences(digest, now)
        for moment in (latest, upcoming):
            if moment is not None:
                day = moment.date().isoformat()
                jobs.append(
                    Job(
                        f"digest:{digest.id}:{day}",
                        moment.astimezone(dt.UTC),
                        "digest",
                        digest.id,
                        day,
                        digest.platform,
                        digest.workspace,
                        digest.channel_id,
                    )
                )
    if not jobs:
        return []
    fired = set(
        await session.scalars(
            select(FiredJobRow.key).where(FiredJobRow.key.in_([job.key for job in jobs]))
        )
    )
    return sorted((job for job in jobs if job.key not in fired), key=lambda job: (job.due, job.key))


def coalesce(jobs: list[Job], now: dt.datetime) -> list[Job]:
    """The due jobs worth running: of several due reminder slots of one round (after
    downtime) only the latest is sent."""
    due = [job for job in jobs if job.due <= now]
    latest_reminder: dict[str, Job] = {}
    for job in due:
        if job.kind == "remind":
            latest_reminder[job.ref] = job  # sorted by due: the last one wins
    return [job for job in due if job.kind != "remind" or latest_reminder[job.ref] is job]
