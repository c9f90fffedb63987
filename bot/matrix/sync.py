"""The sync side: a small filter, long-polling, and fetching the gap when a timeline comes back limited."""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

from nio import (
    ErrorResponse,
    Event,
    KeysQueryResponse,
    KeysUploadResponse,
    MegolmEvent,
    MessageDirection,
    RoomMessagesResponse,
    SyncResponse,
    Timeline,
    ToDeviceResponse,
    UploadFilterResponse,
)

from bot.matrix.events import decrypted, is_own_join
from bot.matrix.transport import NETWORK_ERRORS, SendError, Transport, Unavailable

log = logging.getLogger(__name__)

# Synapse returns at most 10 timeline events per room unless asked for more; a burst of commands
# then arrives `limited`, and the rest must be fetched with /messages.
TIMELINE_LIMIT = 100
GAP_PAGE = 100
GAP_MAX_EVENTS = 5000

EVENT_TYPES = [
    "m.room.message",
    "m.room.encrypted",
    "m.room.member",
    "m.room.power_levels",
    "m.room.create",
    "m.room.encryption",
    "m.room.name",
    "m.room.redaction",
]

ROOM_FILTER: dict[str, Any] = {
    "state": {"lazy_load_members": True, "types": EVENT_TYPES},
    "timeline": {"limit": TIMELINE_LIMIT, "types": EVENT_TYPES, "lazy_load_members": True},
    "ephemeral": {"types": []},
    "account_data": {"types": []},
}


class TokenRejected(Exception):
    """The homeserver no longer accepts the access token."""


class Syncer:
    def __init__(self, transport: Transport):
        self.transport = transport
        self.client = transport.client
        self.filter_id: str | None = None

    async def upload_filter(self) -> None:
        response = await self.client.upload_filter(
            presence={"types": []}, account_data={"types": []}, room=ROOM_FILTER
        )
        if not isinstance(response, UploadFilterResponse):
            raise Unavailable(f"filter upload: {response}")
        self.filter_id = response.filter_id

    async def sync(self, since: str | None, timeout_ms: int, full_state: bool = False) -> SyncResponse:
        """The batch after `since`; with None, the first batch. Asked again with the same `since`, the same batch
        (and whatever came since) comes back."""
        if since is None:
            # nio would go on from the last batch it saw: a first batch whose handling failed would be skipped.
            self.client.next_batch = None
        seen = self.client.next_batch
        try:
            response = await self.client.sync(
                timeout=timeout_ms, sync_filter=self.filter_id, since=since, full_state=full_state or None
            )
        except NETWORK_ERRORS as exc:
            raise Unavailable(f"sync: {type(exc).__name__}") from None
        if isinstance(response, SyncResponse):
            if response.next_batch == seen:
                self._decrypt_again(response)
            return response
        if isinstance(response, ErrorResponse) and response.status_code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
            raise TokenRejected(str(response))
        raise Unavailable(f"sync: {response}")

    def _decrypt_again(self, response: SyncResponse) -> None:
        """nio handles a batch only once: a batch synced again (its handling failed) comes back as the server sent
        it, encrypted. Its events are decrypted here, with the keys nio took from the batch the first time."""
        for room_id, info in response.rooms.join.items():
            for index, event in enumerate(info.timeline.events):
                # Still without its key, it stays encrypted and is handled as undecryptable, as the first time.
                if isinstance(event, MegolmEvent) and (readable := decrypted(self.client, room_id, event)):
                    info.timeline.events[index] = readable

    async def after_sync(self) -> None:
        """The end-to-end encryption upkeep nio's sync_forever would do: keys out, device lists in. Each request goes
        through the transport: while the server is away this raises Unavailable (the batch is handled again); a
        final refusal is logged, and nio asks again when it next needs to."""
        client, transport = self.client, self.transport
        for message in list(client.outgoing_to_device_messages):
            txn = uuid4()  # the same on every attempt, so the server delivers the message once
            try:
                await transport.tolerate(
                    f"to-device {message.type}", lambda m=message, t=txn: client.to_device(m, t), ToDeviceResponse
                )
            except Unavailable:
                if message not in client.outgoing_to_device_messages:  # nio took a 502 for delivery
                    client.outgoing_to_device_messages.append(message)
                raise
        if client.should_upload_keys:
            await transport.tolerate("keys upload", client.keys_upload, KeysUploadResponse)
        if client.should_query_keys:
            await transport.tolerate("keys query", client.keys_query, KeysQueryResponse)
        if client.should_claim_keys:
            await transport.claim_keys(client.get_users_for_key_claiming())

    async def events_to_handle(
        self, room_id: str, timeline: Timeline, last_event_id: str | None, own_user_id: str
    ) -> list[Event]:
        """The room's new events in order. After a limited timeline, the gap back to the last handled event
        (or, in a room just joined, back to the bot's own join) is fetched first."""
        events = list(timeline.events)
        stop = _index_after(events, last_event_id, own_user_id)
        if stop is not None:
            return events[stop:]
        if not timeline.limited or not timeline.prev_batch:
            return events
        return await self._fill_gap(room_id, timeline.prev_batch, last_event_id, own_user_id) + events

    async def _fill_gap(self, room_id: str, token: str, last_event_id: str | None, own_user_id: str) -> list[Event]:
        older: list[Event] = []
        while len(older) < GAP_MAX_EVENTS:
            try:
                response = await self.transport.request(
                    f"messages of {room_id}",
                    lambda start=token: self.client.room_messages(
                        room_id, start=start, direction=MessageDirection.back, limit=GAP_PAGE,
                        message_filter={"types": EVENT_TYPES, "lazy_load_members": True},
                    ),
                    RoomMessagesResponse,
                )  # fmt: skip
            except SendError as exc:  # the history cannot be read (the bot is no longer in the room)
                log.warning("gap in %s not filled: %s", room_id, exc)
                break
            for event in response.chunk:  # newest first
                if event.event_id == last_event_id or (last_event_id is None and is_own_join(event, own_user_id)):
                    log.info("filled a gap of %d events in %s", len(older), room_id)
                    return list(reversed(older))
                older.append(event)
            if not response.chunk or not response.end or response.end == token:
                break
            token = response.end
        log.warning("gap in %s: gave up after %d events without finding the last handled one", room_id, len(older))
        return list(reversed(older))


def _index_after(events: list[Event], last_event_id: str | None, own_user_id: str) -> int | None:
    """Where the new events start in a timeline, if the last handled event (or the bot's join) is in it."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.event_id == last_event_id or (last_event_id is None and is_own_join(event, own_user_id)):
            return index + 1
    return None
