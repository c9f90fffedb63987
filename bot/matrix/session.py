"""Login and session reuse: the first start logs in, later starts reuse the stored device."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from nio import AsyncClient, LoginResponse, WhoamiResponse

from bot.errors import StartupError
from bot.matrix.transport import SendError, Transport
from bot.settings import Settings

log = logging.getLogger(__name__)

SESSION_FILE = "session.json"
DEVICE_NAME = "samverkan-bot"


@dataclass(frozen=True)
class Session:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str

    def __repr__(self) -> str:  # never show the token in logs or tracebacks
        return f"Session(user_id={self.user_id!r}, device_id={self.device_id!r})"


def load_session(data_dir: Path) -> Session | None:
    path = data_dir / SESSION_FILE
    if not path.exists():
        return None
    try:
        return Session(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise StartupError(f"{path} is damaged ({type(exc).__name__}); remove it to log in again") from None


def save_session(data_dir: Path, session: Session) -> None:
    """Written to a private temporary file and renamed, so a crash never leaves half a session."""
    path = data_dir / SESSION_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(session), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _error_text(response: object) -> str:
    code = getattr(response, "status_code", None) or "error"
    message = getattr(response, "message", "") or ""
    return f"{code}: {message}".strip(": ")


async def _whoami(client: AsyncClient, user_id: str, token: str) -> WhoamiResponse | None:
    """Who the homeserver says the token belongs to; None when it no longer accepts the token."""
    client.user_id, client.access_token = user_id, token
    response = await client.whoami()
    if isinstance(response, WhoamiResponse):
        if response.user_id != user_id:
            raise StartupError(f"the access token belongs to {response.user_id}, not to BOT_USER_ID {user_id}")
        return response
    if getattr(response, "status_code", None) in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        return None
    raise StartupError(f"homeserver refused the access token check ({_error_text(response)})")


async def _password_login(client: AsyncClient, settings: Settings) -> Session:
    client.user_id = settings.user_id
    password = settings.password.get_secret_value()
    try:
        # A homeserver that is away for a moment (5xx, 429) is waited out; Unavailable if it stays away.
        response = await Transport(client).request(
            "login", lambda: client.login(password, device_name=DEVICE_NAME), LoginResponse
        )
    except SendError as exc:
        raise StartupError(f"login as {settings.user_id} failed ({exc}); check BOT_PASSWORD") from None
    log.info("logged in as %s, new device %s", response.user_id, response.device_id)
    return Session(settings.homeserver, response.user_id, response.device_id, response.access_token)


async def establish(client: AsyncClient, settings: Settings) -> Session:
    """A working session, stored: the stored one, the configured token, or one fresh password login.
    The client is only used for the checks; `resume` puts the session to use."""
    data_dir = settings.data_dir
    stored = load_session(data_dir)
    if stored and (stored.user_id != settings.user_id or stored.homeserver != settings.homeserver):
        log.warning("stored session is for %s on %s; not reused", stored.user_id, stored.homeserver)
        stored = None
    configured = settings.access_token.get_secret_value() if settings.access_token else None
    if stored and configured and stored.access_token != configured:
        stored = None  # a newly configured token replaces the stored session
    session: Session | None = None
    if stored:
        if await _whoami(client, stored.user_id, stored.access_token):
            session = stored
        else:
            log.warning("the stored session was rejected by the homeserver")
    elif configured:
        who = await _whoami(client, settings.user_id, configured)
        if who and not who.device_id:
            raise StartupError("BOT_ACCESS_TOKEN has no device; encryption needs one, log in with BOT_PASSWORD")
        if who:
            session = Session(settings.homeserver, settings.user_id, who.device_id, configured)
    if session is None:
        if settings.password is None:
            raise StartupError("the homeserver does not accept BOT_ACCESS_TOKEN and no BOT_PASSWORD is set")
        session = await _password_login(client, settings)
    save_session(data_dir, session)
    return session


def resume(client: AsyncClient, session: Session) -> None:
    """Use the session in the client; this opens the device's encryption store in the data dir."""
    client.restore_login(session.user_id, session.device_id, session.access_token)


async def relogin(client: AsyncClient, settings: Settings) -> Session:
    """The token stopped working while running: one fresh login if a password is configured."""
    if settings.password is None:
        raise StartupError("the homeserver no longer accepts the access token and no BOT_PASSWORD is set")
    client.device_id = None  # nio would ask for the old device id again, and get it back without its keys
    session = await _password_login(client, settings)
    save_session(settings.data_dir, session)
    # The old device is gone and its encryption keys with it: the new device gets an encryption store of its
    # own, and learns again whose devices it shares its room keys with in the encrypted rooms.
    client.store = None
    client.olm = None
    resume(client, session)
    if client.olm is not None:
        for room in client.rooms.values():
            if room.encrypted:
                client.olm.update_tracked_users(room)
    return session
