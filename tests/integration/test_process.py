"""The bot as an operator runs it: a process with settings from the environment, stopped by a signal."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

import pytest

from bot.app import App
from bot.errors import StartupError
from tests.conftest import PASSWORD, make_settings, unique
from tests.integration.helpers import ask, room_with_bot

pytestmark = pytest.mark.integration


def bot_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_CONFIG"] = "/nonexistent/bot.toml"
    env.update({f"BOT_{k.upper()}": v for k, v in values.items()})
    return env


def run_cli(tmp_path, *args: str, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=bot_env(**values),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"user_id": "@bot:example.org", "password": "x"}, "BOT_HOMESERVER: is required but not set"),
        ({"homeserver": "matrix.example.org", "user_id": "@bot:example.org", "password": "x"}, "BOT_HOMESERVER: must be a URL"),
        ({"homeserver": "http://127.0.0.1:9", "user_id": "bot", "password": "x"}, "BOT_USER_ID: must be a Matrix user id"),
        ({"homeserver": "http://127.0.0.1:9", "user_id": "@bot:example.org"}, "BOT_PASSWORD or BOT_ACCESS_TOKEN must be set"),
        (
            {"homeserver": "http://127.0.0.1:9", "user_id": "@b:e.org", "password": "x", "timezone": "Mars/Base"},
            "BOT_TIMEZONE: unknown time zone 'Mars/Base'",
        ),
        (
            {"homeserver": "http://127.0.0.1:9", "user_id": "@b:e.org", "password": "x", "moderator_level": "high"},
            "BOT_MODERATOR_LEVEL:",
        ),
    ],
)
@pytest.mark.parametrize("command", ["run", "check"])
def test_invalid_settings_exit_2_naming_the_setting(tmp_path, values, named, command):
    result = run_cli(tmp_path, command, **values)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_check_reports_each_part_without_secrets(tmp_path, homeserver):
    localpart = unique("bot")
    homeserver.register(localpart, PASSWORD)
    values = {"homeserver": homeserver.url, "user_id": homeserver.user_id(localpart), "data_dir": str(tmp_path / "d")}

    good = run_cli(tmp_path, "check", password=PASSWORD, **values)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "homeserver: answers" in good.stdout
    assert "credentials: ok" in good.stdout
    assert PASSWORD not in good.stdout + good.stderr

    bad = run_cli(tmp_path, "check", password="wrong-" + PASSWORD, **{**values, "data_dir": str(tmp_path / "e")})
    assert bad.returncode == 1
    assert "credentials: login as" in bad.stdout and "check BOT_PASSWORD" in bad.stdout
    assert "wrong-" not in bad.stdout + bad.stderr

    away = run_cli(tmp_path, "check", password=PASSWORD, **{**values, "homeserver": "http://127.0.0.1:9"})
    assert away.returncode == 1
    assert "homeserver: does not answer" in away.stdout


async def test_sigterm_finishes_and_exits_0(tmp_path, homeserver, make_user, make_room):
    localpart = unique("bot")
    homeserver.register(localpart, PASSWORD)
    bot_id = homeserver.user_id(localpart)
    user = await make_user()
    room_id = make_room(user, invite=[bot_id], power_users={bot_id: 50})
    env = bot_env(homeserver=homeserver.url, user_id=bot_id, password=PASSWORD, data_dir=str(tmp_path / "data"))

    async def run_until_answered(body: str) -> tuple[int, str]:
        log_path = tmp_path / "bot.log"
        with open(log_path, "wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=log_file
            )
        try:
            await user.wait_for_member(room_id, bot_id)
            content = await ask(user, room_id, body)
            assert content["body"].startswith("Pong!")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                code = await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()  # never leave a bot behind; the assertion below then fails
                code = await process.wait()
        return code, log_path.read_text()

    code, log = await run_until_answered("!ping")
    assert code == 0
    assert "stopped" in log
    assert "command room=" in log and "command=ping outcome=ok" in log
    assert "!ping" not in log  # message bodies are not logged at INFO
    assert PASSWORD not in log
    token = json.loads((tmp_path / "data" / "session.json").read_text())["access_token"]
    assert token not in log

    # The position was stored: the first !ping is not answered again after a restart.
    first = user.messages_from(room_id, bot_id)
    code, _ = await run_until_answered("!ping second")
    assert code == 0
    assert len(user.messages_from(room_id, bot_id)) == len(first) + 1


async def test_rejected_token_leads_to_one_fresh_login(make_bot, make_user, make_room, homeserver):
    bot = make_bot()
    user = await make_user()
    room_id = await room_with_bot(bot, user, make_room)
    old_device = bot.app.client.device_id
    homeserver.request("POST", "/_matrix/client/v3/logout", {}, token=bot.app.client.access_token)
    await bot.stop()

    await bot.start()
    assert bot.app.client.device_id != old_device
    content = await ask(user, room_id, "!ping")
    assert content["body"].startswith("Pong!")


async def test_rejected_token_without_password_is_a_clear_error(homeserver, tmp_path):
    localpart = unique("bot")
    registered = homeserver.register(localpart, PASSWORD)
    homeserver.request("POST", "/_matrix/client/v3/logout", {}, token=registered["access_token"])
    settings = make_settings(
        homeserver=homeserver.url,
        user_id=homeserver.user_id(localpart),
        access_token=registered["access_token"],
        data_dir=tmp_path / "data",
    )
    app = App(settings)
    with pytest.raises(StartupError, match="does not accept BOT_ACCESS_TOKEN and no BOT_PASSWORD is set"):
        await app.start()
    await app.stop()
