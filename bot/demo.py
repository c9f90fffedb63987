"""`samverkan-bot demo`: a local homeserver, a bot, a demo user and an encrypted room, in one command."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import signal
import socket
from pathlib import Path

from bot.app import App
from bot.errors import StartupError
from bot.localclient import UserClient, content_of
from bot.localserver import LOOPBACK, LocalHomeserver, create_room, free_port
from bot.settings import SettingsError, load_settings

DEMO_DIR = Path("demo-data")
DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"
ROOM_NAME = "Örat mot marken (demo)"
PREFERRED_PORT = 8008

log = logging.getLogger(__name__)


def _port() -> int:
    """8008, the port Matrix clients try first for a local server, when it is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, PREFERRED_PORT))
            return PREFERRED_PORT
        except OSError:
            return free_port()


def _banner(server: LocalHomeserver, room_id: str) -> str:
    return "\n".join(
        [
            "",
            "samverkan-bot demo is running.",
            f"  homeserver : {server.url}",
            f"  user       : {server.user_id(DEMO_USER)}  password: {DEMO_PASSWORD}",
            f"  room       : {ROOM_NAME}  ({room_id}, encrypted)",
            "Log in with any Matrix client (e.g. Element, homeserver above) and write !hjälp in the room.",
            "Ctrl-C stops the bot and the homeserver.",
            "",
        ]
    )


async def _greet(app: App, server: LocalHomeserver, room_id: str) -> None:
    """The demo user asks for help once, so the first answer is visible without a client."""
    await app.ready.wait()
    user = UserClient(server.url, server.user_id(DEMO_USER), DEMO_PASSWORD, DEMO_DIR / "demo-user-store")
    try:
        await user.start()
        await user.wait_for_member(room_id, app.user_id)
        event_id = await user.send(room_id, "!hjälp")
        reply = await user.reply_to(room_id, event_id, timeout=30)
        print(f"\n{DEMO_USER} wrote !hjälp; the bot answered:\n{content_of(reply).get('body', '')}\n", flush=True)
    except Exception as exc:  # the demo goes on even if the greeting does not work out
        log.warning("demo greeting failed: %s", exc)
    finally:
        await user.close()


async def _run(server: LocalHomeserver, bot_password: str, room_id: str) -> None:
    settings = load_settings(
        homeserver=server.url,
        user_id=server.user_id("samverkan-bot"),
        password=bot_password,
        access_token=None,
        data_dir=DEMO_DIR / "bot",
    )
    app = App(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, app.request_stop)
    greeting = asyncio.create_task(_greet(app, server, room_id))
    try:
        await app.start()
        print(_banner(server, room_id), flush=True)
        await app.run()
    finally:
        greeting.cancel()
        await app.stop()


def demo() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("nio", "aiohttp", "peewee"):
        logging.getLogger(name).setLevel(logging.WARNING)
    shutil.rmtree(DEMO_DIR, ignore_errors=True)  # every demo starts from a clean slate
    server = LocalHomeserver((DEMO_DIR / "synapse").resolve(), port=_port())
    print("starting a local homeserver …", flush=True)
    server.start()
    try:
        bot_password = secrets.token_urlsafe(16)
        server.register("samverkan-bot", bot_password)
        demo_user = server.register(DEMO_USER, DEMO_PASSWORD, admin=True)
        room_id = create_room(
            server,
            demo_user["access_token"],
            ROOM_NAME,
            invite=[server.user_id("samverkan-bot")],
            encrypted=True,
            power_users={server.user_id("samverkan-bot"): 50},
        )
        asyncio.run(_run(server, bot_password, room_id))
    except (StartupError, SettingsError) as exc:
        print(f"samverkan-bot demo: {exc}")
        return 1
    finally:
        server.stop()
        print("homeserver stopped.", flush=True)
    return 0
