"""A file sealed with a passphrase: scrypt derives the key, AES-256-GCM encrypts and authenticates (both from
pycryptodome, which the bot already uses for Matrix attachments). Streamed, so a large backup never sits in memory;
what is unsealed is only trusted once the tag at its end has been checked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt

MAGIC = b"samverkan-bot sealed v1\n"
SCRYPT_LOG_N = 17  # 128 MiB and about half a second to derive: costly to guess, cheap to use once
SCRYPT_R, SCRYPT_P = 8, 1
SALT, NONCE, TAG = 16, 12, 16
CHUNK = 1 << 20


class SealError(Exception):
    """The file is not sealed as this module seals, or the passphrase is not the one it was sealed with."""


def is_sealed(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _key(passphrase: str, salt: bytes, log_n: int) -> bytes:
    if not passphrase:
        raise SealError("the passphrase is empty")
    return scrypt(passphrase.encode(), salt, 32, N=1 << log_n, r=SCRYPT_R, p=SCRYPT_P)  # type: ignore[return-value]


def _copy(cipher_step, source: BinaryIO, target: BinaryIO, stop: int | None = None) -> None:
    """Pass `source` through `cipher_step` into `target`, up to `stop` bytes (all when None)."""
    left = stop
    while left is None or left > 0:
        chunk = source.read(CHUNK if left is None else min(CHUNK, left))
        if not chunk:
            break
        target.write(cipher_step(chunk))
        if left is not None:
            left -= len(chunk)


def seal(source: Path, target: BinaryIO, passphrase: str) -> None:
    """Write `source` sealed into `target`: header, ciphertext, tag. The header is authenticated too."""
    salt, nonce = os.urandom(SALT), os.urandom(NONCE)
    header = MAGIC + bytes([SCRYPT_LOG_N]) + salt + nonce
    cipher = AES.new(_key(passphrase, salt, SCRYPT_LOG_N), AES.MODE_GCM, nonce=nonce)
    cipher.update(header)
    target.write(header)
    with open(source, "rb") as plain:
        _copy(cipher.encrypt, plain, target)
    target.write(cipher.digest())


def unseal(source: Path, target: BinaryIO, passphrase: str) -> None:
    """Write what `source` seals into `target`; raise SealError, before anything written is to be used, when the
    passphrase is wrong or the file was changed."""
    size = source.stat().st_size
    with open(source, "rb") as sealed:
        header = sealed.read(len(MAGIC) + 1 + SALT + NONCE)
        if len(header) < len(MAGIC) + 1 + SALT + NONCE or not header.startswith(MAGIC) or size < len(header) + TAG:
            raise SealError("not a sealed backup, or cut short")
        log_n = header[len(MAGIC)]
        if not 10 <= log_n <= 24:
            raise SealError("not a sealed backup (unknown key derivation cost)")
        salt = header[len(MAGIC) + 1 : len(MAGIC) + 1 + SALT]
        nonce = header[len(MAGIC) + 1 + SALT :]
        cipher = AES.new(_key(passphrase, salt, log_n), AES.MODE_GCM, nonce=nonce)
        cipher.update(header)
        _copy(cipher.decrypt, sealed, target, size - len(header) - TAG)
        try:
            cipher.verify(sealed.read(TAG))
        except ValueError:
            raise SealError("wrong passphrase, or the file was changed") from None
