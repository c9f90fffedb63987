"""The bot's own cross-signing: its master, self-signing and user-signing keys, kept in the data dir,
published once, and its device signed with them, so Element users see a device its owner vouches for."""

from __future__ import annotations

import enum
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import ErrorResponse, KeysUploadResponse

from bot.errors import StartupError
from bot.matrix.signing import Identity, SigningKey
from bot.matrix.transport import Transport
from bot.settings import Settings

log = logging.getLogger(__name__)

KEYS_FILE = "cross-signing.json"
API = "/_matrix/client/v3"


class CrossSigningError(Exception):
    """The homeserver would not take the keys or the signature; the message is one line for the operator."""


class State(enum.Enum):
    """Whose cross-signing keys the account has: none, the data dir's, or keys the data dir does not hold."""

    NOT_SET_UP = enum.auto()
    OURS = enum.auto()
    FOREIGN = enum.auto()


@dataclass(frozen=True)
class OwnKeys:
    user_id: str
    master: SigningKey
    self_signing: SigningKey
    user_signing: SigningKey

    @classmethod
    def generate(cls, user_id: str) -> OwnKeys:
        return cls(user_id, SigningKey.generate(), SigningKey.generate(), SigningKey.generate())

    @classmethod
    def load(cls, data_dir: Path, user_id: str) -> OwnKeys | None:
        """The keys kept for `user_id`, or None when the data dir holds none for it."""
        path = data_dir / KEYS_FILE
        if not path.exists():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            keys = cls(
                stored["user_id"],
                SigningKey.from_seed(stored["master"]),
                SigningKey.from_seed(stored["self_signing"]),
                SigningKey.from_seed(stored["user_signing"]),
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise StartupError(
                f"{path} is damaged ({type(exc).__name__}); `samverkan-bot cross-signing reset` makes new keys"
            ) from None
        return keys if keys.user_id == user_id else None

    def save(self, data_dir: Path) -> None:
        """Private (0600), written to a temporary file and renamed, so a crash never leaves half a key."""
        path = data_dir / KEYS_FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "user_id": self.user_id,
                    "master": self.master.seed,
                    "self_signing": self.self_signing.seed,
                    "user_signing": self.user_signing.seed,
                },
                handle,
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def _key_object(self, key: SigningKey, usage: str) -> dict[str, Any]:
        return {"user_id": self.user_id, "usage": [usage], "keys": {key.key_id: key.public}}

    def upload_body(self) -> dict[str, Any]:
        """The three public keys as device_signing/upload takes them; the master key signs the other two."""
        return {
            "master_key": self._key_object(self.master, "master"),
            "self_signing_key": self.master.sign(self._key_object(self.self_signing, "self_signing"), self.user_id),
            "user_signing_key": self.master.sign(self._key_object(self.user_signing, "user_signing"), self.user_id),
        }

    def is_published(self, answer: dict[str, Any]) -> bool:
        """Whether the keys in a /keys/query answer for the account are exactly these."""
        mine = self.upload_body()
        return all(
            ((answer.get(f"{name}_keys") or {}).get(self.user_id) or {}).get("keys") == mine[f"{name}_key"]["keys"]
            for name in ("master", "self_signing", "user_signing")
        )


def device_keys(answer: dict[str, Any], user_id: str, device_id: str) -> dict[str, Any] | None:
    """A device's keys in a /keys/query answer, as the homeserver lists them; None if it does not."""
    return ((answer.get("device_keys") or {}).get(user_id) or {}).get(device_id)


def _password_of(settings: Settings) -> str | None:
    return settings.password.get_secret_value() if settings.password else None


def state_of(answer: dict[str, Any], user_id: str, own: OwnKeys | None) -> State:
    identity = Identity.published(answer, user_id)
    if identity is None:
        return State.NOT_SET_UP
    if own is not None and identity.master == own.master.public:
        return State.OURS
    return State.FOREIGN


@dataclass(frozen=True)
class _Answer:
    """A homeserver's JSON answer: a success, or a request for user-interactive authentication (401 with flows)."""

    status: int
    body: dict[str, Any]


async def _request(transport: Transport, what: str, path: str, body: dict[str, Any]) -> _Answer:
    """POST with the client's access token, checked and retried like every request to the homeserver.
    nio has no call for these endpoints."""
    client = transport.client

    async def attempt() -> _Answer | ErrorResponse:
        headers = {"Authorization": f"Bearer {client.access_token}", "Content-Type": "application/json"}
        response = await client.send("POST", API + path, json.dumps(body), headers)
        try:
            data = await response.json(content_type=None)
        except ValueError:
            data = None
        data = data if isinstance(data, dict) else {}
        if response.status == 200 or (response.status == 401 and "flows" in data):
            return _Answer(response.status, data)
        error = ErrorResponse.from_dict(data)
        error.transport_response = response
        return error

    return await transport.request(what, attempt, _Answer)


async def query(transport: Transport, user_id: str) -> dict[str, Any]:
    """The /keys/query answer for one user: devices and cross-signing keys."""
    return (await _request(transport, "keys query", "/keys/query", {"device_keys": {user_id: []}})).body


async def publish(transport: Transport, keys: OwnKeys, password: str | None) -> None:
    """Upload the keys. A first upload needs no authentication; replacing keys asks for the account password."""
    body = keys.upload_body()
    answer = await _request(transport, "cross-signing upload", "/keys/device_signing/upload", body)
    if answer.status == 401:
        flows = [stage for flow in answer.body.get("flows", []) for stage in flow.get("stages", [])]
        if password is None:
            raise CrossSigningError("the homeserver asks for the account password to set cross-signing keys; set BOT_PASSWORD")
        if "m.login.password" not in flows:
            raise CrossSigningError(f"the homeserver asks for {', '.join(flows) or 'an unknown step'}, not a password")
        auth = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": keys.user_id},
            "password": password,
            "session": answer.body.get("session"),
        }
        answer = await _request(transport, "cross-signing upload", "/keys/device_signing/upload", {**body, "auth": auth})
        if answer.status == 401:
            raise CrossSigningError("the homeserver refused BOT_PASSWORD for replacing the cross-signing keys")


async def sign_device(transport: Transport, keys: OwnKeys, device: dict[str, Any]) -> None:
    """Sign a device of the account (its keys as /keys/query returned them) with the self-signing key."""
    signed = keys.self_signing.sign(device, keys.user_id)
    body = {keys.user_id: {device["device_id"]: signed}}
    answer = await _request(transport, "device signature upload", "/keys/signatures/upload", body)
    failures = answer.body.get("failures") or {}
    if failures:
        raise CrossSigningError(f"the homeserver refused the device signature: {json.dumps(failures)[:200]}")


async def cross_sign_device(transport: Transport, settings: Settings) -> OwnKeys | None:
    """Make sure the client's device is cross-signed with the keys in the data dir: create and publish them
    if the account has none, sign the device if it is not yet. Keys of the account that the data dir does
    not hold are left alone (logged); the device then stays unsigned. Returns the keys the device is signed with."""
    client = transport.client
    user_id, device_id, data_dir = client.user_id, client.device_id, settings.data_dir
    if client.should_upload_keys:  # the device's own keys must be on the server before they can be signed
        await transport.request("keys upload", client.keys_upload, KeysUploadResponse)
    answer = await query(transport, user_id)
    own = OwnKeys.load(data_dir, user_id)
    state = state_of(answer, user_id, own)
    if state is State.FOREIGN:
        log.warning(
            "the account has cross-signing keys this data dir does not hold; the device stays unsigned until "
            "`samverkan-bot cross-signing reset` replaces them"
        )
        return None
    if own is None:
        own = OwnKeys.generate(user_id)
        own.save(data_dir)  # before publishing: keys on the server must never be keys the bot does not hold
    if not own.is_published(answer):
        await publish(transport, own, _password_of(settings))
        log.info("cross-signing keys published (master key %s)", own.master.public)
    device = device_keys(answer, user_id, device_id)
    if device is None:
        raise CrossSigningError(f"the homeserver does not list the keys of device {device_id}")
    if not Identity(user_id, own.master.public, own.self_signing.public).signs(device):
        await sign_device(transport, own, device)
    return own


async def reset(transport: Transport, settings: Settings) -> tuple[OwnKeys, bool]:
    """Replace the account's cross-signing keys with new ones kept in the data dir, and sign the device with
    them if its keys are on the server (otherwise the next start does). Returns the keys and whether it signed."""
    client = transport.client
    own = OwnKeys.generate(client.user_id)
    await publish(transport, own, _password_of(settings))
    own.save(settings.data_dir)  # after publishing: a refused password must not cost the keys still in use
    device = device_keys(await query(transport, client.user_id), client.user_id, client.device_id)
    if device is None:
        return own, False
    await sign_device(transport, own, device)
    return own, True
