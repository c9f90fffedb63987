"""One definition of follow-up: what a meeting's opening lists, and what its minutes and the export say it followed
up, agree, also for an action closed before the meeting and reopened in it."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.export import read_archive
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from tests.unit.handlers import Chat
from tests.unit.helpers import ROOM, STOCKHOLM




def section(minutes: str, title: str) -> list[str]:
    """The entries of one `## title` section of the minutes file."""
    lines = minutes.split(f"## {title}\n\n", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    return [line.removeprefix("- ").split(" — ")[0] for line in lines if line.startswith("- ")]


async def held(chat: Chat, clock: FakeClock) -> None:
    """Five actions logged on Monday; on Wednesday a meeting that reopens #2 and closes #1."""
    await chat.send("!action Byt lampor i gångtunneln senast imorgon")  # 1: open, due before the meeting
    await chat.send("!action Rapport till kommunstyrelsen")  # 2: closed before the meeting, reopened in it
    await chat.send("!done 2")
    await chat.send("!action Städa tunneln")  # 3: closed before the meeting, left closed
    await chat.send("!done 3")
    await chat.send("!action Ny belysning senast 2027-03-01")  # 4: open, due long after the meeting
    await chat.send("!action Fråga fastighetsägaren")  # 5: open, no date
    clock.advance(timedelta(days=2))
    opening = await chat.send("!meeting start")
    assert [line.split(" — ")[0] for line in opening.split("Uppföljning av åtgärder:\n")[1].splitlines()] == [
        "#1 Byt lampor i gångtunneln",
        "#5 Fråga fastighetsägaren",
    ]
    clock.advance(timedelta(minutes=5))
    await chat.send("!action reopen 2")
    await chat.send("!done 1")
    clock.advance(timedelta(minutes=20))
    await chat.send("!meeting end")


async def test_the_minutes_and_the_export_follow_up_the_same_actions(chat: Chat, clock: FakeClock, db: Database) -> None:
    await held(chat, clock)

    async with db.reading() as conn:
        [meeting] = await MeetingRepo(conn).ended_in(ROOM)
        archive = await read_archive(conn, ROOM, STOCKHOLM, None, None, clock.now())

    # Up for follow-up when it began (#1, #5), and reopened in it (#2); not #3 (closed) nor #4 (due later).
    assert section(meeting.minutes, "Uppföljning") == [
        "#1 Byt lampor i gångtunneln",
        "#2 Rapport till kommunstyrelsen",
        "#5 Fråga fastighetsägaren",
    ]
    [exported] = archive["meetings"]
    assert [(a["number"], a["status_at_end"]) for a in exported["actions_followed_up"]] == [
        (1, "done"),
        (2, "open"),
        (5, "open"),
    ]


async def test_after_the_meeting_the_reopened_action_is_up_for_follow_up_again(chat: Chat, clock: FakeClock) -> None:
    await held(chat, clock)

    agenda = await chat.send("!agenda")

    # No meeting is scheduled, so every open action is up: dated ones first, then those without a date.
    assert [line.split(" — ")[0] for line in agenda.split("Åtgärder att följa upp:\n")[1].splitlines()] == [
        "#4 Ny belysning",
        "#2 Rapport till kommunstyrelsen",
        "#5 Fråga fastighetsägaren",
    ]
