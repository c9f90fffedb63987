"""The sync side: a small filter, long-polling, and fetching the gap when a timeline comes back limited."""

from __future__ import annotations

import logging
from typing import Any

from nio import (
    AsyncClient,
    ErrorResponse,
    Event,
    MessageDirection,
    RoomMessagesResponse,
    SyncResponse,
    Timeline,
    UploadFilterResponse,
)

from bot.matrix.events import is_own_join
from bot.matrix.transport import NETWORK_ERRORS, Unavailable

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
    def __init__(self, client: AsyncClient):
        self.client = client
        self.filter_id: str | None = None

    async def upload_filter(self) -> None:
        response = await self.client.upload_filter(
            presence={"types": []}, account_data={"types": []}, room=ROOM_FILTER
        )
        if not isinstance(response, UploadFilterResponse):
            raise Unavailable(f"filter upload: {response}")
        self.filter_id = response.filter_id

    async def sync(self, since: str | None, timeout_ms: int, full_state: bool = False) -> SyncResponse:
        try:
            response = await self.client.sync(
                timeout=timeout_ms, sync_filter=self.filter_id, since=since, full_state=full_state or None
            )
        except NETWORK_ERRORS as exc:
            raise Unavailable(f"sync: {type(exc).__name__}") from None
        if isinstance(response, SyncResponse):
            return response
        if isinstance(response, ErrorResponse) and response.status_code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
            raise TokenRejected(str(response))
        raise Unavailable(f"sync: {response}")

    async def after_sync(self) -> None:
        """The end-to-end encryption upkeep nio's sync_forever would do: keys out, device lists in."""
        client = self.client
        try:
            for response in await client.send_to_device_messages():
                if isinstance(response, ErrorResponse):
                    log.warning("to-device message not sent: %s", response)
            if client.should_upload_keys:
                self._check(await client.keys_upload(), "keys upload")
            if client.should_query_keys:
                self._check(await client.keys_query(), "keys query")
            if client.should_claim_keys:
                self._check(await client.keys_claim(client.get_users_for_key_claiming()), "keys claim")
        except NETWORK_ERRORS as exc:
            raise Unavailable(f"encryption upkeep: {type(exc).__name__}") from None

    @staticmethod
    def _check(response: object, what: str) -> None:
        if isinstance(response, ErrorResponse):
            log.warning("%s failed: %s", what, response)

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
                response = await self.client.room_messages(
                    room_id, start=token, direction=MessageDirection.back, limit=GAP_PAGE,
                    message_filter={"types": EVENT_TYPES, "lazy_load_members": True},
                )
            except NETWORK_ERRORS as exc:
                raise Unavailable(f"messages: {type(exc).__name__}") from None
            if not isinstance(response, RoomMessagesResponse):
                raise Unavailable(f"messages: {response}")
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
