"""The yearly agreement: the quarters of its period and when its posts fall due (across the year end), how a priority
stands by its actions, the priority's clauses and `prio <n>`, and the commands in a room of the handler tier: bad
input stores nothing, the trend of its categories, the report's file, and the job that posts the status once per
quarter. Decided from explicit times on a FakeClock; the timers are never started."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest

from bot.agreement import PREPARE, STATUS, Quarter, add_months, decide, next_due, posts, quarters, standing
from bot.clock import FakeClock
from bot.errors import UsageError
from bot.feature import Effects, Services
from bot.features import FEATURES
from bot.features.agreement import POSTS
from bot.i18n import Catalogue
from bot.parsing import parse_action, parse_priority
from bot.store.actions import CANCELLED, DONE, OPEN, Action
from bot.store.agreements import AgreementRepo
from bot.store.db import Database
from tests.unit.handlers import ANNA, OLLE, PNR, START, TODAY, Chat, member_names, utc
from tests.unit.helpers import ROOM, STOCKHOLM, make_settings
from tests.unit.test_edits import edit, say, the_edit

# The quarters and the posts.


def test_months_are_added_from_the_day_and_a_missing_day_is_the_months_last() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 15), -12) == date(2026, 1, 15)


def test_a_calendar_year_has_the_calendar_quarters() -> None:
    assert quarters(date(2027, 1, 1), date(2027, 12, 31), 3) == [
        Quarter(1, date(2027, 1, 1), date(2027, 3, 31)),
        Quarter(2, date(2027, 4, 1), date(2027, 6, 30)),
        Quarter(3, date(2027, 7, 1), date(2027, 9, 30)),
        Quarter(4, date(2027, 10, 1), date(2027, 12, 31)),
    ]


def test_quarters_run_across_the_year_end_counted_from_the_periods_first_day() -> None:
    found = quarters(date(2026, 11, 1), date(2027, 10, 31), 3)

    assert [(q.first, q.last) for q in found] == [
        (date(2026, 11, 1), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 4, 30)),
        (date(2027, 5, 1), date(2027, 7, 31)),
        (date(2027, 8, 1), date(2027, 10, 31)),
    ]
    assert found[0].reported_on == date(2027, 2, 1)
    # A day a month lacks does not shift the next quarter: 31 August, 30 November, 28 February, 31 May.
    assert [q.first for q in quarters(date(2026, 8, 31), date(2027, 8, 30), 3)] == [
        date(2026, 8, 31), date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 31)
    ]  # fmt: skip


def test_a_period_that_is_no_whole_number_of_quarters_ends_with_a_short_one() -> None:
    found = quarters(date(2027, 1, 1), date(2027, 5, 15), 3)

    assert found[-1] == Quarter(2, date(2027, 4, 1), date(2027, 5, 15))


def test_posts_come_at_nine_local_time_the_day_after_each_quarter_and_thirty_days_before_the_end() -> None:
    found = posts(date(2026, 11, 1), date(2027, 10, 31), STOCKHOLM, time(9), 3, timedelta(days=30))

    assert [(p.kind, p.seq, p.due_at) for p in found] == [
        (STATUS, 1, utc(2027, 2, 1, 8)),  # winter time: 09:00 is 08:00 UTC
        (STATUS, 2, utc(2027, 5, 1, 7)),  # summer time: 07:00 UTC
        (STATUS, 3, utc(2027, 8, 1, 7)),
        (PREPARE, 0, utc(2027, 10, 1, 7)),
        (STATUS, 4, utc(2027, 11, 1, 8)),  # after the period, the status of its last quarter
    ]


PLAN = posts(date(2027, 1, 1), date(2027, 12, 31), STOCKHOLM, time(9), 3, timedelta(days=30))
MADE = utc(2026, 12, 10, 9)
END = utc(2027, 12, 31, 23)  # midnight after the last day, Stockholm


def outcomes(now: datetime, decided: frozenset = frozenset(), made: datetime = MADE) -> list[tuple[str, int, str]]:
    return [(d.post.kind, d.post.seq, d.outcome) for d in decide(PLAN, set(decided), made, END, now)]


def test_a_status_is_sent_on_time_late_or_skipped() -> None:
    due = utc(2027, 4, 1, 7)

    assert outcomes(due - timedelta(minutes=1)) == []
    assert outcomes(due + timedelta(minutes=1)) == [(STATUS, 1, "sent")]
    assert outcomes(due + timedelta(hours=3)) == [(STATUS, 1, "late")]
    # An agreement made after the time of a post does not post it.
    assert outcomes(due + timedelta(hours=3), made=due + timedelta(hours=1)) == [(STATUS, 1, "skipped")]


def test_exactly_once_per_quarter_and_the_next_is_known() -> None:
    due = utc(2027, 4, 1, 7)

    assert outcomes(due + timedelta(minutes=1), frozenset({(STATUS, 1)})) == []
    assert next_due(PLAN, {(STATUS, 1)}, due) == utc(2027, 7, 1, 7)


def test_after_a_long_absence_only_the_latest_status_is_posted() -> None:
    assert outcomes(utc(2027, 7, 1, 7, 30)) == [(STATUS, 1, "skipped"), (STATUS, 2, "late")]


def test_the_reminder_to_prepare_comes_once_and_not_after_the_period() -> None:
    due = utc(2027, 12, 1, 8)

    assert (PREPARE, 0, "sent") in outcomes(
        due + timedelta(minutes=1), frozenset({(STATUS, 1), (STATUS, 2), (STATUS, 3)})
    )
    assert outcomes(utc(2028, 1, 2, 8), frozenset({(STATUS, 1), (STATUS, 2), (STATUS, 3)})) == [
        (PREPARE, 0, "skipped"), (STATUS, 4, "late")
    ]  # fmt: skip


# How a priority stands.


def action(number: int, status: str = OPEN, due: date | None = None) -> Action:
    return Action(ROOM, number, "Gör något", None, due, None, status, ANNA, START, ())


def test_a_priority_without_actions_is_flagged() -> None:
    assert standing([], TODAY).flag == "no_actions"
    # A cancelled action is no action either.
    assert standing([action(1, CANCELLED)], TODAY).flag == "no_actions"


def test_a_priority_with_an_overdue_action_is_flagged_whatever_else_is_done() -> None:
    found = standing([action(3, DONE), action(2, due=TODAY - timedelta(days=1)), action(1, due=TODAY)], TODAY)

    assert found.flag == "overdue"
    assert (found.open, found.overdue, found.done, found.cancelled) == ((1, 2), (2,), 1, 0)


def test_a_priority_with_an_action_under_way_or_done_is_on_track() -> None:
    assert standing([action(1, due=TODAY)], TODAY).flag is None
    assert standing([action(1, DONE), action(2, CANCELLED)], TODAY).flag is None


# Writing a priority, and linking an action as it is logged.


def test_a_priorities_clauses_come_in_any_order_after_its_text() -> None:
    found = parse_priority(
        "Trygghet för äldre kategorier Otrygg plats, Belysning mål Färre otrygga platser för Polisen och Eslövs kommun"
    )

    assert found.text == "Trygghet för äldre"
    assert found.goal == "Färre otrygga platser"
    assert found.organisations == ("Polisen", "Eslövs kommun")
    assert found.categories == ("Otrygg plats", "Belysning")


def test_an_empty_clause_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        parse_priority("Minska klottret mål")
    assert raised.value.key == "priority.goal_missing"


@pytest.mark.parametrize(
    ("body", "text", "priority"),
    [
        ("Sanera klotter prio 2", "Sanera klotter", 2),
        ("Sanera klotter prioritet P2 senast fredag", "Sanera klotter", 2),
        ("Sanera klotter senast fredag priority 3", "Sanera klotter", 3),
        ("Ge det hög prio", "Ge det hög prio", None),
        ("Ta det med prio nu", "Ta det med prio nu", None),
    ],
)
def test_prio_links_an_action_as_it_is_logged(body: str, text: str, priority: int | None) -> None:
    found = parse_action(body, None, (), "@bot:eslov.se", TODAY)

    assert (found.text, found.priority) == (text, priority)


# In a room.


async def agreement_tables(db: Database) -> list[list[tuple]]:
    found = []
    async with db.reading() as conn:
        for table in ("agreements", "priorities", "priority_organisations", "priority_categories", "action_priorities"):
            async with conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cursor:
                found.append([tuple(row) for row in await cursor.fetchall()])
    return found


async def with_agreement(chat: Chat) -> None:
    await chat.send("!org set Polisen")
    await chat.send("!överenskommelse ny Samverkan 2027 2027-01-01 2027-12-31")
    await chat.send(
        "!överenskommelse lägg till Minska klottret i centrum mål Halvera anmälningarna för Polis kategorier klotter"
    )


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("!överenskommelse lägg till Tryggare torg kategorier Klotterr", "Menade du Klotter?"),
        ("!överenskommelse lägg till Tryggare torg för Polisenn", "Menade du Polisen?"),
        ("!överenskommelse lägg till mål Färre anmälningar", "Skriv prioriteringen"),
        ("!överenskommelse lägg till Tryggare torg mål", "Skriv målet efter mål."),
        (f"!överenskommelse lägg till Ring {PNR} om torget", "personnummer"),
        ("!överenskommelse ändra P7 mål Inget", "Samverkan 2027 har ingen prioritering P7"),
        ("!överenskommelse ändra P1", "Skriv vad som ändras"),
        ("!överenskommelse ta bort Px", '"Px" är ingen prioritering'),
        ("!överenskommelse ny Samverkan 2028", "Skriv namnet och perioden"),
        ("!överenskommelse ny Samverkan 2027-06-01 2027-12-31", "Perioden börjar innan Samverkan 2027 har gått ut"),
        ("!överenskommelse ny Fel 2028-12-31 2028-01-01", "Perioden slutar innan den börjar"),
        ("!överenskommelse för över P1", "Det finns ingen tidigare överenskommelse"),
        ("!överenskommelse 20x6", '"20x6" är inget år'),
        ("!överenskommelse rapprt", "Menade du `!överenskommelse rapport`?"),
        ("!åtgärd Sanera klotter prio 4", "Samverkan 2027 har ingen prioritering P4"),
        ("!åtgärd koppla 9 P1", "Det finns ingen åtgärd #9"),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_stores_nothing(chat: Chat, body: str, said: str) -> None:
    await with_agreement(chat)
    before = (await agreement_tables(chat.db), await chat.tables())

    reply = await chat.send(body)

    assert said in reply
    assert (await agreement_tables(chat.db), await chat.tables()) == before


async def test_a_period_may_be_written_in_words_and_without_years(chat: Chat) -> None:
    # On 30 November 2026: 1 January is the next one, and 31 December the next one after it.
    said = await chat.send("!överenskommelse ny Samverkan nästa år 1 januari till 31 dec")
    assert said.startswith("Samverkan nästa år gäller 1 januari 2027 – 31 december 2027.")


async def test_only_moderators_change_the_agreement_but_everyone_reads_it(chat: Chat) -> None:
    await with_agreement(chat)
    before = await agreement_tables(chat.db)

    assert "behörighetsnivå" in await chat.send("!överenskommelse lägg till Tryggare torg", sender=OLLE)
    assert await agreement_tables(chat.db) == before
    assert (await chat.send("!överenskommelse", sender=OLLE)).startswith(
        "Samverkan 2027, 1 januari 2027 – 31 december 2027:"
    )


async def test_the_agreement_shows_each_prioritys_actions_flag_and_next_status(chat: Chat, clock: FakeClock) -> None:
    await with_agreement(chat)
    await chat.send("!överenskommelse lägg till Tryggare stationsområde")
    await chat.send("!åtgärd Sanera klotter vid torget för Polisen senast 2026-12-04 prio 1")
    await chat.send("!åtgärd Laga belysningen")
    await chat.send("!åtgärd koppla 2 P1", sender=ANNA)
    clock.advance(timedelta(days=7))  # #1 is overdue now

    lines = (await chat.send("!överenskommelse", sender=OLLE)).splitlines()

    assert lines == [
        "Samverkan 2027, 1 januari 2027 – 31 december 2027:",
        "P1 Minska klottret i centrum",
        "   Mål: Halvera anmälningarna",
        "   Ansvariga: Polisen",
        "   Åtgärder: 2 öppna (#1, #2), 1 försenad (#1)",
        "   Obs! Försenad åtgärd: #1.",
        "   Kategorier: Klotter",
        "P2 Tryggare stationsområde",
        "   Åtgärder: inga ännu",
        "   Obs! Ingen åtgärd är gjord eller på gång.",
        "Status läggs ut i rummet efter varje kvartal; nästa gång torsdag 1 april 2027.",
    ]


async def test_a_link_is_a_change_in_the_actions_history(chat: Chat) -> None:
    await with_agreement(chat)
    await chat.send("!åtgärd Laga belysningen")

    assert (
        await chat.send("!åtgärd koppla 1 P1")
        == "Åtgärd #1 är kopplad till P1 i Samverkan 2027: Minska klottret i centrum"
    )
    assert (await chat.send("!åtgärd 1")).endswith("Anna Andersson: kopplade den till P1 i Samverkan 2027")
    assert await chat.send("!åtgärd koppla 1 P1") == "Åtgärd #1 är redan kopplad till P1."


async def test_the_trend_compares_the_same_days_a_year_earlier_where_there_is_data(
    chat: Chat, clock: FakeClock
) -> None:
    await chat.send("!överenskommelse ny Samverkan 2026 2026-01-01 2026-12-31")
    await chat.send("!överenskommelse lägg till Minska klottret kategorier Klotter, Skadegörelse")

    assert (
        "Iakttagelser (Klotter, Skadegörelse) 1 januari 2026 – 30 november 2026: 0; inga uppgifter från året innan"
        in (await chat.send("!överenskommelse"))
    )

    await chat.send("!rapport Centrum Klotter på muren datum 2025-01-01")
    await chat.send("!rapport Centrum Skadegörelse trasig bänk datum 2025-11-30")
    await chat.send("!rapport Centrum Skadegörelse trasig bänk datum 2025-12-01")  # after the window a year back
    await chat.send("!rapport Berga Klotter på skolan")
    await chat.send("!rapport Berga Nedskräpning vid skolan")  # no category of the priority

    assert (
        "Iakttagelser (Klotter, Skadegörelse) 1 januari 2026 – 30 november 2026: 1, mot 2 samma dagar året innan."
        in (await chat.send("!överenskommelse"))
    )


async def outbox(db: Database, since: int = 0) -> list[tuple[str, dict, bytes | None]]:
    async with db.reading() as conn:
        async with conn.execute(
            "SELECT txn_id, content, file FROM outbox WHERE id > ? ORDER BY id", (since,)
        ) as cursor:
            return [(row[0], json.loads(row[1]), row[2]) for row in await cursor.fetchall()]


async def test_the_report_is_a_message_then_a_markdown_file(chat: Chat) -> None:
    await with_agreement(chat)
    await chat.send("!överenskommelse lägg till Tryggare <b>torg</b>")
    await chat.send("!åtgärd Sanera klotter vid torget prio 1")
    await chat.send("!åtgärd Måla om tunneln prio 1")
    await chat.send("!åtgärd Sätt upp kamera prio 1")
    await chat.send("!klar 1 Sanerat, *syns* inte längre")
    await chat.send("!åtgärd stryk 3 Fastighetsägaren sa nej")
    seen = len(await outbox(chat.db))

    await chat.dispatcher.dispatch(*report_command(chat))

    [(_, message, _), (_, file, data)] = (await outbox(chat.db))[seen:]
    assert message["body"].splitlines() == [
        "Uppföljning av Samverkan 2027 (1 januari 2027 – 31 december 2027), läget 30 november 2026:",
        "P1 Minska klottret i centrum: 1 öppen (#2), 1 klar, 1 struken",
        "P2 Tryggare <b>torg</b>: inga ännu; Obs! Ingen åtgärd är gjord eller på gång.",
        "Hela uppföljningen, med mål, kommentarer och trender, finns i filen uppfoljning-2027-01-01-2027-12-31.md.",
    ]
    assert (file["msgtype"], file["body"], file["info"]["mimetype"]) == (
        "m.file", "uppfoljning-2027-01-01-2027-12-31.md", "text/markdown"
    )  # fmt: skip
    markdown = data.decode()
    assert markdown.startswith(
        "# Uppföljning: Samverkan 2027\n\nPeriod: 1 januari 2027 – 31 december 2027. Läget 30 november 2026.\n"
    )
    p1 = markdown.split("## P1 Minska klottret i centrum\n")[1].split("## P2")[0]
    assert "- Mål: Halvera anmälningarna\n" in p1
    done, not_done = p1.split("### Gjort\n")[1].split("### Inte gjort\n")
    assert (
        done.strip()
        == "- #1 Sanera klotter vid torget — ingen ansvarig — (klar) — kommentar: Sanerat, \\*syns\\* inte längre"
    )
    assert not_done.strip().splitlines() == [
        "- #2 Måla om tunneln — ingen ansvarig",
        "- #3 Sätt upp kamera — ingen ansvarig — (struken) — kommentar: Fastighetsägaren sa nej",
    ]
    assert "## P2 Tryggare \\<b\\>torg\\</b\\>" in markdown


def report_command(chat: Chat):
    from bot.commands.message import IncomingMessage
    from bot.commands.recognise import recognise
    from tests.unit.helpers import BOT

    message = IncomingMessage(ROOM, "$report", ANNA, "!överenskommelse rapport", 0)
    return message, recognise(message, ("!",), BOT, ("samverkan-bot",)), chat.room


async def test_carrying_over_takes_the_open_actions_along(chat: Chat, clock: FakeClock) -> None:
    await chat.send("!överenskommelse ny Samverkan 2026 2026-01-01 2026-12-31")
    await chat.send("!överenskommelse lägg till Minska klottret kategorier Klotter")
    await chat.send("!överenskommelse lägg till Tryggare torg")
    await chat.send("!åtgärd Sanera prio 1")
    await chat.send("!åtgärd Måla prio 1")
    await chat.send("!klar 1")

    said = await chat.send("!överenskommelse ny Samverkan 2027 2027-01-01 2027-12-31")
    assert said.endswith("Inte avslutat i Samverkan 2026: P1 P2. För över med `!överenskommelse för över P1 P2`.")
    assert await chat.send("!överenskommelse för över P1 P2") == (
        "Fört över från Samverkan 2026 till Samverkan 2027:\n"
        "P1 blir P1; 1 öppen åtgärd kopplas om: #2\n"
        "P2 blir P2; inga öppna åtgärder att koppla"
    )
    assert "P2 är redan förd över" in await chat.send("!överenskommelse för över P2")
    assert "kopplade den till P1 i Samverkan 2027 (förd över från P1)" in await chat.send("!åtgärd 2")
    # The past agreement reads as it was.
    assert "Åtgärder: 1 öppen (#2), 1 klar" in await chat.send("!överenskommelse 2026")
    now = await chat.send("!överenskommelse 2027")
    assert "P1 Minska klottret\n   Förd över från P1 i Samverkan 2026\n   Åtgärder: 1 öppen (#2)\n" in now


def at(clock: FakeClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


class Jobs:
    def __init__(self, db: Database, clock: FakeClock):
        self.db = db
        self.services = Services(db, clock, Catalogue("sv"), make_settings(), FEATURES.sections, member_names(db))

    async def run(self) -> dict:
        return await FEATURES.jobs[POSTS].run(self.services, None, Effects())


async def test_the_status_is_posted_once_per_quarter_and_the_reminder_before_the_end(
    chat: Chat, clock: FakeClock
) -> None:
    await with_agreement(chat)
    await chat.send("!åtgärd Sanera klotter prio 1")
    jobs = Jobs(chat.db, clock)
    seen = len(await outbox(chat.db))

    assert await jobs.run() == {1: utc(2027, 4, 1, 7)}
    at(clock, utc(2027, 4, 1, 7, 1))
    await jobs.run()
    await jobs.run()  # as after a restart: decided once

    [(txn, content, _)] = (await outbox(chat.db))[seen:]
    assert txn == "sb-agreement-status-1-1"
    assert content["body"].splitlines()[:2] == [
        "Status för Samverkan 2027 efter kvartal 1 (1 januari 2027 – 31 mars 2027):",
        "P1 Minska klottret i centrum",
    ]
    assert "m.relates_to" not in content

    at(clock, utc(2027, 12, 1, 8, 1))
    await jobs.run()
    posted = [(txn, content["body"]) for txn, content, _ in (await outbox(chat.db))[seen + 1 :]]
    assert posted[-1] == (
        "sb-agreement-prepare-1-0",
        "Samverkan 2027 gäller till och med 31 december 2027. Dags att förbereda nästa överenskommelse: "
        "`!överenskommelse ny <namn> <från> <till>`, och för över det som inte är klart med `!överenskommelse för över P<n> …`.",
    )
    async with chat.db.reading() as conn:
        assert await AgreementRepo(conn).outcomes(1) == [
            (STATUS, 1, "sent"), (STATUS, 2, "skipped"), (STATUS, 3, "late"), (PREPARE, 0, "sent")
        ]  # fmt: skip


async def test_once_the_next_agreement_is_made_there_is_nothing_to_prepare(chat: Chat, clock: FakeClock) -> None:
    await chat.send("!överenskommelse ny Samverkan 2026 2026-01-01 2026-12-31")
    await chat.send("!överenskommelse ny Samverkan 2027 2027-01-01 2027-12-31")
    jobs = Jobs(chat.db, clock)
    seen = len(await outbox(chat.db))

    await jobs.run()  # 1 December 2026 09:00: the reminder of Samverkan 2026 falls due
    at(clock, utc(2026, 12, 1, 8, 1))
    await jobs.run()
    at(clock, utc(2027, 1, 1, 8, 1))
    await jobs.run()

    [(txn, content, _)] = (await outbox(chat.db))[seen:]
    assert txn == "sb-agreement-status-1-4"  # the last quarter's status of the past agreement still comes
    assert content["body"].startswith("Status för Samverkan 2026 efter kvartal 4 (1 oktober 2026 – 31 december 2026):")
    async with chat.db.reading() as conn:
        assert (PREPARE, 0, "skipped") in await AgreementRepo(conn).outcomes(1)


async def test_an_edited_action_that_names_a_priority_is_linked_to_it(chat: Chat) -> None:
    await with_agreement(chat)
    original = await say(chat, "!åtgärd Sanera klotter vid torget")

    outcome, edit_id = await edit(chat, original, "!åtgärd Sanera klotter vid torget prio 1")

    assert outcome.result == "ok"
    assert (await the_edit(chat, edit_id, original)).endswith("Hör till P1 i Samverkan 2027: Minska klottret i centrum")
    assert (await chat.send("!åtgärd 1")).endswith("Anna Andersson: kopplade den till P1 i Samverkan 2027")
    # An edit naming a priority the agreement does not have changes nothing.
    before = await agreement_tables(chat.db)
    outcome, _ = await edit(chat, original, "!åtgärd Sanera klotter vid torget prio 5", ts=3_000)
    assert outcome.result == "user_error"
    assert await agreement_tables(chat.db) == before
