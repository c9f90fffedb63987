"""`samverkan-bot cross-signing reset`: new cross-signing keys for the account, kept in the data dir,
replacing whatever keys it had (set up by a person, or by a data dir that was lost)."""

from __future__ import annotations

from bot.app import prepare_data_dir
from bot.errors import StartupError
from bot.matrix.client import make_client
from bot.matrix.crosssigning import CrossSigningError, reset
from bot.matrix.session import establish
from bot.matrix.transport import NETWORK_ERRORS, SendError, Transport, Unavailable
from bot.settings import Settings


async def reset_cross_signing(settings: Settings) -> None:
    """Raises StartupError with one line for the operator when it cannot be done."""
    prepare_data_dir(settings)
    client = make_client(settings)
    try:
        session = await establish(client, settings)
        # Only the access token is needed: the device's encryption store stays closed (the bot may be running).
        client.user_id, client.access_token, client.device_id = session.user_id, session.access_token, session.device_id
        keys, signed = await reset(Transport(client), settings)
    except (CrossSigningError, SendError) as exc:
        raise StartupError(f"cross-signing keys not replaced: {exc}") from None
    except (*NETWORK_ERRORS, Unavailable) as exc:
        raise StartupError(f"cannot reach the homeserver at {settings.homeserver} ({exc})") from None
    finally:
        await client.close()
    device = f"device {session.device_id} signed" if signed else f"device {session.device_id} is signed at the next start"
    print(f"cross-signing: replaced (master key {keys.master.public}); {device}")
