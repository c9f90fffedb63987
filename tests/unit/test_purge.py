"""Retention: what a purge deletes and keeps, what it exports first, and a purge killed at the worst moments."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from bot.__main__ import main
from bot.clock import FakeClock
from bot.features import FEATURES
from bot.purge import PurgeError, purge
from bot.retention import parse_period
from bot.settings import SettingsError
from bot.store.db import Database
from bot.store.retention import RetentionRepo
from tests.unit.handlers import START, Chat
from tests.unit.helpers import ROOM, make_settings

LATER = START + relativedelta(years=3)
ALL = {"observations": "2 år", "agenda_items": "2 år", "actions": "2 years", "meetings": "24 months", "walks": "2 år"}


class Crash(BaseException):
    """Stands in for the process dying: nothing after it runs, no handler catches it."""


@pytest.fixture
async def history(chat: Chat, clock: FakeClock) -> Chat:
    """A meeting in 2026 that discussed an item, decided and agreed two actions (one, for the year's agreement,
    done since), a report from then; and, two and a half years later, an open item, an open action and a new
    report. And a safety walk in 2026."""
    await chat.send("!dagordning ny Klotter vid busstationen")
    await chat.send("!överenskommelse ny Samverkan 2026 2026-01-01 2026-12-31")
    await chat.send("!överenskommelse lägg till Mindre klotter i centrum")
    await chat.send("!möte start")
    await chat.send("!dagordning klar 1 Polisen tar det")
    await chat.send("!beslut Kommunen sanerar inom en vecka")
    await chat.send("!åtgärd Sanera klottret för Eslövs kommun prio 1")
    await chat.send("!åtgärd Följ upp belysningen")
    await chat.send("!möte slut")
    await chat.send("!rapport Centrum Klotter På muren vid torget")
    await chat.send("!vandring start Centrum Kvällsvandring")
    await chat.send("!punkt Torget: Trasig lampa förslag Byt lampan ansvarig Eslövs kommun")
    await chat.send("!vandring slut")
    clock.advance(timedelta(days=2))
    await chat.send("!klar 1 Sanerat")
    clock.advance(timedelta(days=365 * 2 + 180))
    await chat.send("!dagordning ny Trasig belysning i Berga")
    await chat.send("!åtgärd Byt lamporna i gångtunneln")
    await chat.send("!rapport Berga Belysning Mörkt i gångtunneln")
    return chat


async def rows(db: Database, sql: str) -> list[tuple]:
    async with db.reading() as conn:
        async with conn.execute(sql) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


async def everything(db: Database) -> dict[str, list[tuple]]:
    tables = ("agenda_items", "actions", "action_owners", "action_history", "meetings", "participants", "decisions",
              "observations", "nothing_reported", "walks", "walk_points", "walk_attachments")  # fmt: skip
    return {table: await rows(db, f"SELECT * FROM {table} ORDER BY 1, 2") for table in tables}


def test_retention_periods_read_in_both_languages() -> None:
    assert parse_period("3 år").delta == relativedelta(years=3)
    assert parse_period("18 months").delta == relativedelta(months=18)
    assert parse_period(" 90  dagar ").text == "90 dagar"
    assert parse_period("2w").delta == relativedelta(weeks=2)
    for bad in ("forever", "0 years", "3", "år", "-1 year", "3 eons"):
        with pytest.raises(ValueError, match="is not a retention period such as '3 years'"):
            parse_period(bad)
    with pytest.raises(SettingsError, match="retention.meetings"):
        make_settings(retention={"meetings": "för alltid"})


async def test_a_purge_exports_then_deletes_only_what_has_been_kept_long_enough(
    db: Database, history: Chat, tmp_path: Path
) -> None:
    settings = make_settings(retention=ALL, data_dir=tmp_path)

    outcome = await purge(db, settings, LATER)

    assert outcome.deleted == {
        ROOM: {"actions": 1, "agenda_items": 1, "observations": 1, "nothing_reported": 0, "meetings": 1, "walks": 1}
    }
    assert await rows(db, "SELECT text FROM agenda_items") == [("Trasig belysning i Berga",)]
    assert await rows(db, "SELECT number, status, meeting_id FROM actions ORDER BY number") == [
        (2, "open", None),  # agreed in the meeting that went: kept while open, without the meeting
        (3, "open", None),
    ]
    assert await rows(db, "SELECT number FROM action_history WHERE number = 1") == []
    assert await rows(db, "SELECT count(*) FROM action_priorities") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM priorities") == [(1,)]  # the agreement is kept for good
    assert await rows(db, "SELECT number FROM observations") == [(2,)]
    assert await rows(db, "SELECT count(*) FROM meetings") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM decisions") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM participants") == [(0,)]
    assert await rows(db, "SELECT count(*) FROM walk_points") == [(0,)] == await rows(db, "SELECT count(*) FROM walks")

    assert outcome.folder.parent == tmp_path / "purged"
    name = ROOM.lstrip("!").replace(":", "_")
    assert sorted(p.name for p in outcome.folder.iterdir()) == [
        f"{name}.actions.csv", f"{name}.json", f"{name}.md", f"{name}.observations.csv"
    ]  # fmt: skip
    archive = json.loads((outcome.folder / f"{name}.json").read_text(encoding="utf-8"))
    assert [a["number"] for a in archive["actions"]] == [1]
    assert archive["actions"][0]["history"][-1]["kind"] == "done"
    assert [o["text"] for o in archive["observations"]] == ["På muren vid torget"]
    assert [i["text"] for i in archive["agenda_items"]] == ["Klotter vid busstationen"]
    (meeting,) = archive["meetings"]
    assert [d["text"] for d in meeting["decisions"]] == ["Kommunen sanerar inom en vecka"]
    assert "Kommunen sanerar inom en vecka" in meeting["minutes"]
    assert "Kommunen sanerar inom en vecka" in (outcome.folder / f"{name}.md").read_text(encoding="utf-8")
    (walk,) = archive["walks"]
    assert walk["area"] == "Centrum" and [p["place"] for p in walk["points"]] == ["Torget"]
    assert outcome.lines()[0] == f"{ROOM}: 1 observations, 1 agenda items, 1 actions, 1 meetings, 1 walks deleted"


async def test_a_purge_keeps_what_retention_says_to_keep(db: Database, history: Chat, tmp_path: Path) -> None:
    before = await everything(db)
    settings = make_settings(retention={"observations": "2 år"}, data_dir=tmp_path)

    outcome = await purge(db, settings, LATER)

    after = await everything(db)
    assert after["observations"] == before["observations"][1:]
    assert {t: r for t, r in after.items() if t != "observations"} == {t: r for t, r in before.items() if t != "observations"}
    assert outcome.kept_for_good == ("agenda_items", "actions", "meetings", "walks")
    assert outcome.lines()[-1] == "kept for good (no retention period set): agenda items, actions, meetings, walks"
    assert await purge(db, make_settings(data_dir=tmp_path), LATER + relativedelta(years=10)) == type(outcome)(
        False, kept_for_good=("observations", "agenda_items", "actions", "meetings", "walks")
    )  # nothing set: nothing goes, ever
    assert await everything(db) == after


async def test_a_dry_run_deletes_and_writes_nothing(db: Database, history: Chat, tmp_path: Path) -> None:
    before = await everything(db)

    outcome = await purge(db, make_settings(retention=ALL, data_dir=tmp_path), LATER, dry_run=True)

    assert await everything(db) == before
    assert not (tmp_path / "purged").exists() and outcome.folder is None
    assert outcome.found[ROOM] == {
        "observations": 1, "agenda_items": 1, "actions": 1, "meetings": 1, "walks": 1, "nothing_reported": 0
    }  # fmt: skip
    assert outcome.lines() == [f"{ROOM}: 1 observations, 1 agenda items, 1 actions, 1 meetings, 1 walks would go"]


async def test_a_purge_killed_between_export_and_delete_loses_nothing_and_the_next_run_finishes(
    db: Database, history: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(retention=ALL, data_dir=tmp_path)
    before = await everything(db)

    async def dying(*args, **kwargs):
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(RetentionRepo, "delete", dying)
        with pytest.raises(Crash):
            await purge(db, settings, LATER)

    assert await everything(db) == before
    (exported,) = (tmp_path / "purged").iterdir()
    assert len(json.loads(next(exported.glob("*.json")).read_text())["actions"]) == 1
    outcome = await purge(db, settings, LATER)
    assert outcome.deleted[ROOM]["actions"] == 1 and len(list((tmp_path / "purged").iterdir())) == 2


async def test_a_purge_killed_during_the_delete_leaves_everything_and_the_next_run_finishes(
    db: Database, history: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(retention=ALL, data_dir=tmp_path)
    before = await everything(db)
    original, calls = RetentionRepo._run, []

    async def dying(self, *statements):
        calls.append(statements)
        if len(calls) == 3:  # the actions and the agenda items are gone, in the transaction
            raise Crash
        return await original(self, *statements)

    with monkeypatch.context() as patch:
        patch.setattr(RetentionRepo, "_run", dying)
        with pytest.raises(Crash):
            await purge(db, settings, LATER)

    assert await everything(db) == before
    outcome = await purge(db, settings, LATER)
    assert outcome.deleted[ROOM] == {
        "actions": 1, "agenda_items": 1, "observations": 1, "nothing_reported": 0, "meetings": 1, "walks": 1
    }  # fmt: skip


async def test_an_action_reopened_after_the_export_is_not_deleted(
    db: Database, history: Chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rules are asked again in the deleting transaction: what changed since the export stays."""
    settings = make_settings(retention=ALL, data_dir=tmp_path)
    original = RetentionRepo.delete

    async def reopened_first(self, due, cutoffs):
        await self.conn.execute("UPDATE actions SET status = 'open' WHERE number = 1")
        return await original(self, due, cutoffs)

    monkeypatch.setattr(RetentionRepo, "delete", reopened_first)
    outcome = await purge(db, settings, LATER)

    assert outcome.deleted[ROOM]["actions"] == 0
    assert await rows(db, "SELECT number FROM actions ORDER BY number") == [(1,), (2,), (3,)]


async def test_an_export_that_cannot_be_written_deletes_nothing(db: Database, history: Chat, tmp_path: Path) -> None:
    (tmp_path / "purged").write_text("a file where the folder should be")
    before = await everything(db)

    with pytest.raises(PurgeError, match="the export could not be written to .*; nothing was deleted"):
        await purge(db, make_settings(retention=ALL, data_dir=tmp_path), LATER)

    assert await everything(db) == before


async def test_purge_from_the_command_line(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings from the environment and the TOML file; a dry run, then the purge, as of today."""
    long_ago = Chat(db, FakeClock(START - relativedelta(years=4)))
    await long_ago.send("!åtgärd Sanera klottret")
    await long_ago.send("!klar 1")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bot.toml").write_text('[retention]\nactions = "1 år"\n', encoding="utf-8")
    for key, value in {
        "HOMESERVER": "https://matrix.eslov.se", "USER_ID": "@samverkan-bot:eslov.se", "PASSWORD": "dummy-password",
        "DATA_DIR": str(db.path.parent), "CONFIG": str(tmp_path / "bot.toml"),
    }.items():  # fmt: skip
        monkeypatch.setenv(f"BOT_{key}", value)

    assert await asyncio.to_thread(main, ["purge", "--dry-run", "--to", str(tmp_path / "arkiv")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"{ROOM}: 1 actions would go"
    assert not (tmp_path / "arkiv").exists()
    assert await asyncio.to_thread(main, ["purge", "--to", str(tmp_path / "arkiv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{ROOM}: 1 actions deleted" and out[1].startswith(f"exported first to {tmp_path / 'arkiv'}/purge-")
    assert await rows(db, "SELECT count(*) FROM actions") == [(0,)]


# On a schedule


async def test_the_bot_purges_daily_at_its_time_once_across_restarts(
    db: Database, history: Chat, clock: FakeClock, tmp_path: Path
) -> None:
    from bot.feature import Effects, Services
    from bot.features.retention import KEY, PURGES
    from bot.i18n import Catalogue
    from tests.unit.handlers import utc
    from tests.unit.helpers import STOCKHOLM

    job = FEATURES.jobs[PURGES]
    off = Services(db, clock, Catalogue("sv"), make_settings(data_dir=tmp_path))
    assert await job.run(off, None, Effects()) == {KEY: None}  # no period set: never scheduled

    settings = make_settings(retention={**ALL, "purge_at": "03:30"}, data_dir=tmp_path)
    services = Services(db, clock, Catalogue("sv"), settings)
    clock.advance(LATER - clock.now())  # 30 November 2029, 11:00 in Stockholm
    first = (await job.run(services, None, Effects()))[KEY]
    assert first.astimezone(STOCKHOLM).replace(tzinfo=None).isoformat() == "2029-12-01T03:30:00"
    assert await rows(db, "SELECT count(*) FROM actions") == [(3,)]  # the first start only sets the time

    clock.advance(first - clock.now())
    again = (await job.run(services, frozenset({KEY}), Effects()))[KEY]
    assert again == first + timedelta(days=1)
    assert await rows(db, "SELECT count(*) FROM actions") == [(2,)]
    (folder,) = (tmp_path / "purged").iterdir()

    clock.advance(first + timedelta(hours=2) - clock.now())  # restarted the same morning: not again today
    assert (await job.run(services, None, Effects()))[KEY] == again
    assert list((tmp_path / "purged").iterdir()) == [folder]
    clock.advance(utc(2029, 12, 5, 12) - clock.now())  # away for days: once when back, then at the time again
    assert (await job.run(services, None, Effects()))[KEY] == utc(2029, 12, 6, 2, 30)
    assert len(list((tmp_path / "purged").iterdir())) == 1  # nothing more was due: no empty export
