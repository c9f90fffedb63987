"""Command line: `samverkan-bot run | check | demo`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

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
        # nio and aiohttp are chatty at INFO and could echo event content; keep them to warnings.
        for name in ("nio", "aiohttp", "peewee", "apscheduler"):
            logging.getLogger(name).setLevel(logging.WARNING)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"samverkan-bot: invalid setting: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_SETTINGS) from None


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    setup_logging(settings.log_level)
    from bot.app import serve

    try:
        asyncio.run(serve(settings))
    except StartupError as exc:
        print(f"samverkan-bot: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings()
    setup_logging("WARNING")
    from bot.check import check

    return asyncio.run(check(settings))


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
    sub.add_parser("demo", help="run the bot against a local homeserver with a demo room").set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
