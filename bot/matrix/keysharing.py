"""Who gets the bot's room keys. Like Element: every device its owner has cross-signed, and every device of
a user with no cross-signing at all (an old client still reads the bot); a device of a cross-signed user
that the user has not signed gets none. With `all`, every device gets them. nio knows nothing of
cross-signing: the decision is kept in its device blacklist, which its key sharing honours."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Literal

from bot.matrix.signing import Identity

if TYPE_CHECKING:
    from nio import AsyncClient

log = logging.getLogger(__name__)

ShareWith = Literal["cross-signed", "all"]


def may_receive_keys(share_with: ShareWith, identity: Identity | None, device: dict[str, Any] | None) -> bool:
    """Whether a device gets room keys: its owner's identity (None: the owner has no cross-signing) and the
    device's keys as /keys/query returned them."""
    if share_with == "all" or identity is None:
        return True
    return identity.signs(device)


class KeySharing:
    def __init__(self, client: AsyncClient, share_with: ShareWith):
        self.client = client
        self.share_with = share_with

    def on_keys_query(self, answer: dict[str, Any]) -> None:
        """Decide again for every device in a /keys/query answer, after nio has taken in its device keys.
        When a decision changes, the rooms the user shares with the bot get a new session: a device just
        refused must not read what follows with the old one, a device just allowed must get the key."""
        client = self.client
        changed: set[str] = set()
        for user_id, devices in (answer.get("device_keys") or {}).items():
            identity = Identity.published(answer, user_id)
            for device in client.device_store.active_user_devices(user_id):
                if user_id == client.user_id and device.id == client.device_id:
                    continue
                allowed = may_receive_keys(self.share_with, identity, (devices or {}).get(device.id))
                if allowed == (not client.olm.is_device_blacklisted(device)):
                    continue
                if allowed:
                    client.unblacklist_device(device)
                    log.info("room keys go to device %s of %s again", device.id, user_id)
                else:
                    client.blacklist_device(device)
                    log.info("room keys withheld from device %s of %s: its owner has not cross-signed it", device.id, user_id)
                changed.add(user_id)
        for room in client.rooms.values():
            if room.encrypted and changed.intersection(room.users):
                client.invalidate_outbound_session(room.room_id)
