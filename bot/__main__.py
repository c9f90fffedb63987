"""Command line: `samverkan-bot run | check | export | backup | restore | purge | cross-signing reset | demo`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import sys
from collections.abc import Coroutine
from datetime import date
from pathlib import Path
from typing import Any

from bot import __version__
from bot.errors import StartupError
from bot.settings import Settings, SettingsError, load_settings

EXIT_STARTUP = 1
EXIT_SETTINGS = 2

log = logging.getLogger("bot")


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    if level != "DEBUG":
        # nio and aiohttp are chatty at INFO and could echo event content; keep them to warnings (or less).
        for name in ("nio", "aiohttp", "peewee"):
            logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"samverkan-bot: invalid setting: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_SETTINGS) from None


def _until_done(work: Coroutine[Any, Any, Any], errors: tuple[type[Exception], ...] = (StartupError,)) -> int:
    """Run the work; a problem it names ends it with one line and the start-up exit code."""
    try:
        asyncio.run(work)
    except errors as exc:
        print(f"samverkan-bot: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    setup_logging(settings.log_level)
    from bot.app import serve

    return _until_done(serve(settings))


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings()
    setup_logging("WARNING")
    from bot.check import check

    return asyncio.run(check(settings))


def _room(value: str) -> str:
    if not re.match(r"^(![^\s]+|#[^\s:]+:[^\s]+)$", value):
        raise argparse.ArgumentTypeError("must be a room id (!…) or an alias (#name:server)")
    return value


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def cmd_export(args: argparse.Namespace) -> int:
    if args.first and args.last and args.first > args.last:
        print(f"samverkan-bot export: --from {args.first} is after --to {args.last}", file=sys.stderr)
        return EXIT_SETTINGS
    settings = _settings()
    setup_logging("ERROR")  # stdout may carry the archive; problems are told in one line below
    from bot.export import ExportError, export

    work = export(settings, args.room, args.format, args.first, args.last, args.output, args.force, table=args.table)
    return _until_done(work, (ExportError, StartupError))


PASSPHRASE_ENV = "BOT_BACKUP_PASSPHRASE"


def _passphrase(args: argparse.Namespace) -> str | None:
    """From --passphrase-file (its first line), else from BOT_BACKUP_PASSPHRASE; None when neither is given."""
    if args.passphrase_file is not None:
        try:
            lines = args.passphrase_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SystemExit(f"samverkan-bot {args.command}: {args.passphrase_file}: {exc.strerror or exc}") from None
        return lines[0] if lines else ""
    return os.environ.get(PASSPHRASE_ENV) or None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot.backup import BackupError, take

    try:
        done = take(settings, args.file, _passphrase(args), args.force)
    except (BackupError, OSError) as exc:
        print(f"samverkan-bot backup: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    how = "sealed with the passphrase" if done.sealed else "not sealed: keep it as private as the data dir"
    print(f"backup: {done.path} ({_megabytes(done.size)}, {done.files} files, {how}) in {done.seconds:.1f} s")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    settings = _settings()
    from bot.backup import BackupError, restore

    try:
        done = restore(settings, args.file, _passphrase(args))
    except (BackupError, OSError) as exc:
        print(f"samverkan-bot restore: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    print(
        f"restored: {settings.data_dir} from {done.path} (taken {done.taken_at:%Y-%m-%d %H:%M} UTC) in "
        f"{done.seconds:.1f} s; the next start catches up from there" + (f"; {done.note}" if done.note else "")
    )
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    settings = _settings()
    setup_logging("WARNING")  # the outcome is told below, a line a room
    from datetime import datetime, timezone

    from bot.purge import PurgeError, run_purge

    try:
        outcome = asyncio.run(run_purge(settings, datetime.now(timezone.utc), args.dry_run, args.to))
    except (PurgeError, StartupError) as exc:
        print(f"samverkan-bot purge: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    for line in outcome.lines():
        print(line)
    return 0


def cmd_cross_signing_reset(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.password is None:
        print(
            "samverkan-bot cross-signing reset: needs BOT_PASSWORD (the homeserver asks for the account password "
            "before it replaces cross-signing keys)",
            file=sys.stderr,
        )
        return EXIT_SETTINGS
    setup_logging("ERROR")  # the outcome is told in one line
    from bot.crosssigning_reset import reset_cross_signing

    return _until_done(reset_cross_signing(settings))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import demo

    return demo()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="samverkan-bot", description="Matrix bot for a local crime-prevention collaboration group."
    )
    parser.add_argument("--version", action="version", version=f"samverkan-bot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot").set_defaults(func=cmd_run)
    sub.add_parser("check", help="validate settings and reach the homeserver").set_defaults(func=cmd_check)
    export = sub.add_parser("export", help="write a room's minutes, decisions, actions and reports for archiving")
    export.add_argument("--room", required=True, type=_room, help="room id (!…) or alias (#name:server)")
    export.add_argument("--from", dest="first", type=_date, metavar="YYYY-MM-DD", help="the first day (in BOT_TIMEZONE)")
    export.add_argument("--to", dest="last", type=_date, metavar="YYYY-MM-DD", help="the last day, included")
    export.add_argument("--format", required=True, choices=("md", "json", "csv"))
    export.add_argument(
        "--table", choices=("actions", "observations"), default="actions", help="what --format csv has a row for"
    )
    export.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.set_defaults(func=cmd_export)
    passphrase_help = f"seal with the first line of FILE as passphrase (or set {PASSPHRASE_ENV})"
    backup = sub.add_parser("backup", help="write the database, session and keys to one file, while the bot runs")
    backup.add_argument("file", type=Path, help="the backup file to write (mode 0600)")
    backup.add_argument("--passphrase-file", type=Path, metavar="FILE", help=passphrase_help)
    backup.add_argument("--force", action="store_true", help="replace the file if it exists")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="put a backup into an empty data dir")
    restore.add_argument("file", type=Path, help="the backup file")
    restore.add_argument(
        "--passphrase-file", type=Path, metavar="FILE", help=f"the passphrase of a sealed backup (or set {PASSPHRASE_ENV})"
    )
    restore.set_defaults(func=cmd_restore)
    purge = sub.add_parser("purge", help="export, then delete, what has been kept as long as [retention] says")
    purge.add_argument("--dry-run", action="store_true", help="only say what would go")
    purge.add_argument("--to", type=Path, metavar="DIR", help="where the export goes (default: [retention] export_dir)")
    purge.set_defaults(func=cmd_purge)
    cross_signing = sub.add_parser("cross-signing", help="the cross-signing keys of the bot's account")
    cross_signing_sub = cross_signing.add_subparsers(dest="action", required=True)
    cross_signing_sub.add_parser(
        "reset", help="replace the account's cross-signing keys with new ones kept in the data dir (needs BOT_PASSWORD)"
    ).set_defaults(func=cmd_cross_signing_reset)
    sub.add_parser("demo", help="run the bot against a local homeserver with a demo room").set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
