"""`samverkan-bot backup` and `restore`: one file holding everything a new machine needs to be the same bot.

The file is a gzipped tar: the database and the encryption store copied with SQLite's online backup (a
consistent copy while the bot writes, never a copy of a live file), the session and the cross-signing keys, and a
manifest with each file's size and SHA-256. The database is copied first and the encryption store after it, so
every room key the copied database has seen is in the copy. With a passphrase the tar is sealed (bot/sealing.py).

A restore goes only into an empty data dir, checks the whole file before anything is put in place, and leaves a
mark that the first start reads (bot/restored.py): the bot then learns what it said after the backup was taken,
so it says none of it again."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.matrix.client import CRYPTO_DIR
from bot.matrix.crosssigning import KEYS_FILE
from bot.matrix.session import SESSION_FILE, Session, load_session, save_session
from bot.restored import RESTORED, RESTORING
from bot.sealing import SealError, is_sealed, seal, unseal
from bot.settings import Settings
from bot.store.db import DB_NAME

FORMAT = 1
MANIFEST = "manifest.json"
LAST_BACKUP = "last-backup.json"
"""Where the data dir keeps when it was last backed up, for `samverkan-bot check`."""
SQLITE_MAGIC = b"SQLite format 3\0"
SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """What stops a backup or a restore, in one line; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    path: Path
    taken_at: datetime
    size: int
    seconds: float
    sealed: bool
    files: int
    note: str = ""


def _private_file(path: Path) -> int:
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent copy while the bot keeps writing (its WAL lets it)."""
    os.close(_private_file(target))
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _is_sqlite(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _schema(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """Private, whole or not at all."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with os.fdopen(_private_file(tmp), "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@contextmanager
def _staging(near: Path) -> Iterator[Path]:
    """A private scratch dir beside `near` (same file system, so files move into place by rename)."""
    near.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".samverkan-", dir=near))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _snapshot(data_dir: Path, into: Path) -> list[str]:
    """Copy what makes the bot into `into`: the database first, the encryption store after it."""
    names = [DB_NAME]
    _sqlite_copy(data_dir / DB_NAME, into / DB_NAME)
    crypto = data_dir / CRYPTO_DIR
    if crypto.is_dir():
        (into / CRYPTO_DIR).mkdir(mode=0o700)
        for path in sorted(crypto.iterdir()):
            if not path.is_file() or path.name.endswith(SIDE_FILES):
                continue
            name = f"{CRYPTO_DIR}/{path.name}"
            if _is_sqlite(path):
                _sqlite_copy(path, into / name)
            else:
                shutil.copy2(path, into / name)
            names.append(name)
    for name in (SESSION_FILE, KEYS_FILE):  # each replaced whole by rename when written, so a copy is whole
        if (data_dir / name).is_file():
            shutil.copy2(data_dir / name, into / name)
            names.append(name)
    return names


def take(settings: Settings, target: Path, passphrase: str | None = None, force: bool = False) -> Summary:
    """Write the backup to `target` (mode 0600), replacing it only with `force`; note it in the data dir."""
    started, data_dir = time.perf_counter(), settings.data_dir
    if not (data_dir / DB_NAME).is_file():
        raise BackupError(f"nothing to back up: {data_dir} has no database (BOT_DATA_DIR)")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; give --force to replace it")
    session = load_session(data_dir)
    taken_at = datetime.now(timezone.utc)
    target = target.resolve()
    with _staging(target.parent) as scratch:
        files = scratch / "files"
        files.mkdir(mode=0o700)
        names = _snapshot(data_dir, files)
        manifest = {
            "format": FORMAT,
            "taken_at": taken_at.isoformat(timespec="seconds"),
            "user_id": session.user_id if session else settings.user_id,
            "device_id": session.device_id if session else None,
            "schema": _schema(files / DB_NAME),
            "files": {name: {"size": (files / name).stat().st_size, "sha256": _sha256(files / name)} for name in names},
        }
        archive = scratch / "backup.tar.gz"
        with os.fdopen(_private_file(archive), "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(taken_at.timestamp())
            tar.addfile(info, io.BytesIO(data))
            for name in names:
                tar.add(files / name, arcname=name, recursive=False)
        written = scratch / "written"
        with os.fdopen(_private_file(written), "wb") as out:
            if passphrase is None:
                with open(archive, "rb") as plain:
                    shutil.copyfileobj(plain, out, 1 << 20)
            else:
                seal(archive, out, passphrase)
            out.flush()
            os.fsync(out.fileno())
        os.replace(written, target)
    size = target.stat().st_size
    _write_json(
        data_dir / LAST_BACKUP,
        {"taken_at": manifest["taken_at"], "file": str(target), "size": size, "sealed": passphrase is not None},
    )
    return Summary(target, taken_at, size, time.perf_counter() - started, passphrase is not None, len(names))


def last_backup(data_dir: Path) -> tuple[datetime, str] | None:
    """When the data dir was last backed up, and to which file; None if never (or the note is unreadable)."""
    try:
        note = json.loads((data_dir / LAST_BACKUP).read_text(encoding="utf-8"))
        return datetime.fromisoformat(note["taken_at"]), str(note["file"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _empty_or_unfinished(data_dir: Path) -> bool:
    """Only an empty data dir (or one an interrupted restore left) is restored into."""
    if not data_dir.exists():
        return True
    entries = list(data_dir.iterdir())
    return not entries or (data_dir / RESTORING).exists()


def _unpack(source: Path, passphrase: str | None, scratch: Path) -> dict[str, Any]:
    """The backup's files checked and unpacked into scratch/files; its manifest."""
    archive = source
    if is_sealed(source):
        if passphrase is None:
            raise BackupError(f"{source} is sealed with a passphrase: give it with --passphrase-file or BOT_BACKUP_PASSPHRASE")
        archive = scratch / "backup.tar.gz"
        with os.fdopen(_private_file(archive), "wb") as out:
            try:
                unseal(source, out, passphrase)
            except SealError as exc:
                raise BackupError(f"{source}: {exc}") from None
    files = scratch / "files"
    files.mkdir(mode=0o700)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            tar.extractall(files, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{source} is not a backup of this bot, or it is damaged ({exc})") from None
    try:
        manifest = json.loads((files / MANIFEST).read_text(encoding="utf-8"))
        listed: dict[str, dict[str, Any]] = manifest["files"]
        if manifest.get("format") != FORMAT:
            raise BackupError(f"{source} has backup format {manifest.get('format')}; this bot reads format {FORMAT}")
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(f"{source} is not a backup of this bot (no readable manifest)") from None
    for name, expected in listed.items():
        path = files / name
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{source} is damaged: {name} does not match its checksum")
    if DB_NAME not in listed:
        raise BackupError(f"{source} holds no database")
    return manifest


def restore(settings: Settings, source: Path, passphrase: str | None = None) -> Summary:
    """Put the backup in `source` into the (empty) data dir."""
    started, data_dir = time.perf_counter(), settings.data_dir
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if not _empty_or_unfinished(data_dir):
        raise BackupError(f"{data_dir} is not empty: a backup is restored only into an empty data dir; nothing was changed")
    with _staging(data_dir.parent) as scratch:
        manifest = _unpack(source, passphrase, scratch)
        if manifest.get("user_id") != settings.user_id:
            raise BackupError(f"{source} is a backup of {manifest.get('user_id')}, not of {settings.user_id} (BOT_USER_ID)")
        files = scratch / "files"
        note = ""
        session = load_session(files)
        if session is not None and session.homeserver != settings.homeserver:
            # A new machine may reach the same homeserver at another address: the device is the account's.
            save_session(files, Session(settings.homeserver, session.user_id, session.device_id, session.access_token))
            note = f"the session now uses {settings.homeserver} (it was {session.homeserver})"
        (files / MANIFEST).unlink()
        for path in files.rglob("*"):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
        _write_json(files / RESTORED, {"taken_at": manifest["taken_at"]})
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        os.close(os.open(data_dir / RESTORING, os.O_CREAT | os.O_WRONLY, 0o600))
        for entry in data_dir.iterdir():  # what an interrupted restore put there
            if entry.name != RESTORING:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        for entry in files.iterdir():
            os.replace(entry, data_dir / entry.name)
        (data_dir / RESTORING).unlink()
    return Summary(
        source, datetime.fromisoformat(manifest["taken_at"]), source.stat().st_size, time.perf_counter() - started,
        is_sealed(source), len(manifest["files"]), note,
    )  # fmt: skip
