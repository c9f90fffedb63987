"""`samverkan-bot check`: settings, data dir, homeserver and credentials, one line each, no secrets."""

from __future__ import annotations

import aiohttp

from bot.app import prepare_data_dir
from bot.errors import StartupError
from bot.matrix.client import make_client
from bot.matrix.session import establish
from bot.matrix.transport import NETWORK_ERRORS
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
        session = await establish(client, settings)
    except StartupError as exc:
        print(f"credentials: {exc}")
        return 1
    except NETWORK_ERRORS as exc:
        print(f"credentials: could not be checked ({type(exc).__name__})")
        return 1
    finally:
        await client.close()
    print(f"credentials: ok ({session.user_id}, device {session.device_id})")
    return 0
