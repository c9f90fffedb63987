"""Signed JSON, cross-signing identities, the bot's own keys and who gets its room keys: pure logic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import vodozemac
from nio import Api

from bot.errors import StartupError
from bot.matrix.crosssigning import KEYS_FILE, OwnKeys, State, state_of
from bot.matrix.keysharing import may_receive_keys
from bot.matrix.signing import Identity, SigningKey, is_signed

ALICE = "@alice:eslov.se"
DEVICE = "ALICEPHONE"


def device_keys(user_id: str = ALICE, device_id: str = DEVICE) -> dict:
    """A device's keys as /keys/query returns them: self-signed, with an `unsigned` part."""
    device = SigningKey.generate()
    payload = {
        "user_id": user_id,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {f"ed25519:{device_id}": device.public, f"curve25519:{device_id}": "c" * 43},
    }
    signed = device.sign(payload, user_id)
    signed["signatures"][user_id] = {f"ed25519:{device_id}": signed["signatures"][user_id][device.key_id]}
    return {**signed, "unsigned": {"device_display_name": "Alice's phone"}}


def answer_for(keys: OwnKeys, *devices: dict) -> dict:
    """A /keys/query answer for an account that published `keys`."""
    body = keys.upload_body()
    return {
        "device_keys": {keys.user_id: {d["device_id"]: d for d in devices}},
        "master_keys": {keys.user_id: body["master_key"]},
        "self_signing_keys": {keys.user_id: body["self_signing_key"]},
        "user_signing_keys": {keys.user_id: body["user_signing_key"]},
    }


def test_signature_is_checked_by_vodozemac_too() -> None:
    key = SigningKey.generate()
    obj = {"b": 1, "a": "å", "unsigned": {"ignored": True}}

    signed = key.sign(obj, ALICE)

    assert "unsigned" not in signed
    message = Api.to_canonical_json({"a": "å", "b": 1}).encode()
    vodozemac.Ed25519PublicKey.from_base64(key.public).verify_signature(
        message, vodozemac.Ed25519Signature.from_base64(signed["signatures"][ALICE][key.key_id])
    )
    assert is_signed(signed, ALICE, key.public)


def test_signing_keeps_the_signatures_already_there() -> None:
    first, second = SigningKey.generate(), SigningKey.generate()

    signed = second.sign(first.sign({"a": 1}, ALICE), ALICE)

    assert is_signed(signed, ALICE, first.public) and is_signed(signed, ALICE, second.public)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda o: o.update(a=2),
        lambda o: o["signatures"].update({"@mallory:eslov.se": o["signatures"].pop(ALICE)}),
        lambda o: o["signatures"][ALICE].update({k: "AAAA" for k in o["signatures"][ALICE]}),
        lambda o: o["signatures"][ALICE].update({k: "not base64!" for k in o["signatures"][ALICE]}),
        lambda o: o.pop("signatures"),
        lambda o: o.update(signatures="nonsense"),
    ],
    ids=["content changed", "other user", "wrong signature", "garbage", "no signatures", "malformed"],
)
def test_a_bad_signature_is_refused(tamper) -> None:
    key = SigningKey.generate()
    signed = key.sign({"a": 1}, ALICE)

    tamper(signed)

    assert not is_signed(signed, ALICE, key.public)


def test_unsigned_part_does_not_count() -> None:
    key = SigningKey.generate()
    signed = key.sign({"a": 1}, ALICE)

    assert is_signed({**signed, "unsigned": {"device_display_name": "changed"}}, ALICE, key.public)


def test_seed_round_trip_and_no_private_key_in_repr() -> None:
    key = SigningKey.generate()

    again = SigningKey.from_seed(key.seed)

    assert again.public == key.public
    assert key.seed not in repr(key)


def test_own_keys_publish_a_chain_that_vouches_for_a_signed_device() -> None:
    keys = OwnKeys.generate(ALICE)
    device = device_keys()
    signed = keys.self_signing.sign(device, ALICE)

    identity = Identity.published(answer_for(keys, signed), ALICE)

    assert identity == Identity(ALICE, keys.master.public, keys.self_signing.public)
    assert identity.signs(signed)
    assert not identity.signs(device)
    body = keys.upload_body()
    assert body["master_key"]["usage"] == ["master"]
    assert is_signed(body["user_signing_key"], ALICE, keys.master.public)


def test_self_signing_key_not_signed_by_the_master_vouches_for_nothing() -> None:
    keys = OwnKeys.generate(ALICE)
    device = keys.self_signing.sign(device_keys(), ALICE)
    answer = answer_for(keys, device)
    answer["self_signing_keys"][ALICE]["signatures"] = {}

    identity = Identity.published(answer, ALICE)

    assert identity is not None and identity.master == keys.master.public
    assert identity.self_signing is None
    assert not identity.signs(device)


def test_a_device_of_another_user_is_not_vouched_for() -> None:
    keys = OwnKeys.generate(ALICE)
    other = keys.self_signing.sign(device_keys("@mallory:eslov.se"), ALICE)

    assert not Identity.published(answer_for(keys, other), ALICE).signs(other)


def test_no_master_key_is_no_identity() -> None:
    assert Identity.published({"device_keys": {ALICE: {}}}, ALICE) is None


def test_a_key_object_for_the_wrong_usage_is_no_master_key() -> None:
    keys = OwnKeys.generate(ALICE)
    answer = answer_for(keys)
    answer["master_keys"][ALICE] = answer["self_signing_keys"][ALICE]

    identity = Identity.published(answer, ALICE)

    assert identity is not None and identity.master is None and identity.self_signing is None


@pytest.mark.parametrize(
    ("share_with", "owner", "device", "receives"),
    [
        ("cross-signed", "none", "unsigned", True),
        ("cross-signed", "cross-signed", "signed", True),
        ("cross-signed", "cross-signed", "unsigned", False),
        ("cross-signed", "cross-signed", "missing", False),
        ("cross-signed", "broken", "signed", False),
        ("all", "cross-signed", "unsigned", True),
        ("all", "none", "unsigned", True),
    ],
)
def test_who_receives_room_keys(share_with, owner, device, receives) -> None:
    keys = OwnKeys.generate(ALICE)
    payload = device_keys()
    if device == "signed":
        payload = keys.self_signing.sign(payload, ALICE)
    answer = answer_for(keys, payload)
    if owner == "broken":
        answer["self_signing_keys"][ALICE] = OwnKeys.generate(ALICE).upload_body()["self_signing_key"]
    identity = None if owner == "none" else Identity.published(answer, ALICE)

    assert may_receive_keys(share_with, identity, None if device == "missing" else payload) is receives


def test_state_of_the_account() -> None:
    keys = OwnKeys.generate(ALICE)

    assert state_of({"device_keys": {}}, ALICE, keys) is State.NOT_SET_UP
    assert state_of(answer_for(keys), ALICE, keys) is State.OURS
    assert state_of(answer_for(keys), ALICE, None) is State.FOREIGN
    assert state_of(answer_for(keys), ALICE, OwnKeys.generate(ALICE)) is State.FOREIGN


def test_published_means_all_three_keys() -> None:
    keys = OwnKeys.generate(ALICE)
    answer = answer_for(keys)

    assert keys.is_published(answer)
    answer["user_signing_keys"][ALICE] = OwnKeys.generate(ALICE).upload_body()["user_signing_key"]
    assert not keys.is_published(answer)
    assert not keys.is_published({"device_keys": {}})


def test_keys_file_is_private_and_read_back(tmp_path: Path) -> None:
    keys = OwnKeys.generate(ALICE)

    keys.save(tmp_path)

    assert (tmp_path / KEYS_FILE).stat().st_mode & 0o777 == 0o600
    again = OwnKeys.load(tmp_path, ALICE)
    assert again is not None and again.upload_body() == keys.upload_body()
    assert OwnKeys.load(tmp_path, "@bob:eslov.se") is None
    assert OwnKeys.load(tmp_path / "elsewhere", ALICE) is None


def test_damaged_keys_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / KEYS_FILE).write_text(json.dumps({"user_id": ALICE, "master": "x"}))

    with pytest.raises(StartupError, match="cross-signing reset"):
        OwnKeys.load(tmp_path, ALICE)
