"""Matrix signed JSON: ed25519 keys, signing and checking objects in their canonical form, and the
cross-signing identity a user publishes (master key, and the self-signing key it signs)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from canonicaljson import encode_canonical_json
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

# pycryptodome comes with matrix-nio (its attachments use it) and costs a fraction of the memory of the
# `cryptography` package, for the same RFC 8032 ed25519.
PURE = "rfc8032"


def encode(data: bytes) -> str:
    """Matrix writes keys and signatures in unpadded base64."""
    return base64.b64encode(data).decode().rstrip("=")


def decode(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def canonical(obj: dict[str, Any]) -> bytes:
    """What is signed: the object without its `signatures` and `unsigned`, as canonical JSON."""
    return encode_canonical_json({k: v for k, v in obj.items() if k not in ("signatures", "unsigned")})


class SigningKey:
    """One ed25519 key pair; the private part is kept as its 32-byte seed."""

    def __init__(self, private: ECC.EccKey):
        self._private = private
        self.public = encode(private.public_key().export_key(format="raw"))

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(ECC.generate(curve="ed25519"))

    @classmethod
    def from_seed(cls, seed: str) -> SigningKey:
        return cls(eddsa.import_private_key(decode(seed)))

    @property
    def seed(self) -> str:
        return encode(self._private.seed)

    @property
    def key_id(self) -> str:
        return f"ed25519:{self.public}"

    def sign(self, obj: dict[str, Any], user_id: str) -> dict[str, Any]:
        """A copy of `obj` (without `unsigned`) with this key's signature added to those it has."""
        signature = encode(eddsa.new(self._private, PURE).sign(canonical(obj)))
        signatures = {user: dict(keys) for user, keys in obj.get("signatures", {}).items()}
        signatures.setdefault(user_id, {})[self.key_id] = signature
        return {**{k: v for k, v in obj.items() if k != "unsigned"}, "signatures": signatures}

    def __repr__(self) -> str:  # never show the private key
        return f"SigningKey({self.public})"


def is_signed(obj: Any, user_id: str, public_key: str) -> bool:
    """Whether `obj` carries a valid signature of `user_id`'s ed25519 key `public_key`."""
    try:
        signature = obj["signatures"][user_id][f"ed25519:{public_key}"]
        eddsa.new(eddsa.import_public_key(decode(public_key)), PURE).verify(canonical(obj), decode(signature))
    except (KeyError, TypeError, ValueError, binascii.Error):  # a signature that does not verify is a ValueError
        return False
    return True


def cross_signing_key(obj: Any, user_id: str, usage: str) -> str | None:
    """The public key of a cross-signing key object of `user_id` meant for `usage`, or None if it is not one."""
    if not isinstance(obj, dict) or obj.get("user_id") != user_id or usage not in (obj.get("usage") or ()):
        return None
    keys = obj.get("keys")
    if not isinstance(keys, dict) or len(keys) != 1:
        return None
    ((key_id, public),) = keys.items()
    return public if isinstance(public, str) and key_id == f"ed25519:{public}" else None


@dataclass(frozen=True)
class Identity:
    """A user's cross-signing identity as /keys/query publishes it. `self_signing` is set only when the
    self-signing key is signed by the master key: only then can it vouch for a device."""

    user_id: str
    master: str | None
    self_signing: str | None

    @classmethod
    def published(cls, answer: dict[str, Any], user_id: str) -> Identity | None:
        """The identity in a /keys/query answer, or None if the user has no master key at all."""
        master_obj = (answer.get("master_keys") or {}).get(user_id)
        if master_obj is None:
            return None
        master = cross_signing_key(master_obj, user_id, "master")
        ssk_obj = (answer.get("self_signing_keys") or {}).get(user_id)
        ssk = cross_signing_key(ssk_obj, user_id, "self_signing")
        if master is None or ssk is None or not is_signed(ssk_obj, user_id, master):
            ssk = None
        return cls(user_id, master, ssk)

    def signs(self, device: Any) -> bool:
        """Whether the owner has cross-signed this device (its keys as /keys/query returns them)."""
        return (
            self.self_signing is not None
            and isinstance(device, dict)
            and device.get("user_id") == self.user_id
            and is_signed(device, self.user_id, self.self_signing)
        )
