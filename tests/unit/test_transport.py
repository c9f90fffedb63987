"""The request layer and the outbox's files, against a scripted homeserver: what is retried, what is final, and a
file never uploaded in the clear to a room that is not known to be unencrypted."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from nio import (
    JoinError,
    JoinResponse,
    LocalProtocolError,
    MatrixRoom,
    RoomGetStateEventError,
    RoomGetStateEventResponse,
    RoomLeaveResponse,
    RoomSendError,
    RoomSendResponse,
    UploadResponse,
)

from bot.clock import FakeClock
from bot.i18n import Text
from bot.matrix.transport import SendError, Transport, Unavailable
from bot.render import edit, file_message, notice
from bot.store.db import Database
from bot.store.outbox import OutboxRepo
from tests.unit.helpers import BOT, ROOM

MINUTES = "# Protokoll: Örat mot marken\n".encode()
KEYS = {"v": "v2", "key": {"k": "secret"}, "iv": "iv", "hashes": {"sha256": "hash"}}


def answered(response: Any, status: int) -> Any:
    """A nio response as nio hands it over: with the HTTP answer it was read from."""
    response.transport_response = SimpleNamespace(status=status)
    return response


def encryption_state() -> Any:
    content = {"algorithm": "m.megolm.v1.aes-sha2"}
    return answered(RoomGetStateEventResponse(content, "m.room.encryption", "", ROOM), 200)


def no_encryption_state() -> Any:
    refusal = {"errcode": "M_NOT_FOUND", "error": "Event not found."}
    return answered(RoomGetStateEventError.from_dict(refusal, ROOM), 404)


def gateway_page() -> Any:
    # What nio really makes of a reverse proxy's HTML 502 page for this request: a "success" with empty content.
    return answered(RoomGetStateEventResponse({}, "m.room.encryption", "", ROOM), 502)


class Homeserver:
    """Stands in for nio's AsyncClient: a room as nio knows it (or not at all) and a server whose answers are
    scripted, the last one repeating."""

    def __init__(self, nio_knows: bool | None, state: list[Any], sends: list[Any] | None = None):
        self.olm = None
        self.rooms = {}
        if nio_knows is not None:
            self.rooms[ROOM] = MatrixRoom(ROOM, BOT, encrypted=nio_knows)
        self.state = state
        self.sends = sends or [lambda: answered(RoomSendResponse("$sent", ROOM), 200)]
        self.state_asked = 0
        self.uploads: list[tuple[bytes, bool]] = []
        self.sent: list[dict[str, Any]] = []

    @staticmethod
    def _next(script: list[Any]) -> Any:
        return script.pop(0) if len(script) > 1 else script[0]

    async def room_get_state_event(self, room_id: str, event_type: str, state_key: str = "") -> Any:
        assert (room_id, event_type) == (ROOM, "m.room.encryption")
        self.state_asked += 1
        return self._next(self.state)()

    async def upload(self, data: Any, content_type: str, filename: str, encrypt: bool, filesize: int) -> Any:
        self.uploads.append((data.read(), encrypt))
        return answered(UploadResponse(f"mxc://localhost/file{len(self.uploads)}"), 200), (KEYS if encrypt else None)

    async def room_send(self, room_id: str, event_type: str, content: dict[str, Any], **kw: Any) -> Any:
        response = self._next(self.sends)()
        if isinstance(response, RoomSendResponse):
            self.sent.append(content)
        return response


async def queue_minutes(db: Database, clock: FakeClock) -> None:
    """The minutes notice and then the minutes file, as a meeting's end leaves them in the outbox."""
    async with db.transaction() as tx:
        outbox = OutboxRepo(tx)
        await outbox.add(ROOM, "sb-minutes-1", notice(Text.of("Protokoll från Örat mot marken")), clock.now())
        content = file_message("protokoll-2026-12-01.md", "text/markdown", len(MINUTES))
        await outbox.add(ROOM, "sb-minutes-file-1", content, clock.now(), file=MINUTES)


async def pending(db: Database) -> list:
    async with db.reading() as conn:
        return await OutboxRepo(conn).pending()


@pytest.mark.parametrize("nio_knows", [None, False], ids=["room-unknown-to-nio", "nio-says-unencrypted"])
async def test_a_file_for_a_room_nio_does_not_know_as_encrypted_is_uploaded_encrypted_if_the_server_says_so(
    db, clock, nio_knows
) -> None:
    server = Homeserver(nio_knows, [encryption_state])
    await queue_minutes(db, clock)

    await Transport(server).flush(db, clock)

    assert server.uploads == [(MINUTES, True)]
    sent = server.sent[1]
    assert "url" not in sent
    assert sent["file"] == {**KEYS, "url": "mxc://localhost/file1", "mimetype": "text/markdown"}
    assert sent["msgtype"] == "m.file" and sent["body"] == "protokoll-2026-12-01.md"


async def test_while_the_server_does_not_say_the_file_waits_and_nothing_is_uploaded(db, clock) -> None:
    server = Homeserver(False, [gateway_page, gateway_page, encryption_state])
    await queue_minutes(db, clock)
    transport = Transport(server, attempts_while_away=0)

    with pytest.raises(Unavailable):
        await transport.flush(db, clock)

    assert server.uploads == []
    assert [m["msgtype"] for m in server.sent] == ["m.notice"]
    [waiting] = await pending(db)
    assert waiting.file == MINUTES and "url" not in waiting.content and "file" not in waiting.content

    with pytest.raises(Unavailable):
        await transport.flush(db, clock)
    await transport.flush(db, clock)

    assert server.uploads == [(MINUTES, True)]
    assert [m["msgtype"] for m in server.sent] == ["m.notice", "m.file"] and "file" in server.sent[1]
    assert await pending(db) == []


async def test_nio_knowing_the_room_is_encrypted_is_enough(db, clock) -> None:
    server = Homeserver(True, [gateway_page])
    await queue_minutes(db, clock)

    await Transport(server).flush(db, clock)

    assert server.state_asked == 0 and server.uploads == [(MINUTES, True)]


async def test_a_room_the_server_says_is_unencrypted_gets_the_file_in_the_clear(db, clock) -> None:
    server = Homeserver(False, [no_encryption_state])
    await queue_minutes(db, clock)

    await Transport(server).flush(db, clock)

    assert server.uploads == [(MINUTES, False)]
    assert server.sent[1]["url"] == "mxc://localhost/file1" and "file" not in server.sent[1]


async def test_an_uploaded_file_whose_message_fails_is_sent_later_without_a_second_upload(db, clock) -> None:
    refused_for_now = lambda: answered(RoomSendError.from_dict({}, ROOM), 502)  # noqa: E731
    ok = lambda: answered(RoomSendResponse("$sent", ROOM), 200)  # noqa: E731
    server = Homeserver(False, [encryption_state], sends=[ok, refused_for_now, ok])
    await queue_minutes(db, clock)
    transport = Transport(server, attempts_while_away=0)

    with pytest.raises(Unavailable):
        await transport.flush(db, clock)

    [waiting] = await pending(db)
    assert waiting.file is None  # the bytes gave way to the upload they became
    assert waiting.content["file"]["url"] == "mxc://localhost/file1"
    await transport.flush(db, clock)
    assert len(server.uploads) == 1
    assert [m["msgtype"] for m in server.sent] == ["m.notice", "m.file"]
    async with db.reading() as conn:
        async with conn.execute("SELECT content FROM outbox WHERE txn_id = 'sb-minutes-file-1'") as cursor:
            assert json.loads((await cursor.fetchone())[0])["file"]["url"] == "mxc://localhost/file1"


class Script:
    """A request's answers in turn; the sleeps the layer takes are recorded instead of slept."""

    def __init__(self, *answers: Any):
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return delays


def rate_limited(retry_after_ms: int) -> Any:
    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": retry_after_ms}
    return answered(JoinError.from_dict(body), 429)


async def test_a_rate_limit_is_waited_out_as_long_as_the_server_asks(slept) -> None:
    call = Script(rate_limited(1500), rate_limited(250), answered(JoinResponse(ROOM), 200))

    response = await Transport(Homeserver(None, [])).request("join", call, JoinResponse)

    assert response.room_id == ROOM and slept == [1.5, 0.25]


async def test_a_server_error_or_a_lost_connection_is_tried_again_then_put_off(slept) -> None:
    call = Script(
        answered(JoinError.from_dict({}), 502),
        ConnectionResetError(),
        answered(JoinError.from_dict({}), 503),
        answered(JoinError.from_dict({}), 500),
    )

    with pytest.raises(Unavailable):
        await Transport(Homeserver(None, []), attempts_while_away=3).request("join", call, JoinResponse)

    assert call.calls == 4 and len(slept) == 3


async def test_nio_reading_a_gateway_page_as_success_is_not_success(slept) -> None:
    # nio parses an empty body as RoomLeaveResponse whatever the status; only the status tells.
    call = Script(answered(RoomLeaveResponse(), 502), answered(RoomLeaveResponse(), 200))

    await Transport(Homeserver(None, [])).request("decline", call, RoomLeaveResponse)

    assert call.calls == 2


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (answered(JoinError.from_dict({"errcode": "M_FORBIDDEN", "error": "You are not invited"}), 403), "M_FORBIDDEN"),
        (answered(RoomLeaveResponse(), 404), "404"),
        (LocalProtocolError("No such room"), "M_LOCAL"),
    ],
    ids=["403", "404-page", "nio-refuses"],
)
async def test_a_refusal_is_final_at_once(slept, answer, code) -> None:
    call = Script(answer)

    with pytest.raises(SendError) as refused:
        await Transport(Homeserver(None, [])).request("join", call, (JoinResponse, RoomLeaveResponse))

    assert refused.value.code == code and call.calls == 1 and slept == []


async def test_an_edit_goes_out_pointing_at_the_reply_it_edits_once_that_is_sent(db, clock) -> None:
    """The edit is queued before the reply it edits was sent (both in one batch); it points at that reply's event."""
    server = Homeserver(False, [no_encryption_state])
    async with db.transaction() as tx:
        outbox = OutboxRepo(tx)
        await outbox.add(ROOM, "sb-reply-0", notice(Text.of("Punkt 1 på dagordningen för nästa möte.")), clock.now())
        await outbox.add(ROOM, "sb-edit-0", edit(Text.of("Punkt 1, ändrad")), clock.now(), replaces_txn="sb-reply-0")

    await Transport(server).flush(db, clock)

    reply, changed = server.sent
    assert changed["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$sent"}
    assert changed["body"] == "* Punkt 1, ändrad" and changed["m.new_content"]["body"] == "Punkt 1, ändrad"
    assert "m.relates_to" not in changed["m.new_content"]


async def test_an_edit_of_a_reply_that_was_never_sent_is_not_sent(db, clock) -> None:
    server = Homeserver(False, [no_encryption_state])
    async with db.transaction() as tx:
        outbox = OutboxRepo(tx)
        await outbox.add(ROOM, "sb-reply-0", notice(Text.of("Svar")), clock.now())
        await outbox.mark_failed(1, "left the room")
        await outbox.add(ROOM, "sb-edit-0", edit(Text.of("Ändrat svar")), clock.now(), replaces_txn="sb-reply-0")

    await Transport(server).flush(db, clock)

    assert server.sent == [] and await pending(db) == []
