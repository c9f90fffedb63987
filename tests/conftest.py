"""Test session: settings isolated from the developer's environment, one real Synapse on loopback."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Nothing from the developer's shell or config/bot.toml may leak into a test's settings.
for _key in [k for k in os.environ if k.startswith("BOT_")]:
    del os.environ[_key]
os.environ["BOT_CONFIG"] = "/nonexistent/samverkan-bot-test.toml"

from bot.app import App  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.localclient import UserClient  # noqa: E402
from bot.localserver import LocalHomeserver, create_room  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402

PASSWORD = "correct horse battery staple"
_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_names)}"


def make_settings(**values: Any) -> Settings:
    return load_settings(env_file=None, **values)


def start_homeserver(workdir: Path, **overrides: Any) -> LocalHomeserver:
    server = LocalHomeserver(workdir, **overrides)
    server.start()
    return server


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHomeserver]:
    server = start_homeserver(tmp_path_factory.mktemp("synapse"))
    yield server
    server.stop()


class BotRunner:
    """The real App in this event loop, started and stopped like the process would be."""

    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock
        self.app: App | None = None
        self.task: asyncio.Task | None = None

    @property
    def user_id(self) -> str:
        return self.settings.user_id

    async def start(self) -> App:
        self.app = App(self.settings, clock=self.clock)
        await self.app.start()
        self.task = asyncio.create_task(self.app.run())
        return self.app

    async def stop(self) -> None:
        if self.app is None:
            return
        self.app.request_stop()
        await asyncio.wait_for(self.task, 30)
        await self.app.stop()
        self.app = None


@pytest.fixture
async def make_bot(homeserver: LocalHomeserver, tmp_path: Path) -> AsyncIterator[Callable[..., BotRunner]]:
    runners: list[BotRunner] = []

    def factory(clock: Clock | None = None, **values: Any) -> BotRunner:
        localpart = unique("bot")
        homeserver.register(localpart, PASSWORD)
        values.setdefault("homeserver", homeserver.url)  # or a gateway in front of it
        settings = make_settings(
            user_id=homeserver.user_id(localpart), password=PASSWORD, data_dir=tmp_path / localpart, **values
        )
        runner = BotRunner(settings, clock)
        runners.append(runner)
        return runner

    yield factory
    for runner in runners:
        await runner.stop()


@pytest.fixture
async def make_user(homeserver: LocalHomeserver, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    users: list[UserClient] = []

    async def factory(prefix: str = "user") -> UserClient:
        localpart = unique(prefix)
        homeserver.register(localpart, PASSWORD)
        user = UserClient(homeserver.url, homeserver.user_id(localpart), PASSWORD, tmp_path / f"{localpart}-store")
        await user.start()
        users.append(user)
        return user

    yield factory
    for user in users:
        await user.close()


@pytest.fixture
def make_room(homeserver: LocalHomeserver) -> Callable[..., str]:
    def factory(owner: UserClient, *, invite: list[str] = (), encrypted: bool = False, **kw: Any) -> str:  # type: ignore[assignment]
        return create_room(
            homeserver, owner.client.access_token, unique("room"), invite=list(invite), encrypted=encrypted, **kw
        )

    return factory
