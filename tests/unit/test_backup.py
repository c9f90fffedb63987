"""Backup and restore of a data dir, without a homeserver: what the file holds, how it is sealed, and what a
restore refuses. The integration tier restores a running bot's backup and starts it."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
import tarfile
import threading
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.backup import LAST_BACKUP, BackupError, last_backup, restore, take
from bot.matrix.session import Session, load_session, save_session
from bot.restored import RESTORED, RESTORING
from bot.sealing import SealError, is_sealed, seal, unseal
from bot.store.db import DB_NAME, Database
from tests.unit.helpers import BOT, make_settings

PASSPHRASE = "Stadshuset sal 2, tisdagar"


@pytest.fixture
async def data_dir(tmp_path: Path) -> Path:
    """A data dir as a running bot leaves it: the database (WAL mode), the session, the encryption store, the
    cross-signing keys."""
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    db = await Database.open(path)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO rooms(room_id, joined_at) VALUES ('!orat', '2026-11-30T09:00:00+00:00')")
    await db.close()
    save_session(path, Session("https://matrix.eslov.se", BOT, "BOTDEVICE", "syt_secret"))
    (path / "crypto").mkdir(mode=0o700)
    store = sqlite3.connect(path / "crypto" / "bot_BOTDEVICE.db")
    store.execute("CREATE TABLE olm(pickle TEXT)")
    store.execute("INSERT INTO olm VALUES ('account')")
    store.commit()
    store.close()
    (path / "cross-signing.json").write_text('{"master": "m"}')
    return path


def rooms(path: Path) -> list[str]:
    conn = sqlite3.connect(path / DB_NAME)
    try:
        return [row[0] for row in conn.execute("SELECT room_id FROM rooms")]
    finally:
        conn.close()


# Sealing


def test_sealed_bytes_come_back_only_with_the_passphrase(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(os.urandom(3 * (1 << 20) + 17))  # more than one chunk, not a whole number of them
    sealed = tmp_path / "sealed"
    with open(sealed, "wb") as out:
        seal(plain, out, PASSPHRASE)

    assert is_sealed(sealed) and plain.read_bytes()[:64] not in sealed.read_bytes()
    back = io.BytesIO()
    unseal(sealed, back, PASSPHRASE)
    assert back.getvalue() == plain.read_bytes()
    with pytest.raises(SealError, match="wrong passphrase"):
        unseal(sealed, io.BytesIO(), "fel lösenfras")


def test_a_changed_byte_anywhere_is_found(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"protokoll" * 1000)
    sealed = tmp_path / "sealed"
    with open(sealed, "wb") as out:
        seal(plain, out, PASSPHRASE)
    data = sealed.read_bytes()
    for where in (30, len(data) // 2, len(data) - 1):  # the header's salt, the middle, the tag
        changed = bytearray(data)
        changed[where] ^= 1
        sealed.write_bytes(bytes(changed))
        with pytest.raises(SealError):
            unseal(sealed, io.BytesIO(), PASSPHRASE)


def test_a_file_cut_short_or_not_sealed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kort"
    path.write_bytes(b"samverkan-bot sealed v1\n\x11")
    with pytest.raises(SealError, match="cut short"):
        unseal(path, io.BytesIO(), PASSPHRASE)
    path.write_bytes(b"just text")
    assert not is_sealed(path)


# Backup


async def test_a_backup_holds_everything_the_bot_needs_and_is_private(data_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(data_dir=data_dir)
    target = tmp_path / "backup.tar.gz"

    done = take(settings, target)

    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert done.files == 4 and not done.sealed and done.size == target.stat().st_size
    with tarfile.open(target) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names == {"manifest.json", DB_NAME, "crypto/bot_BOTDEVICE.db", "session.json", "cross-signing.json"}
    assert manifest["user_id"] == BOT and manifest["device_id"] == "BOTDEVICE" and manifest["format"] == 1
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert last_backup(data_dir) == (done.taken_at.replace(microsecond=0), str(target))


async def test_a_backup_is_consistent_while_the_bot_writes(data_dir: Path, tmp_path: Path) -> None:
    """Another connection keeps committing (as the running bot does) while the backup copies the database:
    the copy is a whole database at one moment, never a torn file."""
    stop = threading.Event()

    def write() -> None:
        conn = sqlite3.connect(data_dir / DB_NAME, timeout=30)
        number = 0
        while not stop.is_set():
            number += 1
            conn.execute("INSERT INTO rooms(room_id, joined_at) VALUES (?, '2026-11-30T09:00:00+00:00')", (f"!r{number}",))
            conn.commit()
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        for attempt in range(3):
            take(make_settings(data_dir=data_dir), tmp_path / f"b{attempt}", force=True)
    finally:
        stop.set()
        writer.join()
    restored = tmp_path / "restored"
    restore(make_settings(data_dir=restored), tmp_path / "b2")
    conn = sqlite3.connect(restored / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    numbers = sorted(int(room[2:]) for room in rooms(restored) if room.startswith("!r"))
    assert numbers == list(range(1, len(numbers) + 1))  # every commit up to a moment, none after a gap


async def test_a_backup_never_replaces_a_file_unless_told(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "backup"
    target.write_text("gammal")
    with pytest.raises(BackupError, match="exists; give --force"):
        take(make_settings(data_dir=data_dir), target)
    assert target.read_text() == "gammal"


def test_nothing_to_back_up_in_an_empty_data_dir(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="has no database"):
        take(make_settings(data_dir=tmp_path), tmp_path / "backup")
    assert not (tmp_path / "backup").exists()


# Restore


async def test_a_sealed_backup_restores_the_same_bot(data_dir: Path, tmp_path: Path) -> None:
    take(make_settings(data_dir=data_dir), tmp_path / "backup", PASSPHRASE)
    new = tmp_path / "new"

    done = restore(make_settings(data_dir=new), tmp_path / "backup", PASSPHRASE)

    assert done.sealed and done.note == ""
    assert rooms(new) == ["!orat"]
    assert load_session(new) == load_session(data_dir)
    assert (new / "cross-signing.json").read_text() == '{"master": "m"}'
    store = sqlite3.connect(new / "crypto" / "bot_BOTDEVICE.db")
    assert store.execute("SELECT pickle FROM olm").fetchall() == [("account",)]
    store.close()
    assert json.loads((new / RESTORED).read_text()) == {"taken_at": done.taken_at.isoformat()}
    assert not (new / LAST_BACKUP).exists() and not (new / "manifest.json").exists()
    assert stat.S_IMODE(new.stat().st_mode) == 0o700 and stat.S_IMODE((new / DB_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE((new / "crypto").stat().st_mode) == 0o700


async def test_a_sealed_backup_needs_its_passphrase(data_dir: Path, tmp_path: Path) -> None:
    take(make_settings(data_dir=data_dir), tmp_path / "backup", PASSPHRASE)
    new = tmp_path / "new"
    with pytest.raises(BackupError, match="sealed with a passphrase"):
        restore(make_settings(data_dir=new), tmp_path / "backup")
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore(make_settings(data_dir=new), tmp_path / "backup", "fel")
    assert not new.exists() or not list(new.iterdir())


async def test_a_restore_into_a_data_dir_that_holds_anything_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    take(make_settings(data_dir=data_dir), tmp_path / "backup")
    before = {path: path.read_bytes() for path in data_dir.rglob("*") if path.is_file()}

    with pytest.raises(BackupError, match="is not empty"):
        restore(make_settings(data_dir=data_dir), tmp_path / "backup")

    assert {path: path.read_bytes() for path in data_dir.rglob("*") if path.is_file()} == before


async def test_a_damaged_or_foreign_backup_is_refused_before_anything_is_put_in_place(
    data_dir: Path, tmp_path: Path
) -> None:
    take(make_settings(data_dir=data_dir), tmp_path / "backup")
    new = tmp_path / "new"
    with pytest.raises(BackupError, match="is a backup of @samverkan-bot:eslov.se, not of @someone-else:eslov.se"):
        restore(make_settings(data_dir=new, user_id="@someone-else:eslov.se"), tmp_path / "backup")
    with tarfile.open(tmp_path / "backup") as tar, tarfile.open(tmp_path / "changed", "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            if member.name == "session.json":
                data = data.replace(b"syt_secret", b"syt_secreT")
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="session.json does not match its checksum"):
        restore(make_settings(data_dir=new), tmp_path / "changed")
    (tmp_path / "text").write_text("inte en säkerhetskopia")
    with pytest.raises(BackupError, match="not a backup of this bot"):
        restore(make_settings(data_dir=new), tmp_path / "text")
    assert not new.exists() or not list(new.iterdir())


async def test_a_new_address_for_the_same_homeserver_keeps_the_device(data_dir: Path, tmp_path: Path) -> None:
    take(make_settings(data_dir=data_dir), tmp_path / "backup")
    new = tmp_path / "new"

    done = restore(make_settings(data_dir=new, homeserver="http://127.0.0.1:8008"), tmp_path / "backup")

    session = load_session(new)
    assert session.homeserver == "http://127.0.0.1:8008" and session.device_id == "BOTDEVICE"
    assert session.access_token == "syt_secret"
    assert done.note == "the session now uses http://127.0.0.1:8008 (it was https://matrix.eslov.se)"


async def test_an_interrupted_restore_is_done_again_and_blocks_a_start(data_dir: Path, tmp_path: Path) -> None:
    from bot.app import prepare_data_dir
    from bot.errors import StartupError

    take(make_settings(data_dir=data_dir), tmp_path / "backup")
    new = tmp_path / "new"
    new.mkdir()
    (new / RESTORING).touch()
    (new / DB_NAME).write_bytes(b"half")
    with pytest.raises(StartupError, match="a restore into .* did not finish"):
        prepare_data_dir(make_settings(data_dir=new))

    restore(make_settings(data_dir=new), tmp_path / "backup")

    assert rooms(new) == ["!orat"] and not (new / RESTORING).exists()
    prepare_data_dir(make_settings(data_dir=new))


# The command line


@pytest.fixture
def cli_env(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_HOMESERVER", "https://matrix.eslov.se")
    monkeypatch.setenv("BOT_USER_ID", BOT)
    monkeypatch.setenv("BOT_PASSWORD", "dummy-password")
    monkeypatch.setenv("BOT_DATA_DIR", str(data_dir))
    monkeypatch.delenv("BOT_BACKUP_PASSPHRASE", raising=False)
    return data_dir


def test_backup_and_restore_from_the_command_line(
    cli_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pass").write_text(PASSPHRASE + "\n")
    assert main(["backup", str(tmp_path / "b"), "--passphrase-file", str(tmp_path / "pass")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"backup: {tmp_path / 'b'} (") and "4 files, sealed with the passphrase" in out
    assert is_sealed(tmp_path / "b")

    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "new"))
    assert main(["restore", str(tmp_path / "b")]) == 1
    assert "sealed with a passphrase: give it with --passphrase-file or BOT_BACKUP_PASSPHRASE" in capsys.readouterr().err
    monkeypatch.setenv("BOT_BACKUP_PASSPHRASE", PASSPHRASE)
    assert main(["restore", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out.startswith(f"restored: {tmp_path / 'new'} from {tmp_path / 'b'} (taken ")
    assert rooms(tmp_path / "new") == ["!orat"]
    assert main(["restore", str(tmp_path / "b")]) == 1
    assert "is not empty: a backup is restored only into an empty data dir; nothing was changed" in capsys.readouterr().err


async def test_check_tells_the_age_of_the_last_backup(data_dir: Path, tmp_path: Path) -> None:
    from bot.check import _backup_line

    settings = make_settings(data_dir=data_dir)
    assert _backup_line(settings) == "backup: none made from this data dir (samverkan-bot backup FILE)"
    take(settings, tmp_path / "backup")
    line = _backup_line(settings)
    assert line.startswith("backup: last taken ") and line.endswith(f" UTC (0 d 0 h ago) to {tmp_path / 'backup'}")
