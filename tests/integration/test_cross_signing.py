"""Cross-signing on a real Synapse: the bot's device as other users see it, across restarts, next to keys
someone else set up, and who can read what the bot sends."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import vodozemac
from nio import Api, EncryptionError, MegolmEvent

from bot.localclient import UserClient, content_of
from bot.matrix.crosssigning import KEYS_FILE, OwnKeys, publish, query, sign_device
from bot.matrix.transport import Transport
from tests.conftest import PASSWORD, unique
from tests.integration.helpers import ask, room_with_bot
from tests.integration.test_process import run_cli

pytestmark = pytest.mark.integration

FOREIGN_LINE = (
    "cross-signing: the account has cross-signing keys this data dir does not hold; "
    "`samverkan-bot cross-signing reset` replaces them"
)


def keys_of(homeserver: Any, viewer: UserClient, user_id: str) -> dict[str, Any]:
    """What `viewer` learns about `user_id`'s keys from /keys/query."""
    answer = homeserver.request(
        "POST", "/_matrix/client/v3/keys/query", {"device_keys": {user_id: []}}, token=viewer.client.access_token
    )
    return {part: answer.get(part, {}).get(user_id) for part in ("device_keys", "master_keys", "self_signing_keys")}


def public_key(key_object: dict[str, Any]) -> str:
    (key,) = key_object["keys"].values()
    return key


def assert_signed_by(signer: str, obj: dict[str, Any], user_id: str) -> None:
    """Checked with vodozemac and nio's canonical JSON, not with the bot's own signing code."""
    signature = obj["signatures"][user_id][f"ed25519:{signer}"]
    message = Api.to_canonical_json({k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}).encode()
    vodozemac.Ed25519PublicKey.from_base64(signer).verify_signature(
        message, vodozemac.Ed25519Signature.from_base64(signature)
    )


def assert_cross_signed(keys: dict[str, Any], user_id: str, device_id: str) -> str:
    """The device is signed by the self-signing key, which is signed by the master key; returns the master key."""
    master = public_key(keys["master_keys"])
    assert keys["master_keys"]["usage"] == ["master"]
    assert_signed_by(master, keys["self_signing_keys"], user_id)
    assert_signed_by(public_key(keys["self_signing_keys"]), keys["device_keys"][device_id], user_id)
    return master


async def cross_sign(user: UserClient, *device_ids: str) -> OwnKeys:
    """Give a user cross-signing keys (with the bot's own code) and sign the given devices with them."""
    transport = Transport(user.client)
    keys = OwnKeys.generate(user.user_id)
    await publish(transport, keys, PASSWORD)
    await sign_devices(user, keys, *device_ids)
    return keys


async def sign_devices(user: UserClient, keys: OwnKeys, *device_ids: str) -> None:
    transport = Transport(user.client)
    listed = (await query(transport, user.user_id))["device_keys"][user.user_id]
    for device_id in device_ids:
        await sign_device(transport, keys, listed[device_id])


def undecryptable(user: UserClient) -> dict[str, MegolmEvent]:
    """The events this device receives but cannot decrypt, by event id, as they arrive."""
    seen: dict[str, MegolmEvent] = {}

    async def on_event(room: Any, event: MegolmEvent) -> None:
        seen[event.event_id] = event

    user.client.add_event_callback(on_event, MegolmEvent)
    return seen


async def eventually(predicate: Any, timeout: float = 20) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(wait(), timeout)


@pytest.fixture
async def second_device(homeserver, tmp_path):
    """Another login of the same user: a second device with its own keys."""
    made: list[UserClient] = []

    async def factory(user: UserClient) -> UserClient:
        device = UserClient(homeserver.url, user.user_id, PASSWORD, tmp_path / unique("device"))
        await device.start()
        made.append(device)
        return device

    yield factory
    for device in made:
        await device.close()


def env_of(bot: Any, **values: str) -> dict[str, str]:
    settings = bot.settings
    return {"homeserver": settings.homeserver, "user_id": settings.user_id, "data_dir": str(settings.data_dir), **values}


async def test_first_start_cross_signs_the_device(make_bot, make_user, make_room, homeserver, caplog):
    bot = make_bot()
    user = await make_user()
    with caplog.at_level(logging.INFO):
        room_id = await room_with_bot(bot, user, make_room, encrypted=True)

    keys = keys_of(homeserver, user, bot.user_id)
    master = assert_cross_signed(keys, bot.user_id, bot.app.client.device_id)
    assert (bot.settings.data_dir / KEYS_FILE).stat().st_mode & 0o777 == 0o600
    (line,) = [r.getMessage() for r in caplog.records if "device cross-signed" in r.getMessage()]
    assert f"(master key {master})" in line and line.endswith("ms after start")
    content = await ask(user, room_id, "!ping")
    assert content["body"].startswith("Pong!")


async def test_restart_changes_nothing_others_see(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room, encrypted=True)
    assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong!")
    device = bot.app.client.device_id
    before = keys_of(homeserver, user, bot.user_id)

    await bot.stop()
    await bot.start()

    assert bot.app.client.device_id == device
    after = keys_of(homeserver, user, bot.user_id)
    assert after == before  # no new device, the same master key, the same signatures
    assert list(after["device_keys"]) == [device]
    assert_cross_signed(after, bot.user_id, device)
    assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong!")


async def test_keys_the_data_dir_does_not_hold_are_left_until_reset(make_bot, make_user, make_room, homeserver, tmp_path, caplog):
    bot = make_bot()
    person = UserClient(homeserver.url, bot.user_id, PASSWORD, tmp_path / "person")  # someone logs in as the bot
    await person.start()
    try:
        foreign = await cross_sign(person, person.client.device_id)
    finally:
        await person.close()
    user = await make_user()

    with caplog.at_level(logging.INFO):
        room_id = await room_with_bot(bot, user, make_room, encrypted=True)
        assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong!")  # it runs all the same, unsigned

    told = [r for r in caplog.records if "cross-signing keys this data dir does not hold" in r.getMessage()]
    assert len(told) == 1 and told[0].levelno == logging.WARNING
    keys = keys_of(homeserver, user, bot.user_id)
    assert public_key(keys["master_keys"]) == foreign.master.public
    assert public_key(keys["self_signing_keys"]) == foreign.self_signing.public
    device = bot.app.client.device_id
    assert list(keys["device_keys"][device]["signatures"][bot.user_id]) == [f"ed25519:{device}"]
    assert not (bot.settings.data_dir / KEYS_FILE).exists()

    checked = await asyncio.to_thread(run_cli, tmp_path, "check", **env_of(bot, password=PASSWORD))
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1] == FOREIGN_LINE

    token = bot.app.client.access_token
    refused = await asyncio.to_thread(run_cli, tmp_path, "cross-signing", "reset", **env_of(bot, access_token=token))
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1 and "needs BOT_PASSWORD" in refused.stderr
    assert public_key(keys_of(homeserver, user, bot.user_id)["master_keys"]) == foreign.master.public

    await bot.stop()
    done = await asyncio.to_thread(run_cli, tmp_path, "cross-signing", "reset", **env_of(bot, password=PASSWORD))
    assert done.returncode == 0, done.stdout + done.stderr
    keys = keys_of(homeserver, user, bot.user_id)
    master = assert_cross_signed(keys, bot.user_id, device)
    assert master != foreign.master.public
    assert done.stdout.strip() == f"cross-signing: replaced (master key {master}); device {device} signed"
    assert (bot.settings.data_dir / KEYS_FILE).stat().st_mode & 0o777 == 0o600

    checked = await asyncio.to_thread(run_cli, tmp_path, "check", **env_of(bot, password=PASSWORD))
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.splitlines()[-1] == f"cross-signing: ok (master key {master}, device {device} signed)"

    caplog.clear()
    with caplog.at_level(logging.INFO):
        await bot.start()
        assert (await ask(user, room_id, "!ping"))["body"].startswith("Pong!")
    assert not [r for r in caplog.records if "does not hold" in r.getMessage()]
    assert keys_of(homeserver, user, bot.user_id) == keys


async def test_check_before_the_first_start(make_bot, tmp_path):
    bot = make_bot()

    checked = await asyncio.to_thread(run_cli, tmp_path, "check", **env_of(bot, password=PASSWORD))

    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.splitlines()[-1] == "cross-signing: not set up yet (done at first start)"


async def test_room_keys_only_for_devices_their_owner_signed(make_bot, make_user, make_room, second_device):
    bot = make_bot()
    carol = await make_user("carol")
    carol_unsigned = await second_device(carol)
    carol_keys = await cross_sign(carol, carol.client.device_id)
    dave = await make_user("dave")  # no cross-signing: an old client
    dave_second = await second_device(dave)
    missed = undecryptable(carol_unsigned)
    room_id = await room_with_bot(bot, carol, make_room, encrypted=True, others=(dave,))
    for device in (carol_unsigned, dave_second):
        await device.wait_for(lambda device=device: room_id in device.client.rooms)

    event_id = await carol.send(room_id, "!ping")

    reply = await carol.reply_to(room_id, event_id)
    assert content_of(reply)["body"].startswith("Pong!")
    for device in (dave, dave_second):
        assert content_of(await device.reply_to(room_id, event_id))["body"].startswith("Pong!")
    await carol_unsigned.wait_for(lambda: reply.event_id in missed)
    with pytest.raises(EncryptionError):
        carol_unsigned.client.decrypt_event(missed[reply.event_id])
    assert carol_unsigned.replies_to(room_id, event_id) == []

    # Once Carol signs the device, the bot's next reply reaches it too.
    await sign_devices(carol, carol_keys, carol_unsigned.client.device_id)
    seen = bot.app.client.device_store[carol.user_id][carol_unsigned.client.device_id]
    await eventually(lambda: not bot.app.client.olm.is_device_blacklisted(seen))
    event_id = await carol.send(room_id, "!ping")
    assert content_of(await carol_unsigned.reply_to(room_id, event_id))["body"].startswith("Pong!")


async def test_sharing_with_all_devices(make_bot, make_user, make_room, second_device):
    bot = make_bot(share_keys_with="all")
    carol = await make_user("carol")
    carol_unsigned = await second_device(carol)
    await cross_sign(carol, carol.client.device_id)
    room_id = await room_with_bot(bot, carol, make_room, encrypted=True)
    await carol_unsigned.wait_for(lambda: room_id in carol_unsigned.client.rooms)

    event_id = await carol.send(room_id, "!ping")

    for device in (carol, carol_unsigned):
        assert content_of(await device.reply_to(room_id, event_id))["body"].startswith("Pong!")
