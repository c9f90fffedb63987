"""Hostile input, property-based: whatever is typed, no exception reaches the room, no markup gets through,
nobody is pinged, and no reply is over the size limit. The last test checks how many cases ran."""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timezone
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.features import FEATURES
from bot.commands.dispatcher import Dispatcher
from bot.commands.message import IncomingMessage
from bot.commands.recognise import recognise
from bot.errors import UserError
from bot.parsing import (
    mentioned_users,
    parse_action,
    parse_date,
    parse_duration,
    parse_number,
    parse_offsets,
    parse_time,
    parse_weekday,
)
from bot.permissions import RoomView
from bot.privacy import DETECTORS, guard
from bot.policy import MAX_BODY
from bot.schedule import parse_schedule
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from bot.store.rooms import RoomRepo
from tests.unit.helpers import BOT, ROOM, make_settings
from tests.unit.personal_data import personal_data

RAN: Counter[str] = Counter()
TODAY = date(2026, 12, 1)
CHAIR, MEMBER = "@chair:eslov.se", "@anna:eslov.se"

NASTY = [
    "<script>alert(1)</script>", "<b>fet</b>", "<a href=\"javascript:alert(1)\">x</a>", "<img src=x onerror=1>",
    "**fet** _kursiv_ [länk](https://evil.example)", "`kod`", "```\nblock\n```", "@room", "@room hej alla",
    '<a href="https://matrix.to/#/@room">@room</a>', "@anna:eslov.se", "@samverkan-bot:eslov.se", "&lt;b&gt;",
    "\x00", "\u202e", "\u200b", "\r\n", "\t", "{}", "{0}", "{n}", "%s", "\\", "'; DROP TABLE actions; --",
    "811218-9876", "19811218-9876", "vecka 53", "31/2", "25:00", "1x", "RRULE:FREQ=DAILY;BYSETPOS=5;BYHOUR=9",
]  # fmt: skip
WORDS = [w for c in FEATURES.registry for w in c.words] + [
    "add", "remove", "done", "edit", "due", "assign", "reopen", "cancel", "start", "end", "weekly", "skip", "move",
    "reminders", "place", "name", "mine", "all", "overdue", "last", "ny", "bort", "1", "#2", "999999999",
]  # fmt: skip

pieces = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(WORDS),
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
)
texts = st.one_of(
    st.lists(pieces, max_size=12).map(" ".join),
    # Long lines, up to 100 kB, built by repetition: hypothesis draws them fast this way.
    st.builds(lambda piece, times: piece * times, pieces, st.integers(1, 100_000 // 8)),
)
prefixed = st.builds(lambda prefix, text: prefix + text, st.sampled_from(["!", "/", "samverkan-bot: ", ""]), texts)


class _Markup(HTMLParser):
    """Every tag in a formatted body: only what render.py writes may be there."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def check_reply(content: dict) -> None:
    assert len(content["body"]) <= MAX_BODY + 1
    assert content["m.mentions"] in ({},) or set(content["m.mentions"]) == {"user_ids"}
    assert "room" not in content["m.mentions"]
    markup = _Markup()
    markup.feed(content["formatted_body"])
    for tag, attrs in markup.tags:
        assert tag in ("code", "br", "a"), tag
        if tag == "a":
            assert attrs.get("href", "").startswith("https://matrix.to/#/@"), attrs


class Harness:
    """One database and event loop for all examples of a test: a fresh one each time would be too slow."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.clock = FakeClock(datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc))
        self.db = self.loop.run_until_complete(Database.open(Path(tempfile.mkdtemp())))
        self.loop.run_until_complete(self._join())
        self.dispatcher = Dispatcher(self.db, make_settings(command_prefix="!,/"), FEATURES.registry, self.clock)
        self.room = RoomView(ROOM, name="Örat mot marken", users={CHAIR: 100}, members=frozenset({CHAIR, MEMBER}))
        self.events = 0

    def close(self) -> None:
        self.loop.run_until_complete(self.db.close())  # its worker thread would keep the process alive
        self.loop.close()

    async def _join(self) -> None:
        async with self.db.transaction() as tx:
            await RoomRepo(tx).joined(ROOM, self.clock.now())

    def dispatch(self, body: str, sender: str, formatted: str | None) -> list[dict]:
        return self.loop.run_until_complete(self._dispatch(body, sender, formatted))

    async def _dispatch(self, body: str, sender: str, formatted: str | None) -> list[dict]:
        self.events += 1
        message = IncomingMessage(
            ROOM, f"$hostile{self.events}", sender, body, 0, formatted_body=formatted, mentions=(MEMBER,)
        )
        invocation = recognise(message, ("!", "/"), BOT, ("samverkan-bot",))
        if invocation is None:
            return []
        outcome = await self.dispatcher.dispatch(message, invocation, self.room)
        assert outcome.result != "error", body[:200]
        async with self.db.transaction() as conn:
            pending = await OutboxRepo(conn).pending()
            for row in pending:
                await OutboxRepo(conn).mark_sent(row.id, "$sent", self.clock.now())
        return [row.content for row in pending]


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    made = Harness()
    yield made
    made.close()


@settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(body=prefixed, sender=st.sampled_from([CHAIR, MEMBER]), formatted=st.one_of(st.none(), texts))
def test_any_message_is_answered_safely(harness: Harness, body: str, sender: str, formatted: str | None) -> None:
    RAN["dispatcher"] += 1
    for content in harness.dispatch(body, sender, formatted):
        check_reply(content)


# Words around personal data in a command, some with numbers the guard lets through.
CONTEXT = st.lists(
    st.sampled_from(
        ["Klotter", "vid", "stationen", "kontakt", "ring", "bilen", "kl", "09:00", "2026-12-04", "112", "114 14", "E22",
         "väg 113", "<b>", "@room", "@anna:eslov.se", "och", ",", "."]
    ),
    max_size=5,
).map(" ".join)  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    command=st.sampled_from(["!dagordning ny", "!agenda add", "!åtgärd", "!action", "!schema plats"]),
    before=CONTEXT,
    found=personal_data,
    after=CONTEXT,
)
def test_a_refusal_never_repeats_what_it_found(harness: Harness, command: str, before: str, found: str, after: str):
    RAN["privacy_refusal"] += 1
    body = f"{command} {before} {found} {after}"

    [reply] = harness.dispatch(body, MEMBER, None)

    check_reply(reply)
    assert reply["body"] in {harness.dispatcher.cat(key) for key, _ in DETECTORS}, body
    for seen in [found] + [find(body) for _, find in DETECTORS]:
        if seen:
            assert seen not in reply["body"] and escape(seen) not in reply["formatted_body"], body


def converter_cases(name, parse, argument):
    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(text=argument)
    def test(text) -> None:
        RAN[name] += 1
        try:
            parse(text)
        except UserError:
            pass  # a clear refusal is the right answer to garbage

    return test


test_parse_date = converter_cases("parse_date", lambda t: parse_date(t, TODAY), texts)
test_parse_time = converter_cases("parse_time", parse_time, texts)
test_parse_duration = converter_cases("parse_duration", parse_duration, texts)
test_parse_offsets = converter_cases("parse_offsets", lambda t: parse_offsets(t.split()), texts)
test_parse_weekday = converter_cases("parse_weekday", parse_weekday, texts)
test_parse_number = converter_cases("parse_number", parse_number, texts)
test_parse_schedule = converter_cases("parse_schedule", lambda t: parse_schedule(t.split(), TODAY), texts)
test_parse_action = converter_cases("parse_action", lambda t: parse_action(t, t, (MEMBER,), BOT, TODAY), texts)
test_mentioned_users = converter_cases("mentioned_users", lambda t: mentioned_users(t, t, ()), texts)
test_privacy_guard = converter_cases("privacy_guard", guard, texts)


def test_at_least_ten_thousand_cases_ran() -> None:
    total = sum(RAN.values())
    print(f"hypothesis cases run: {total} ({dict(RAN)})")
    assert total >= 10_000, RAN
