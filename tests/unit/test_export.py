"""`samverkan-bot export`: a room's archive read from a real database and written as JSON, CSV and Markdown."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.clock import FakeClock
from bot.export import as_csv, as_json, as_markdown, export, read_archive
from bot.i18n import Catalogue
from bot.minutes import close
from bot.schedule import parse_schedule
from bot.store.actions import DONE, OPEN, ActionRepo
from bot.store.agenda import AgendaRepo
from bot.store.agreements import AgreementRepo
from bot.store.db import DB_NAME, Database
from bot.store.meetings import MeetingRepo
from bot.store.migrations import LATEST
from bot.store.observation_lists import AREAS, CATEGORIES, ObservationListRepo
from bot.store.observations import ObservationRepo
from bot.store.organisations import OrganisationRepo
from bot.store.series import SeriesRepo
from bot.store.walks import LOCATION, PHOTO, Attachment, WalkRepo
from tests.unit.helpers import ROOM, STOCKHOLM, make_settings

ANNA = "@anna:eslov.se"  # the safety coordinator, who chairs
PER = "@per:eslov.se"  # the housing company
LISA = "@lisa:eslov.se"  # a security firm
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)
INJECTION = '=HYPERLINK("https://example.org")'


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
async def held(db: Database) -> str:
    """One ad-hoc meeting on Tuesday 1 December 09:00–09:25 (Stockholm), with what happened before and after it;
    returns the minutes the bot stored when the meeting ended."""
    async with db.transaction() as tx:
        actions, agenda, meetings = ActionRepo(tx), AgendaRepo(tx), MeetingRepo(tx)
        await actions.create(ROOM, "Kolla kamerorna", (), "Polisen", None, ANNA, utc(11, 24, 10))
        await agenda.add(ROOM, "Klotter vid busstationen", ANNA, None, utc(11, 30, 10))
        await agenda.add(ROOM, "Belysning i parken", PER, None, utc(11, 30, 11))

        meeting_id = await meetings.start(ROOM, None, "Örat mot marken", STOCKHOLM, None, utc(12, 1, 11), ANNA, utc(12, 1, 8))
        await meetings.note_participant(meeting_id, ANNA, "Anna", "wrote", utc(12, 1, 8))
        await meetings.note_participant(meeting_id, PER, "Per", "wrote", utc(12, 1, 8, 1))
        await meetings.note_participant(meeting_id, LISA, "Lisa", "here", utc(12, 1, 8, 2))
        klotter = (await agenda.open_items(ROOM))[0]
        await agenda.discuss(klotter.id, meeting_id, "Polisen ökar närvaron kvällstid", ANNA, utc(12, 1, 8, 5))
        await meetings.decide(meeting_id, "Kommunen sätter upp ny belysning", ANNA, utc(12, 1, 8, 10))
        await actions.create(
            ROOM, "Sätt upp skyltar\nvid parken", (PER, LISA), None, date(2026, 12, 8), ANNA, utc(12, 1, 8, 12), meeting_id
        )
        skyltar = await actions.get(ROOM, 2)
        detail = {"old": "2026-12-08", "new": "2026-12-10"}
        await actions.change(skyltar, PER, utc(12, 1, 8, 13), "due", detail, due=date(2026, 12, 10))
        kameror = await actions.get(ROOM, 1)
        await actions.change(kameror, ANNA, utc(12, 1, 8, 15), "done", {"comment": "Kamerorna fungerar"}, status=DONE)
        await close(tx, await meetings.get(meeting_id), ANNA, utc(12, 1, 8, 25), Catalogue("sv"), {}, "!protokoll 2026-12-01 1")

        # After the meeting: none of this may change what the archive says the meeting saw.
        await actions.create(ROOM, INJECTION, (), "Räddningstjänsten", None, PER, utc(12, 1, 23, 30))  # 2 Dec, local
        await agenda.add(ROOM, "Ny punkt efter mötet", PER, None, utc(12, 2, 9))
        belysning = (await agenda.open_items(ROOM))[0]
        await agenda.close(belysning.id, "removed", PER, utc(12, 3, 9))
        await actions.change(await actions.get(ROOM, 1), ANNA, utc(12, 4, 8), "reopened", {}, status=OPEN)
        return (await meetings.get(meeting_id)).minutes


async def archive(db: Database, room: str = ROOM, first: date | None = None, last: date | None = None) -> dict[str, Any]:
    async with db.reading() as conn:
        return await read_archive(conn, room, STOCKHOLM, first, last, NOW)


KAMEROR = {
    "number": 1,
    "text": "Kolla kamerorna",
    "owners": [],
    "organisation": "Polisen",
    "due": None,
    "status": "open",
    "created_by": ANNA,
    "created_at": "2026-11-24T10:00:00+00:00",
    "meeting_id": None,
    "history": [
        {"at": "2026-11-24T10:00:00+00:00", "by": ANNA, "kind": "created", "detail": {}},
        {"at": "2026-12-01T08:15:00+00:00", "by": ANNA, "kind": "done", "detail": {"comment": "Kamerorna fungerar"}},
        {"at": "2026-12-04T08:00:00+00:00", "by": ANNA, "kind": "reopened", "detail": {}},
    ],
}
SKYLTAR = {
    "number": 2,
    "text": "Sätt upp skyltar\nvid parken",
    "owners": [PER, LISA],
    "organisation": None,
    "due": "2026-12-10",
    "status": "open",
    "created_by": ANNA,
    "created_at": "2026-12-01T08:12:00+00:00",
    "meeting_id": 1,
    "history": [
        {"at": "2026-12-01T08:12:00+00:00", "by": ANNA, "kind": "created", "detail": {}},
        {"at": "2026-12-01T08:13:00+00:00", "by": PER, "kind": "due", "detail": {"old": "2026-12-08", "new": "2026-12-10"}},
    ],
}
BRANDPOSTER = {
    "number": 3,
    "text": INJECTION,
    "owners": [],
    "organisation": "Räddningstjänsten",
    "due": None,
    "status": "open",
    "created_by": PER,
    "created_at": "2026-12-01T23:30:00+00:00",
    "meeting_id": None,
    "history": [{"at": "2026-12-01T23:30:00+00:00", "by": PER, "kind": "created", "detail": {}}],
}


def meeting(minutes: str) -> dict[str, Any]:
    return {
        "id": 1,
        "name": "Örat mot marken",
        "timezone": "Europe/Stockholm",
        "started_at": "2026-12-01T08:00:00+00:00",
        "started_by": ANNA,
        "ended_at": "2026-12-01T08:25:00+00:00",
        "ended_by": ANNA,
        "auto_closed": False,
        "participants": [
            {"user_id": ANNA, "name": "Anna", "how": "wrote"},
            {"user_id": PER, "name": "Per", "how": "wrote"},
            {"user_id": LISA, "name": "Lisa", "how": "here"},
        ],
        "items_discussed": [
            {
                "text": "Klotter vid busstationen",
                "note": "Polisen ökar närvaron kvällstid",
                "added_by": ANNA,
                "added_at": "2026-11-30T10:00:00+00:00",
            }
        ],
        "decisions": [{"text": "Kommunen sätter upp ny belysning", "by": ANNA, "at": "2026-12-01T08:10:00+00:00"}],
        "actions_agreed": [{"number": 2, "text": "Sätt upp skyltar\nvid parken", "status_at_end": "open"}],
        "actions_followed_up": [{"number": 1, "text": "Kolla kamerorna", "status_at_end": "done"}],
        "items_carried_over": [{"text": "Belysning i parken", "added_by": PER, "added_at": "2026-11-30T11:00:00+00:00"}],
        # outside a series, the round is the seven days up to the meeting's day, that day included
        "situation": {"from": "2026-11-24T23:00:00+00:00", "to": "2026-12-01T23:00:00+00:00", "total": 0, "counts": []},
        "minutes": minutes,
    }


# JSON


async def test_json_holds_what_the_room_saw_at_the_meeting(db: Database, held: str) -> None:
    exported = json.loads(as_json(await archive(db)))

    assert exported == {
        "format": "samverkan-bot-export",
        "version": 1,
        "room_id": ROOM,
        "exported_at": "2026-12-10T12:00:00+00:00",
        "from": None,
        "to": None,
        "timezone": "Europe/Stockholm",
        "meetings": [meeting(held)],
        "actions": [KAMEROR, SKYLTAR, BRANDPOSTER],
        "observations": [],
        "nothing_to_report": [],
        "agreements": [],
        "walks": [],
    }
    assert list(exported) == [
        "format", "version", "room_id", "exported_at", "from", "to", "timezone", "meetings", "actions", "observations",
        "nothing_to_report", "agreements", "walks",
    ]  # fmt: skip


async def test_the_stored_minutes_are_exported_as_they_were_posted(db: Database, held: str) -> None:
    minutes = (await archive(db))["meetings"][0]["minutes"]

    assert minutes == held
    assert minutes.startswith("# Protokoll: Örat mot marken\n")
    assert "- Belysning i parken" in minutes.split("## Kvarstående punkter")[1]
    assert "Ny punkt efter mötet" not in minutes


async def test_json_is_readable_utf8_in_a_stable_order(db: Database, held: str) -> None:
    text = as_json(await archive(db))

    assert "Räddningstjänsten" in text and "\\u" not in text
    assert text == as_json(await archive(db))
    assert text.endswith("}\n")


# Date range


@pytest.mark.parametrize(
    ("first", "last", "meetings", "numbers"),
    [
        (None, date(2026, 12, 1), 1, [1, 2]),
        (date(2026, 12, 1), date(2026, 12, 1), 1, [2]),
        # 23:30 UTC on 1 December is 00:30 on 2 December in Stockholm: the range is in local dates.
        (date(2026, 12, 2), None, 0, [3]),
        (date(2026, 12, 5), date(2026, 12, 31), 0, []),
    ],
)
async def test_the_range_takes_meetings_by_start_and_actions_by_creation(
    db: Database, held: str, first: date | None, last: date | None, meetings: int, numbers: list[int]
) -> None:
    exported = await archive(db, first=first, last=last)

    assert len(exported["meetings"]) == meetings
    assert [a["number"] for a in exported["actions"]] == numbers
    assert (exported["from"], exported["to"]) == (
        first.isoformat() if first else None,
        last.isoformat() if last else None,
    )


async def test_a_meeting_in_range_still_follows_up_an_action_from_before_it(db: Database, held: str) -> None:
    exported = await archive(db, first=date(2026, 12, 1))

    assert exported["meetings"][0]["actions_followed_up"] == [{"number": 1, "text": "Kolla kamerorna", "status_at_end": "done"}]
    assert [a["number"] for a in exported["actions"]] == [2, 3]


async def test_an_unknown_room_gives_an_empty_archive(db: Database, held: str) -> None:
    exported = await archive(db, room="!nosuch:eslov.se")

    assert (exported["room_id"], exported["meetings"], exported["actions"]) == ("!nosuch:eslov.se", [], [])
    assert as_csv(exported) == "\ufeffroom_id,number,text,owners,organisation,due,status,created_by,created_at,meeting_id,last_change_at\r\n"
    assert as_markdown(exported, Catalogue("sv")) == "# Åtgärder\n\nInga åtgärder.\n"


async def test_a_meeting_still_running_is_not_exported(db: Database, held: str) -> None:
    async with db.transaction() as tx:
        await MeetingRepo(tx).start(ROOM, None, "Extra", STOCKHOLM, None, utc(12, 8, 11), ANNA, utc(12, 8, 8))

    assert [m["name"] for m in (await archive(db))["meetings"]] == ["Örat mot marken"]


async def test_a_meeting_closed_by_itself_says_so_and_names_no_one(db: Database, held: str) -> None:
    async with db.transaction() as tx:
        repo = MeetingRepo(tx)
        meeting_id = await repo.start(ROOM, None, "Extra", STOCKHOLM, None, utc(12, 8, 11), ANNA, utc(12, 8, 8))
        await close(tx, await repo.get(meeting_id), "", utc(12, 8, 14), Catalogue("sv"), {}, "!protokoll 2026-12-08 1", closed_after=timedelta(hours=3))

    extra = (await archive(db, first=date(2026, 12, 8)))["meetings"][0]
    assert (extra["auto_closed"], extra["ended_by"], extra["ended_at"]) == (True, None, "2026-12-08T14:00:00+00:00")
    assert "Mötet stängdes automatiskt" in extra["minutes"]


# Reports


@pytest.fixture
async def reported(db: Database, held: str) -> None:
    """Three reports (one removed, one whose text would be a formula) and a `!report nothing`."""
    async with db.transaction() as tx:
        lists = ObservationListRepo(tx, AREAS)
        await lists.seed(ROOM, ("Centrum", "Berga"), ("Klotter", "Brand"), utc(11, 20, 9))
        [centrum, berga] = await lists.in_room(ROOM)
        [klotter, brand] = await ObservationListRepo(tx, CATEGORIES).in_room(ROOM)
        polisen = await OrganisationRepo(tx).named(ROOM, "Polisen", utc(11, 20, 9))
        repo = ObservationRepo(tx)
        await repo.create(ROOM, centrum.id, klotter.id, "På muren", polisen.id, LISA, utc(11, 30, 9), date(2026, 11, 29))
        await repo.create(ROOM, berga.id, brand.id, INJECTION, None, PER, utc(12, 2, 9), date(2026, 12, 2))
        await repo.create(ROOM, berga.id, klotter.id, "Fel område", None, PER, utc(12, 2, 9, 1), date(2026, 12, 2))
        await repo.remove(ROOM, 3, ANNA, utc(12, 2, 10))
        await repo.nothing_to_report(ROOM, polisen.id, LISA, utc(12, 3, 9))


async def test_json_holds_every_report_of_the_range_removed_ones_marked(db: Database, reported: None) -> None:
    exported = json.loads(as_json(await archive(db, first=date(2026, 12, 1))))

    assert exported["observations"] == [
        {
            "number": 2, "area": "Berga", "category": "Brand", "text": INJECTION, "organisation": None, "author": PER,
            "written_at": "2026-12-02T09:00:00+00:00", "happened_on": "2026-12-02", "removed_at": None, "removed_by": None,
        },
        {
            "number": 3, "area": "Berga", "category": "Klotter", "text": "Fel område", "organisation": None, "author": PER,
            "written_at": "2026-12-02T09:01:00+00:00", "happened_on": "2026-12-02", "removed_at": "2026-12-02T10:00:00+00:00",
            "removed_by": ANNA,
        },
    ]  # fmt: skip
    assert exported["nothing_to_report"] == [{"organisation": "Polisen", "by": LISA, "at": "2026-12-03T09:00:00+00:00"}]
    # The range goes by the day it happened.
    assert [o["number"] for o in (await archive(db, last=date(2026, 11, 30)))["observations"]] == [1]


# Safety walks


async def test_json_holds_each_walk_of_the_range_with_its_points_photos_keys_and_locations(db: Database, held: str) -> None:
    keys = {"url": "mxc://eslov.se/krypterad", "key": {"k": "hemlig"}, "iv": "iv", "hashes": {"sha256": "h"}, "v": "v2"}
    async with db.transaction() as tx:
        repo = WalkRepo(tx)
        first = await repo.start(ROOM, "Berga", "Kvällsvandring", ANNA, utc(12, 2, 18))
        await repo.add_point(first.id, "Parkvägen 3", "Trasig belysning", "Byt armatur", "Eslövs kommun", PER, "$p1",
                             "sb-p1", int(utc(12, 2, 18, 5).timestamp() * 1000), utc(12, 2, 18, 5))  # fmt: skip
        [point] = await repo.points(first.id)
        sent = int(utc(12, 2, 18, 6).timestamp() * 1000)
        await repo.attach(point.id, Attachment(PHOTO, "$photo", PER, sent, "lampan.png", "mxc://eslov.se/krypterad",
                                               "image/png", keys))  # fmt: skip
        await repo.attach(point.id, Attachment(LOCATION, "$place", PER, sent, "Plats", geo_uri="geo:55.8,13.3;u=35",
                                               latitude=55.8, longitude=13.3, uncertainty=35.0))  # fmt: skip
        await repo.made_action(point.id, 2)
        await repo.end(first.id, ANNA, utc(12, 2, 19), datetime(2027, 6, 2, 7, tzinfo=timezone.utc))
        await repo.start(ROOM, "Centrum", None, ANNA, utc(12, 9, 18))

    [walk] = json.loads(as_json(await archive(db, last=date(2026, 12, 8))))["walks"]

    assert walk == {
        "number": 1, "area": "Berga", "text": "Kvällsvandring", "started_by": ANNA,
        "started_at": "2026-12-02T18:00:00+00:00", "ended_by": ANNA, "ended_at": "2026-12-02T19:00:00+00:00",
        "followup_at": "2027-06-02T07:00:00+00:00",
        "points": [
            {
                "number": 1, "place": "Parkvägen 3", "what": "Trasig belysning", "proposal": "Byt armatur",
                "responsible": "Eslövs kommun", "author": PER, "written_at": "2026-12-02T18:05:00+00:00", "action": 2,
                "photos": [{"url": "mxc://eslov.se/krypterad", "filename": "lampan.png", "mimetype": "image/png",
                            "encryption": keys, "sent_by": PER, "sent_at": "2026-12-02T18:06:00+00:00"}],
                "locations": [{"geo_uri": "geo:55.8,13.3;u=35", "latitude": 55.8, "longitude": 13.3,
                               "uncertainty": 35.0, "sent_by": PER, "sent_at": "2026-12-02T18:06:00+00:00"}],
            }
        ],
    }  # fmt: skip
    assert [w["number"] for w in (await archive(db))["walks"]] == [1, 2]  # the second still going on


async def test_each_meeting_carries_the_counts_of_the_round_it_closed(db: Database, reported: None) -> None:
    [exported] = (await archive(db))["meetings"]

    # 2 December is after the round, and the removed report does not count
    assert exported["situation"] == {
        "from": "2026-11-24T23:00:00+00:00",
        "to": "2026-12-01T23:00:00+00:00",
        "total": 1,
        "counts": [{"area": "Centrum", "category": "Klotter", "n": 1}],
    }


async def test_a_series_meeting_closes_the_round_since_the_meeting_before(db: Database) -> None:
    async with db.transaction() as tx:
        series = SeriesRepo(tx)
        series_id = await series.create(
            room_id=ROOM, name="Örat mot marken", schedule=parse_schedule("weekly tuesday 09:00".split(), date(2026, 11, 1)),
            anchor=date(2026, 11, 1), duration=timedelta(minutes=30), location="", reminders=(), zone=STOCKHOLM,
            now=utc(11, 20, 9),
        )  # fmt: skip
        meetings = MeetingRepo(tx)
        for started in (utc(11, 24, 8, 5), utc(12, 1, 8, 3)):  # each a few minutes late
            scheduled = started.replace(minute=0)
            meeting_id = await meetings.start(
                ROOM, series_id, "Örat mot marken", STOCKHOLM, scheduled, scheduled + timedelta(minutes=30), ANNA, started
            )
            await close(tx, await meetings.get(meeting_id), ANNA, started + timedelta(minutes=20), Catalogue("sv"), {}, "!protokoll")
        lists = ObservationListRepo(tx, AREAS)
        await lists.seed(ROOM, ("Centrum",), ("Klotter",), utc(11, 20, 9))
        [centrum] = await lists.in_room(ROOM)
        [klotter] = await ObservationListRepo(tx, CATEGORIES).in_room(ROOM)
        for day in (23, 25, 30):
            await ObservationRepo(tx).create(ROOM, centrum.id, klotter.id, "Klotter", None, PER, utc(11, day, 9), date(2026, 11, day))

    first, second = (await archive(db))["meetings"]

    assert (first["situation"]["to"], first["situation"]["total"]) == ("2026-11-24T08:05:00+00:00", 1)
    assert second["situation"] == {
        "from": "2026-11-24T08:05:00+00:00",
        "to": "2026-12-01T08:03:00+00:00",
        "total": 2,
        "counts": [{"area": "Centrum", "category": "Klotter", "n": 2}],
    }


async def test_csv_of_reports_has_one_row_each_and_keeps_text_from_becoming_a_formula(db: Database, reported: None) -> None:
    text = as_csv(await archive(db), "observations")

    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert text.startswith("\ufeffroom_id,number,area,category,text,")
    assert rows == [
        ["room_id", "number", "area", "category", "text", "organisation", "author", "written_at", "happened_on", "removed_at", "removed_by"],
        [ROOM, "1", "Centrum", "Klotter", "På muren", "Polisen", LISA, "2026-11-30T09:00:00+00:00", "2026-11-29", "", ""],
        [ROOM, "2", "Berga", "Brand", "'" + INJECTION, "", PER, "2026-12-02T09:00:00+00:00", "2026-12-02", "", ""],
        [ROOM, "3", "Berga", "Klotter", "Fel område", "", PER, "2026-12-02T09:01:00+00:00", "2026-12-02", "2026-12-02T10:00:00+00:00", ANNA],
    ]  # fmt: skip


def test_the_command_line_writes_the_reports_csv(
    db: Database, reported: None, cli_env: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["export", "--room", ROOM, "--format", "csv", "--table", "observations", "--from", "2026-12-02"]) == 0

    out = capfdbinary.readouterr().out.decode("utf-8")
    assert out.startswith("\ufeffroom_id,number,area,") and out.count("\r\n") == 3 and "Fel område" in out


# CSV


async def test_csv_has_one_row_per_action_and_keeps_text_from_becoming_a_formula(db: Database, held: str) -> None:
    text = as_csv(await archive(db))

    assert text.startswith("\ufeffroom_id,number,text,owners,organisation,due,status,created_by,created_at,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [
        ["room_id", "number", "text", "owners", "organisation", "due", "status", "created_by", "created_at", "meeting_id", "last_change_at"],
        [ROOM, "1", "Kolla kamerorna", "", "Polisen", "", "open", ANNA, "2026-11-24T10:00:00+00:00", "", "2026-12-04T08:00:00+00:00"],
        [
            ROOM, "2", "Sätt upp skyltar\nvid parken", f"{PER} {LISA}", "", "2026-12-10", "open", ANNA,
            "2026-12-01T08:12:00+00:00", "1", "2026-12-01T08:13:00+00:00",
        ],
        [ROOM, "3", "'" + INJECTION, "", "Räddningstjänsten", "", "open", PER, "2026-12-01T23:30:00+00:00", "", "2026-12-01T23:30:00+00:00"],
    ]  # fmt: skip


# Agreements


async def agreed(db: Database) -> None:
    """Samverkan 2026 with two priorities, the second removed, and Samverkan 2027 carrying the first on; action #1
    serves P1 of both, #2 P1 of 2026 only."""
    async with db.transaction() as tx:
        repo = AgreementRepo(tx)
        klotter = await ObservationListRepo(tx, CATEGORIES).add(ROOM, "Klotter", utc(1, 5, 9))
        first = await repo.create(ROOM, "Samverkan 2026", date(2026, 1, 1), date(2026, 12, 31), ANNA, utc(1, 5, 9))
        await repo.add_priority(first.id, "Minska klottret", "Halvera anmälningarna", ("Polisen",), (klotter.id,), ANNA, utc(1, 5, 9))
        removed = await repo.add_priority(first.id, "Fel", None, (), (), ANNA, utc(1, 5, 9))
        await repo.remove_priority(await repo.priority(first.id, removed), ANNA, utc(1, 5, 10))
        await repo.link(ROOM, 1, first.id, 1)
        await repo.link(ROOM, 2, first.id, 1)
        second = await repo.create(ROOM, "Samverkan 2027", date(2027, 1, 1), date(2027, 12, 31), ANNA, utc(12, 5, 9))
        await repo.add_priority(second.id, "Minska klottret", None, ("Polisen",), (), ANNA, utc(12, 5, 9), (first.id, 1))
        await repo.link(ROOM, 1, second.id, 1)


async def test_json_holds_the_agreements_with_their_priorities_and_linked_actions(db: Database, held: str) -> None:
    await agreed(db)

    [first, second] = json.loads(as_json(await archive(db)))["agreements"]

    assert (first["name"], first["from"], first["to"]) == ("Samverkan 2026", "2026-01-01", "2026-12-31")
    assert first["priorities"] == [
        {
            "number": 1, "text": "Minska klottret", "goal": "Halvera anmälningarna", "organisations": ["Polisen"],
            "categories": ["Klotter"], "carried_from": None, "removed_at": None, "actions": [1, 2],
        },
        {
            "number": 2, "text": "Fel", "goal": None, "organisations": [], "categories": [], "carried_from": None,
            "removed_at": "2026-01-05T10:00:00+00:00", "actions": [],
        },
    ]  # fmt: skip
    assert second["priorities"][0]["carried_from"] == {"agreement_id": first["id"], "number": 1}
    assert second["priorities"][0]["actions"] == [1]
    # The range takes the agreements whose period touches it.
    assert [a["name"] for a in (await archive(db, first=date(2027, 3, 1)))["agreements"]] == ["Samverkan 2027"]


async def test_markdown_ends_with_each_agreement_and_its_priorities_actions(db: Database, held: str) -> None:
    await agreed(db)

    text = as_markdown(await archive(db), Catalogue("sv"))

    assert text.endswith(
        "# Samverkan 2026\n\nPeriod: 2026-01-01 – 2026-12-31\n\n"
        "- P1 Minska klottret — #1, #2\n- P2 Fel (borttagen) — inga åtgärder\n"
        "\n---\n\n"
        "# Samverkan 2027\n\nPeriod: 2027-01-01 – 2027-12-31\n\n- P1 Minska klottret — #1\n"
    )


# Markdown


async def test_markdown_is_the_minutes_then_a_table_of_the_actions(db: Database, held: str) -> None:
    text = as_markdown(await archive(db), Catalogue("sv"))

    assert text == held + "\n---\n\n" + (
        "# Åtgärder\n"
        "\n"
        "| Nr | Åtgärd | Ansvariga | Senast | Status | Registrerad |\n"
        "|---|---|---|---|---|---|\n"
        "| #1 | Kolla kamerorna | Polisen |  | öppen | 2026-11-24 |\n"
        f"| #2 | Sätt upp skyltar vid parken | {PER}, {LISA} | 2026-12-10 | öppen | 2026-12-01 |\n"
        f"| #3 | {INJECTION} | Räddningstjänsten |  | öppen | 2026-12-02 |\n"
    )


async def test_markdown_table_in_english_escapes_what_would_break_it(db: Database, held: str) -> None:
    async with db.transaction() as tx:
        await ActionRepo(tx).create(ROOM, "A | B <b>C</b>", (), None, None, ANNA, utc(12, 5, 9))

    text = as_markdown(await archive(db, first=date(2026, 12, 5)), Catalogue("en"))

    assert text == (
        "# Actions\n\n| No. | Action | Owners | Due | Status | Logged |\n|---|---|---|---|---|---|\n"
        "| #4 | A \\| B \\<b\\>C\\</b\\> |  |  | open | 2026-12-05 |\n"
    )


# The command line


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The settings `run` would read, from the environment; the data dir is the test's database."""
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    monkeypatch.setenv("BOT_HOMESERVER", "https://matrix.eslov.se")
    monkeypatch.setenv("BOT_USER_ID", "@samverkan-bot:eslov.se")
    monkeypatch.setenv("BOT_PASSWORD", "dummy-password")
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path))
    return tmp_path


def test_export_to_a_file_never_overwrites_without_force(
    db: Database, held: str, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cli_env / "arkiv.json"
    args = ["export", "--room", ROOM, "--format", "json", "--output", str(out)]

    assert main(args) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["actions"][1]["due"] == "2026-12-10"
    out.write_text("kept")
    assert main(args) == 1
    assert capsys.readouterr().err == f"samverkan-bot: {out} exists; add --force to overwrite it\n"
    assert out.read_text() == "kept"
    assert main([*args, "--force", "--to", "2026-11-30"]) == 0
    assert [a["number"] for a in json.loads(out.read_text(encoding="utf-8"))["actions"]] == [1]


def test_export_writes_to_standard_output(db: Database, held: str, cli_env: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "--room", ROOM, "--format", "csv", "--from", "2026-12-02"]) == 0

    out = capfdbinary.readouterr().out.decode("utf-8")
    assert out.startswith("\ufeffroom_id,") and out.count("\r\n") == 2 and "Räddningstjänsten" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--room", "orat", "--format", "json"],
        ["--room", "#orat", "--format", "json"],
        ["--room", ROOM, "--format", "pdf"],
        ["--room", ROOM],
        ["--room", ROOM, "--format", "json", "--from", "1/12"],
    ],
)
def test_bad_arguments_exit_2(cli_env: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", *args])
    assert exit_.value.code == 2


def test_a_range_ending_before_it_starts_exits_2(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--room", ROOM, "--format", "md", "--from", "2026-12-02", "--to", "2026-12-01"]) == 2
    assert capsys.readouterr().err == "samverkan-bot export: --from 2026-12-02 is after --to 2026-12-01\n"


def test_invalid_settings_exit_2(cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BOT_TIMEZONE", "Mars/Base")

    with pytest.raises(SystemExit) as exit_:
        main(["export", "--room", ROOM, "--format", "md"])
    assert exit_.value.code == 2
    assert "BOT_TIMEZONE: unknown time zone 'Mars/Base'" in capsys.readouterr().err


def test_a_data_dir_without_a_database_is_an_error_not_an_empty_archive(
    tmp_path: Path, cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "elsewhere"))

    assert main(["export", "--room", ROOM, "--format", "json"]) == 1
    assert capsys.readouterr().err.startswith(f"samverkan-bot: no database at {tmp_path / 'elsewhere'}/")
    assert not (tmp_path / "elsewhere").exists()


def test_a_database_newer_than_the_code_is_refused(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with closing(sqlite3.connect(cli_env / DB_NAME)) as newer:
        newer.execute(f"PRAGMA user_version = {LATEST + 1:d}")

    assert main(["export", "--room", ROOM, "--format", "json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("samverkan-bot: database ") and "newer than this samverkan-bot understands" in err
    assert err.count("\n") == 1


async def test_export_uses_the_given_clock_for_exported_at(db: Database, held: str, tmp_path: Path) -> None:
    out = tmp_path / "arkiv.json"
    await export(make_settings(data_dir=tmp_path), ROOM, "json", output=out, clock=FakeClock(NOW))

    assert json.loads(out.read_text(encoding="utf-8"))["exported_at"] == "2026-12-10T12:00:00+00:00"
