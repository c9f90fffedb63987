"""`samverkan-bot check`: settings, data dir, homeserver, credentials and cross-signing, one line each, no secrets."""

from __future__ import annotations

from datetime import datetime, timezone

import aiohttp
from nio import AsyncClient

from bot.app import prepare_data_dir
from bot.backup import last_backup
from bot.errors import StartupError
from bot.matrix.client import make_client
from bot.matrix.crosssigning import OwnKeys, State, device_keys, query, state_of
from bot.matrix.session import Session, establish
from bot.matrix.signing import Identity
from bot.matrix.transport import NETWORK_ERRORS, SendError, Transport, Unavailable
from bot.settings import Settings


async def check(settings: Settings) -> int:
    print(
        f"settings: ok (homeserver {settings.homeserver}, bot {settings.user_id}, "
        f"language {settings.language}, prefixes {' '.join(settings.command_prefix)})"
    )
    try:
        prepare_data_dir(settings)
    except StartupError as exc:
        print(f"data dir: {exc}")
        return 1
    print(f"data dir: ok ({settings.data_dir})")
    print(_backup_line(settings))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(f"{settings.homeserver}/_matrix/client/versions") as response:
                if response.status != 200:
                    print(f"homeserver: answered HTTP {response.status} at {settings.homeserver}")
                    return 1
                versions = (await response.json()).get("versions", [])
    except (*NETWORK_ERRORS, ValueError) as exc:
        print(f"homeserver: does not answer at {settings.homeserver} ({type(exc).__name__}: {exc})")
        return 1
    print(f"homeserver: answers (Matrix {versions[-1] if versions else '?'})")
    client = make_client(settings)
    try:
        try:
            session = await establish(client, settings)
        except StartupError as exc:
            print(f"credentials: {exc}")
            return 1
        except (*NETWORK_ERRORS, Unavailable) as exc:
            print(f"credentials: could not be checked ({type(exc).__name__})")
            return 1
        print(f"credentials: ok ({session.user_id}, device {session.device_id})")
        return await _cross_signing(client, settings, session)
    finally:
        await client.close()


def _backup_line(settings: Settings) -> str:
    last = last_backup(settings.data_dir)
    if last is None:
        return "backup: none made from this data dir (samverkan-bot backup FILE)"
    taken_at, path = last
    age = datetime.now(timezone.utc) - taken_at
    days, hours = age.days, age.seconds // 3600
    return f"backup: last taken {taken_at:%Y-%m-%d %H:%M} UTC ({days} d {hours} h ago) to {path}"


async def _cross_signing(client: AsyncClient, settings: Settings, session: Session) -> int:
    client.user_id, client.access_token = session.user_id, session.access_token
    try:
        answer = await query(Transport(client), session.user_id)
        state = state_of(answer, session.user_id, OwnKeys.load(settings.data_dir, session.user_id))
    except StartupError as exc:
        print(f"cross-signing: {exc}")
        return 1
    except (*NETWORK_ERRORS, Unavailable, SendError) as exc:
        print(f"cross-signing: could not be checked ({type(exc).__name__}: {exc})")
        return 1
    if state is State.NOT_SET_UP:
        print("cross-signing: not set up yet (done at first start)")
        return 0
    if state is State.FOREIGN:
        print(
            "cross-signing: the account has cross-signing keys this data dir does not hold; "
            "`samverkan-bot cross-signing reset` replaces them"
        )
        return 1
    identity = Identity.published(answer, session.user_id)
    device = device_keys(answer, session.user_id, session.device_id)
    if identity.signs(device):
        print(f"cross-signing: ok (master key {identity.master}, device {session.device_id} signed)")
    else:
        print(f"cross-signing: master key {identity.master} is this data dir's; device {session.device_id} is signed at the next start")
    return 0
