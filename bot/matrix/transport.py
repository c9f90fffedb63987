"""Requests to the homeserver, through one layer that checks every answer and retries what is worth retrying;
on it: events sent (room keys shared first), files uploaded, and the outbox flushed."""

from __future__ import annotations

import asyncio
import copy
import io
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

import aiohttp
from nio import (
    Api,
    AsyncClient,
    ErrorResponse,
    JoinedMembersResponse,
    KeysClaimResponse,
    KeysQueryResponse,
    LocalProtocolError,
    RoomGetStateEventResponse,
    RoomPutStateResponse,
    RoomSendResponse,
    ShareGroupSessionResponse,
    UploadResponse,
)

from bot.clock import Clock
from bot.render import edit_of, with_upload
from bot.store.db import Database
from bot.store.outbox import OutboxRepo, OutgoingMessage

log = logging.getLogger(__name__)

NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, OSError)


class SendError(Exception):
    """The homeserver refused the request for good (not a rate limit, not a passing fault)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


class Unavailable(Exception):
    """The homeserver did not answer after a few tries; what depended on the request stays pending."""


class Backoff:
    """Capped, jittered exponential delays: 0.5 s, 1 s, 2 s … up to `cap`, each between half and all of it."""

    def __init__(self, base: float = 0.5, cap: float = 30.0):
        self.base = base
        self.cap = cap
        self.attempt = 0

    def next(self) -> float:
        delay = min(self.cap, self.base * 2 ** min(self.attempt, 32))
        self.attempt += 1
        return delay / 2 + random.uniform(0, delay / 2)

    def reset(self) -> None:
        self.attempt = 0


def _http_status(response: object) -> int | None:
    transport = getattr(response, "transport_response", None)
    return getattr(transport, "status", None)


def _is_rate_limit(response: object) -> bool:
    return _http_status(response) == 429 or getattr(response, "status_code", None) == "M_LIMIT_EXCEEDED"


def _is_refusal(response: object) -> bool:
    """An answer that asking again will not change: a 4xx (a rate limit aside), or an error nio read from a 2xx."""
    status = _http_status(response)
    return status is not None and status < 500 and (status >= 400 or isinstance(response, ErrorResponse))


class Transport:
    """The one way requests go. Rate limits are waited out as the server asks; a server that is away (a 5xx, no
    answer) is tried again with backoff and raises Unavailable after a few tries, leaving what depended on the
    request pending; any other refusal is final (SendError)."""

    def __init__(self, client: AsyncClient, attempts_while_away: int = 4):
        self.client = client
        self.attempts_while_away = attempts_while_away
        self._flushing = asyncio.Lock()
        self.behind = True
        """The outbox may hold messages no flush has got to: those of before a start, or of a flush that did not
        finish (the homeserver went away). Whatever is queued after a finished flush is flushed by what queued it."""

    async def request(self, what: str, call: Callable[[], Awaitable[Any]], ok: type | tuple[type, ...]) -> Any:
        """`call()` until it answers with an `ok` response, which is returned; `what` names it in the log."""
        backoff = Backoff()
        while True:
            try:
                response = await call()
            except NETWORK_ERRORS as exc:
                response = exc
            except LocalProtocolError as exc:  # nio refuses before asking: asking again changes nothing
                raise SendError("M_LOCAL", str(exc)) from None
            # nio reads some answers as success whatever the HTTP status (a gateway's 502 page makes a
            # RoomLeaveResponse or a ToDeviceResponse): the status decides.
            status = _http_status(response)
            if isinstance(response, ok) and (status is None or status < 300):
                return response
            if _is_rate_limit(response):
                delay = (getattr(response, "retry_after_ms", None) or 1000) / 1000
                log.info("%s: rate limited, waiting %.1fs as the server asks", what, delay)
                await asyncio.sleep(delay)
                continue
            if _is_refusal(response):
                raise SendError(getattr(response, "status_code", None) or str(status), getattr(response, "message", ""))
            if backoff.attempt >= self.attempts_while_away:
                raise Unavailable(f"{what}: {response}")
            delay = backoff.next()
            log.warning("%s failed (%s), retrying in %.1fs", what, _describe(response), delay)
            await asyncio.sleep(delay)

    async def tolerate(self, what: str, call: Callable[[], Awaitable[Any]], ok: type | tuple[type, ...]) -> Any | None:
        """A request whose final refusal is logged rather than raised (encryption upkeep: what cannot be had now
        is asked for again when nio next needs it); None when refused."""
        try:
            return await self.request(what, call, ok)
        except SendError as exc:
            log.warning("%s refused: %s", what, exc)
            return None

    async def claim_keys(self, users: dict[str, list[str]], room_id: str = "") -> None:
        """One-time keys of these devices, for new Olm sessions; a refusal is logged. Asked as nio's keys_claim asks,
        but with the room id its error class needs: nio's own raises TypeError on any error answer."""
        method, path, data = Api.keys_claim(self.client.access_token, users)
        await self.tolerate(
            f"key claim {room_id}".strip(),
            lambda: self.client._send(KeysClaimResponse, method, path, data, response_data=(room_id,)),
            KeysClaimResponse,
        )

    async def send(self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str) -> str:
        """Send one event and return its id. The same txn_id on every attempt lets the server de-duplicate."""
        await self._share_room_key(room_id)
        response = await self.request(
            f"send to {room_id}",
            # nio encrypts in place; every attempt starts from the original content.
            lambda: self.client.room_send(
                room_id, event_type, copy.deepcopy(content), tx_id=txn_id, ignore_unverified_devices=True
            ),
            RoomSendResponse,
        )
        return response.event_id

    async def put_state(self, room_id: str, event_type: str, content: dict[str, Any], state_key: str) -> None:
        await self.request(
            f"state {event_type} in {room_id}",
            lambda: self.client.room_put_state(room_id, event_type, content, state_key=state_key),
            RoomPutStateResponse,
        )

    async def _share_room_key(self, room_id: str) -> None:
        """What nio's room_send does before it encrypts (members, device keys, one-time keys, the room key to every
        device), each request through this layer. nio's own sharing sends the room key to all devices at once
        and forgets the requests that fail: those devices would never get the key to what the bot says."""
        client = self.client
        room = client.rooms.get(room_id)
        if client.olm is None or room is None or not room.encrypted:
            return
        if not room.members_synced:
            await self.request(f"members of {room_id}", lambda: client.joined_members(room_id), JoinedMembersResponse)
        if client.should_query_keys:
            await self.tolerate("key query", client.keys_query, KeysQueryResponse)
        if not client.olm.should_share_group_session(room_id):
            return
        missing = client.get_missing_sessions(room_id)
        if missing:
            await self.claim_keys(missing, room_id)
        for sharing_with, messages in client.olm.share_group_session_parallel(
            room_id, list(room.users), ignore_unverified_devices=True
        ):
            # One transaction id per batch of keys, so a retry that reached the server is not delivered twice.
            method, path, data = Api.to_device(client.access_token, "m.room.encrypted", messages, uuid4())

            def deliver(method: str = method, path: str = path, data: str = data, users: set = sharing_with) -> Any:
                # nio's sharing sends these with its internal _send; so do we, to keep its bookkeeping of
                # who has the key (it reads the ShareGroupSessionResponse).
                return client._send(ShareGroupSessionResponse, method, path, data, response_data=(room_id, users))

            try:
                await self.tolerate(f"room key for {room_id}", deliver, ShareGroupSessionResponse)
            except Unavailable:
                # nio may have counted a 502 as delivered: these devices are still to get the key.
                session = client.olm.outbound_group_sessions[room_id]
                session.users_shared_with -= sharing_with
                session.shared = False
                raise
        # As nio does: devices without an Olm session (no one-time keys left) are not waited for.
        client.olm.outbound_group_sessions[room_id].shared = True

    async def upload(self, room_id: str, content: dict[str, Any], data: bytes) -> dict[str, Any]:
        """Upload the file of an m.file message for a room and return the message pointing at the upload. The file
        is encrypted unless the room is known to be unencrypted."""
        encrypt = await self._encrypted(room_id)
        keys: dict[str, Any] = {}

        async def call() -> Any:
            response, decryption = await self.client.upload(
                io.BytesIO(data),
                content_type=content["info"]["mimetype"],
                filename=content["filename"],
                encrypt=encrypt,
                filesize=len(data),
            )
            keys.clear()  # each attempt encrypts anew; only the last one's keys open what was stored
            keys.update(decryption or {})
            return response

        response = await self.request(f"upload to {room_id}", call, UploadResponse)
        return with_upload(content, response.content_uri, keys if encrypt else None)

    async def _encrypted(self, room_id: str) -> bool:
        """Whether a room is encrypted, failing closed. nio's False means both "plain" and "not known" (no room
        state yet), so the server is asked, and only its answer that the room has no m.room.encryption state makes
        the room plain; while the server does not answer, this raises Unavailable."""
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted:
            return True
        try:
            await self.request(
                f"encryption state of {room_id}",
                lambda: self.client.room_get_state_event(room_id, "m.room.encryption"),
                RoomGetStateEventResponse,
            )
        except SendError as exc:
            if exc.code == "M_NOT_FOUND":
                return False
            raise
        return True

    async def flush(self, db: Database, clock: Clock) -> None:
        """Send every pending outbox message in order, uploading files first. Raises Unavailable, keeping
        the rest pending, when the homeserver is away. One flush at a time: the sync loop and the
        reminder jobs both flush, and a message must not be sent by both."""
        async with self._flushing:
            self.behind = True
            await self._flush(db, clock)
            self.behind = False

    async def _flush(self, db: Database, clock: Clock) -> None:
        async with db.reading() as conn:
            pending = await OutboxRepo(conn).pending()
        for message in pending:
            try:
                content = message.content if message.file is None else await self._upload(db, message)
                if message.replaces_txn:
                    content = await self._target(db, message, content)
                event_id = await self.send(message.room_id, message.event_type, content, message.txn_id)
            except SendError as exc:
                log.error("message %s to %s not sent: %s", message.txn_id, message.room_id, exc)
                async with db.transaction() as conn:
                    await OutboxRepo(conn).mark_failed(message.id, str(exc))
                continue
            async with db.transaction() as conn:
                await OutboxRepo(conn).mark_sent(message.id, event_id, clock.now())

    async def _target(self, db: Database, message: OutgoingMessage, content: dict[str, Any]) -> dict[str, Any]:
        """An edit points at the message it replaces, sent before it (the outbox goes in order)."""
        async with db.reading() as conn:
            target = await OutboxRepo(conn).sent_event(message.replaces_txn)
        if target is None:
            raise SendError("unsent", f"the message it edits ({message.replaces_txn}) was not sent")
        return edit_of(content, target)

    async def _upload(self, db: Database, message: OutgoingMessage) -> dict[str, Any]:
        """Upload a file entry's bytes; the message pointing at the upload is stored before it is sent, so a crash
        after the upload does not upload again."""
        content = await self.upload(message.room_id, message.content, message.file)
        async with db.transaction() as conn:
            await OutboxRepo(conn).uploaded(message.id, content)
        return content


def _describe(response: object) -> str:
    if isinstance(response, ErrorResponse):
        return f"HTTP {_http_status(response)} {response.status_code or ''}".strip()
    return type(response).__name__
