"""Sending to the homeserver: every response checked, retries with the same transaction id."""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from nio import AsyncClient, ErrorResponse, LocalProtocolError, RoomPutStateResponse, RoomSendResponse

from bot.clock import Clock
from bot.store.db import Database
from bot.store.outbox import OutboxRepo

log = logging.getLogger(__name__)

NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, OSError)


class SendError(Exception):
    """The homeserver refused the event for good (not a rate limit, not a passing fault)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


class Unavailable(Exception):
    """The homeserver did not answer after a few tries; what was being sent stays pending."""


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


def _http_status(response: ErrorResponse) -> int | None:
    transport = getattr(response, "transport_response", None)
    return getattr(transport, "status", None)


def _is_rate_limit(response: ErrorResponse) -> bool:
    return response.status_code == "M_LIMIT_EXCEEDED" or _http_status(response) == 429


def _is_passing_fault(response: ErrorResponse) -> bool:
    status = _http_status(response)
    return status is None or status >= 500


class Transport:
    """Rate limits are waited out as the server asks; a server that is away raises Unavailable after a few tries,
    leaving the message pending for the next flush; any other refusal is final (SendError)."""

    def __init__(self, client: AsyncClient, attempts_while_away: int = 4):
        self.client = client
        self.attempts_while_away = attempts_while_away
        self._flushing = asyncio.Lock()

    async def _call(self, what: str, request: Callable[[], Awaitable[Any]], ok: type) -> Any:
        backoff = Backoff()
        while True:
            try:
                response = await request()
            except NETWORK_ERRORS as exc:
                response = exc
            if isinstance(response, ok):
                return response
            if isinstance(response, ErrorResponse) and _is_rate_limit(response):
                delay = (response.retry_after_ms or 1000) / 1000
                log.info("%s: rate limited, waiting %.1fs as the server asks", what, delay)
                await asyncio.sleep(delay)
                continue
            if isinstance(response, ErrorResponse) and not _is_passing_fault(response):
                raise SendError(response.status_code or str(_http_status(response)), response.message or "")
            if backoff.attempt >= self.attempts_while_away:
                raise Unavailable(f"{what}: {response}")
            delay = backoff.next()
            log.warning("%s failed (%s), retrying in %.1fs", what, type(response).__name__, delay)
            await asyncio.sleep(delay)

    async def send(self, room_id: str, event_type: str, content: dict[str, Any], txn_id: str) -> str:
        """Send one event and return its id. The same txn_id on every attempt lets the server de-duplicate."""

        async def request() -> Any:
            try:
                # nio encrypts in place; every attempt starts from the original content.
                return await self.client.room_send(
                    room_id, event_type, copy.deepcopy(content), tx_id=txn_id, ignore_unverified_devices=True
                )
            except LocalProtocolError as exc:
                raise SendError("M_LOCAL", str(exc)) from None

        response = await self._call(f"send to {room_id}", request, RoomSendResponse)
        return response.event_id

    async def put_state(self, room_id: str, event_type: str, content: dict[str, Any], state_key: str) -> None:
        await self._call(
            f"state {event_type} in {room_id}",
            lambda: self.client.room_put_state(room_id, event_type, content, state_key=state_key),
            RoomPutStateResponse,
        )

    async def flush(self, db: Database, clock: Clock) -> None:
        """Send every pending outbox message in order. Raises Unavailable, keeping
        the rest pending, when the homeserver is away. One flush at a time: the sync loop and the
        reminder jobs both flush, and a message must not be sent by both."""
        async with self._flushing:
            await self._flush(db, clock)

    async def _flush(self, db: Database, clock: Clock) -> None:
        async with db.reading() as conn:
            pending = await OutboxRepo(conn).pending()
        for message in pending:
            try:
                event_id = await self.send(message.room_id, message.event_type, message.content, message.txn_id)
            except SendError as exc:
                log.error("message %s to %s not sent: %s", message.txn_id, message.room_id, exc)
                async with db.transaction() as conn:
                    await OutboxRepo(conn).mark_failed(message.id, str(exc))
                continue
            async with db.transaction() as conn:
                await OutboxRepo(conn).mark_sent(message.id, event_id, clock.now())
