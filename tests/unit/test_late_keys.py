"""Parked encrypted events: kept across a reopen, given back once readable, grouped and explained when overdue."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from nio import EncryptionError, MegolmEvent, UnknownToDeviceEvent

from bot.clock import FakeClock
from bot.i18n import Catalogue
from bot.matrix.late_keys import LateKeys, explain
from bot.store.db import Database
from bot.store.parked import ParkedRepo
from tests.unit.helpers import ROOM, STOCKHOLM

GRACE = timedelta(minutes=2)
ALICE = "@anna:eslov.se"
SENT = datetime(2026, 12, 1, 9, 41, tzinfo=timezone.utc)  # 10.41 in Stockholm


class FakeOlmClient:
    """Decrypts only the sessions whose key has 'arrived'; records nothing else."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.olm = SimpleNamespace(outgoing_to_device_messages=[])
        self.outgoing_key_requests: dict[str, Any] = {}
        self.device_id = "BOTDEVICE"

    def decrypt_event(self, event: MegolmEvent) -> Any:
        if event.session_id not in self.keys:
            raise EncryptionError("no session")
        return SimpleNamespace(event_id=event.event_id, body="!hjälp")


def megolm(event_id: str, session_id: str = "S1", sender: str = ALICE) -> MegolmEvent:
    event = MegolmEvent.from_dict(
        {
            "type": "m.room.encrypted",
            "event_id": event_id,
            "sender": sender,
            "origin_server_ts": int(SENT.timestamp() * 1000),
            "content": {
                "algorithm": "m.megolm.v1.aes-sha2",
                "ciphertext": "AwgA",
                "sender_key": "curve",
                "device_id": "PHONE",
                "session_id": session_id,
            },
        }
    )
    event.room_id = ROOM
    return event


@pytest.fixture
def client() -> FakeOlmClient:
    return FakeOlmClient()


@pytest.fixture
async def keys(db: Database, clock: FakeClock, client: FakeOlmClient) -> LateKeys:
    late = LateKeys(client, db, clock, GRACE)  # type: ignore[arg-type]
    await late.load()
    return late


async def test_a_parked_event_comes_back_once_its_key_arrives(keys: LateKeys, client: FakeOlmClient) -> None:
    await keys.park(ROOM, megolm("$one"))
    assert await keys.readable(ROOM) == []
    client.keys.add("S1")
    readable = await keys.readable(ROOM)
    assert [e.event_id for e in readable] == ["$one"]
    await keys.release(["$one"])
    assert await keys.readable(ROOM) == []


async def test_the_sender_device_is_asked_for_the_key_once(keys: LateKeys, client: FakeOlmClient) -> None:
    await keys.park(ROOM, megolm("$one"))
    await keys.park(ROOM, megolm("$two"))
    [request] = client.olm.outgoing_to_device_messages
    assert (request.recipient, request.recipient_device, request.session_id) == (ALICE, "PHONE", "S1")


async def test_parked_events_survive_a_reopen_in_order(db: Database, keys: LateKeys, clock: FakeClock, client: FakeOlmClient) -> None:
    await keys.park(ROOM, megolm("$one"))
    await keys.park(ROOM, megolm("$two"))
    await keys.park(ROOM, megolm("$one"))  # a replayed sync parks nothing twice
    again = LateKeys(client, db, clock, GRACE)  # type: ignore[arg-type]
    await again.load()
    client.keys.add("S1")
    assert [e.event_id for e in await again.readable(ROOM)] == ["$one", "$two"]


async def test_overdue_only_after_the_grace_period_one_group_per_sender_and_key(keys: LateKeys, clock: FakeClock) -> None:
    await keys.park(ROOM, megolm("$one"))
    await keys.park(ROOM, megolm("$two"))
    await keys.park(ROOM, megolm("$three", session_id="S2", sender="@per:eslov.se"))
    assert keys.wait(timedelta(seconds=30)) == timedelta(seconds=30)
    clock.advance(GRACE - timedelta(seconds=10))
    assert keys.wait(timedelta(seconds=30)) == timedelta(seconds=10)
    assert await keys.overdue() == []

    clock.advance(timedelta(seconds=10))
    assert keys.wait(timedelta(seconds=30)) == timedelta(0)
    groups = await keys.overdue()
    assert [(g.first.event_id, [o.event_id for o in g.others]) for g in groups] == [("$one", ["$two"]), ("$three", [])]
    for group in groups:
        await keys.settle(group)
    assert await keys.overdue() == []
    assert keys.wait(timedelta(seconds=30)) == timedelta(seconds=30)


async def test_a_withheld_key_is_remembered_and_malformed_notes_ignored(keys: LateKeys, clock: FakeClock) -> None:
    def note(content: Any) -> UnknownToDeviceEvent:
        return UnknownToDeviceEvent.from_dict({"type": "m.room_key.withheld", "sender": ALICE, "content": content})

    await keys.note_withheld([note({"session_id": "S1", "code": "m.unverified"}), note({"session_id": 7}), note("x")])
    await keys.park(ROOM, megolm("$one"))
    clock.advance(GRACE)
    [group] = await keys.overdue()
    assert group.withheld == "m.unverified"


@pytest.mark.parametrize(
    ("withheld", "language", "expected"),
    [
        (None, "sv", "Jag kunde inte läsa ditt meddelande från kl. 10.41: krypteringsnyckeln kom aldrig fram"),
        ("m.unverified", "sv", "eftersom den inte litar på min enhet"),
        ("m.blacklisted", "sv", "du har blockerat min enhet"),
        ("m.no_olm", "sv", "din app delade inte krypteringsnyckeln med mig (m.no_olm)"),
        (None, "en", "I could not read the message you sent at 10:41: its encryption key never reached me"),
        ("m.unverified", "en", "because it does not trust my device"),
    ],
)
async def test_the_notice_says_which_message_why_and_what_to_do(
    keys: LateKeys, clock: FakeClock, withheld: str | None, language: str, expected: str
) -> None:
    await keys.park(ROOM, megolm("$one"))
    clock.advance(GRACE)
    [group] = await keys.overdue()
    group = type(group)(group.first, group.others, withheld)
    assert expected in explain(group, Catalogue(language), STOCKHOLM).plain


async def test_the_notice_counts_the_other_messages(keys: LateKeys, clock: FakeClock) -> None:
    for event_id in ("$one", "$two", "$three"):
        await keys.park(ROOM, megolm(event_id))
    clock.advance(GRACE)
    [group] = await keys.overdue()
    assert explain(group, Catalogue("sv"), STOCKHOLM).plain.endswith(
        "Det gäller också 2 meddelanden till som du skickade strax efter."
    )


async def test_old_withheld_notes_are_forgotten_unless_something_still_waits(db: Database, keys: LateKeys, clock: FakeClock) -> None:
    def note(session_id: str) -> UnknownToDeviceEvent:
        content = {"session_id": session_id, "code": "m.unverified"}
        return UnknownToDeviceEvent.from_dict({"type": "m.room_key.withheld", "sender": ALICE, "content": content})

    await keys.note_withheld([note("S1"), note("S2")])
    await keys.park(ROOM, megolm("$one", session_id="S1"))
    clock.advance(timedelta(days=40))
    async with db.transaction() as tx:
        await ParkedRepo(tx).forget_withheld_before(clock.now() - timedelta(days=30))
    async with db.reading() as conn:
        repo = ParkedRepo(conn)
        assert await repo.withheld("S1") == "m.unverified"  # its event still waits
        assert await repo.withheld("S2") == "m.unverified"  # noted before that event was parked, so kept too
    await keys.release(["$one"])
    async with db.transaction() as tx:
        await ParkedRepo(tx).forget_withheld_before(clock.now() - timedelta(days=30))
    async with db.reading() as conn:
        assert await ParkedRepo(conn).withheld("S1") is None
