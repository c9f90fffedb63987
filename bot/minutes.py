"""Minutes: what a held meeting produced, gathered from the database when it ends and kept with it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.features.situation import Picture, picture
from bot.followup import followed_up
from bot.i18n import Catalogue, Text
from bot.periods import closed_by
from bot.store.actions import CANCELLED, DONE, OPEN, Action, ActionRepo
from bot.store.agenda import AgendaItem, AgendaRepo
from bot.store.db import Connection
from bot.store.meetings import Decision, Meeting, MeetingRepo, Participant
from bot.store.organisations import OrganisationRepo
from bot.views.minutes import markdown, summary


@dataclass(frozen=True)
class Record:
    meeting: Meeting
    participants: list[Participant]
    discussed: list[AgendaItem]
    decisions: list[Decision]
    new_actions: list[Action]
    followed_up: list[Action]
    carried: list[AgendaItem]
    names: dict[str, str]
    organisations: dict[str, str] = field(default_factory=dict)
    """The organisation each member represents in the room, by user id."""
    closed_after: timedelta | None = None
    """Closed automatically this long after its planned end; None when someone closed it."""
    situation: Picture | None = None
    """The situation picture of the round the meeting closes; None when that round has no observations."""


async def gather(
    tx: Connection, meeting: Meeting, names: dict[str, str], closed_after: timedelta | None = None
) -> Record:
    """A meeting that has just ended (`meeting.ended_at` set), as its minutes will tell it."""
    meetings, agenda, actions = MeetingRepo(tx), AgendaRepo(tx), ActionRepo(tx)
    participants = await meetings.participants(meeting.id)
    known = {**names, **{p.user_id: p.name for p in participants}}
    every = await actions.in_room(meeting.room_id, (OPEN, DONE, CANCELLED))
    day = meeting.started_at.astimezone(meeting.zone).date()
    followed = followed_up(meeting.id, meeting.started_at, meeting.ended_at, day, every, await actions.histories(meeting.room_id))
    return Record(
        meeting=meeting,
        participants=participants,
        discussed=await agenda.discussed_in(meeting.id),
        decisions=await meetings.decisions(meeting.id),
        new_actions=await actions.in_meeting(meeting.id),
        followed_up=followed,
        carried=await agenda.open_items(meeting.room_id),
        names=known,
        organisations={user: o.name for user, o in (await OrganisationRepo(tx).members(meeting.room_id)).items()},
        closed_after=closed_after,
        situation=await closed_picture(tx, meeting),
    )


async def closed_picture(tx: Connection, meeting: Meeting) -> Picture | None:
    """The situation picture of the round a meeting closes, when that round has observations."""
    found = await picture(tx, meeting.room_id, await closed_by(tx, meeting))
    return found if found is not None and found.situation.total.now else None


async def close(
    tx: Connection,
    meeting: Meeting,
    by: str,
    now: datetime,
    cat: Catalogue,
    names: dict[str, str],
    command: str,
    closed_after: timedelta | None = None,
) -> Text:
    """End the meeting and keep its minutes, in the caller's transaction; returns the notice to post, which names
    `command` (that shows the minutes) should it be cut. A meeting closed by the bot, `closed_after` its planned
    end, is closed by nobody."""
    auto = closed_after is not None
    record = await gather(tx, replace(meeting, ended_at=now, ended_by=by, auto_closed=auto), names, closed_after)
    text = markdown(record, cat)
    await MeetingRepo(tx).end(meeting.id, by, now, text, auto)
    return summary(record, cat, command, text)
