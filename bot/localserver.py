"""A local Synapse for the demo and the tests: installed into its own virtualenv, loopback only."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

SYNAPSE_VERSION = "1.163.2"
SYNAPSE_PINS = Path(__file__).with_name("synapse-constraints.txt")
LOOPBACK = "127.0.0.1"


def cache_dir() -> Path:
    root = os.environ.get("SAMVERKAN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "samverkan-bot"
    )
    return Path(root)


def ensure_synapse(version: str = SYNAPSE_VERSION, log: Any = print) -> Path:
    """The python of a virtualenv with matrix-synapse and what it runs on at the versions of SYNAPSE_PINS, installed
    once under the cache folder in a place named after those pins: new pins, a new virtualenv."""
    pins = SYNAPSE_PINS.read_text(encoding="utf-8")
    if f"matrix-synapse=={version}\n" not in pins:
        raise RuntimeError(f"{SYNAPSE_PINS.name} is for another Synapse than {version}; run make pins")
    venv = cache_dir() / f"synapse-{version}-{hashlib.sha256(pins.encode()).hexdigest()[:12]}"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if marker.exists():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".synapse-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs must not install into one venv at once
        if not marker.exists():
            log(f"installing matrix-synapse {version} into {venv} (once, about half a minute)")
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(SYNAPSE_PINS),
                 f"matrix-synapse=={version}"],  # fmt: skip
                check=True,
            )
            marker.write_text(version)
    return python


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


_HIGH = {"per_second": 10_000, "burst_count": 10_000}


class LocalHomeserver:
    """One Synapse process on 127.0.0.1 with SQLite, shared-secret registration and relaxed rate limits."""

    def __init__(self, workdir: Path, server_name: str = "localhost", port: int | None = None, **overrides: Any):
        self.workdir = workdir
        self.server_name = server_name
        self.port = port or free_port()
        self.overrides = overrides
        self.secret = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None
        self.python: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.workdir / "homeserver.yaml"

    def config(self) -> dict[str, Any]:
        w = self.workdir
        config: dict[str, Any] = {
            "server_name": self.server_name,
            "pid_file": str(w / "homeserver.pid"),
            "public_baseurl": self.url + "/",
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": [LOOPBACK],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(w / "homeserver.db")}},
            "log_config": str(w / "log.yaml"),
            "media_store_path": str(w / "media"),
            "enable_media_repo": True,
            "signing_key_path": str(w / "signing.key"),
            "registration_shared_secret": self.secret,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            "report_stats": False,
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "federation_domain_whitelist": [],
            "federation_sender_instances": [],
            "presence": {"enabled": False},
            "bcrypt_rounds": 4,
            "enable_registration": False,
            "url_preview_enabled": False,
            "rc_message": _HIGH,
            "rc_registration": _HIGH,
            "rc_login": {"address": _HIGH, "account": _HIGH, "failed_attempts": _HIGH},
            "rc_joins": {"local": _HIGH, "remote": _HIGH},
            "rc_joins_per_room": _HIGH,
            "rc_invites": {"per_room": _HIGH, "per_user": _HIGH, "per_issuer": _HIGH},
            "rc_admin_redaction": _HIGH,
            "rc_key_requests": _HIGH,
            "rc_3pid_validation": _HIGH,
            "rc_presence": {"per_user": _HIGH},
            "rc_delayed_event_mgmt": _HIGH,
            "rc_room_creation": _HIGH,
        }
        config.update(self.overrides)
        return config

    def _write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "media").mkdir(exist_ok=True)
        # JSON is YAML, so no YAML library is needed to write either file.
        self.config_path.write_text(json.dumps(self.config(), indent=2))
        log_config = {
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
            "handlers": {
                "file": {"class": "logging.FileHandler", "filename": str(self.workdir / "homeserver.log"), "formatter": "plain"}
            },
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }
        (self.workdir / "log.yaml").write_text(json.dumps(log_config))

    def start(self, timeout: float = 90) -> None:
        self.python = self.python or ensure_synapse()
        self._write_config()
        command = [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.config_path)]
        if not (self.workdir / "signing.key").exists():
            subprocess.run([*command, "--generate-keys"], check=True, capture_output=True)
        output = open(self.workdir / "stdout.log", "ab")
        # Its own session: a Ctrl-C meant for the demo reaches the demo, which then stops Synapse in order.
        self.process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, cwd=self.workdir, start_new_session=True
        )
        output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"synapse exited with {self.process.returncode}; see {self.workdir}/stdout.log")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"synapse did not answer within {timeout:.0f}s; see {self.workdir}")

    def stop(self, timeout: float = 15) -> None:
        """Stop our own process, by its id: SIGTERM, then SIGKILL if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def request(self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def register(self, localpart: str, password: str, admin: bool = False) -> dict[str, Any]:
        """Create a user through the shared-secret admin API; returns user_id, access_token and device_id."""
        path = "/_synapse/admin/v1/register"
        nonce = self.request("GET", path)["nonce"]
        mac = hmac.new(self.secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, localpart, password):
            mac.update(part.encode() + b"\x00")
        mac.update(b"admin" if admin else b"notadmin")
        return self.request(
            "POST",
            path,
            {"nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest()},
        )

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"


def create_room(
    server: LocalHomeserver,
    token: str,
    name: str,
    invite: list[str] = (),  # type: ignore[assignment]
    encrypted: bool = False,
    power_users: dict[str, int] | None = None,
    room_alias_name: str | None = None,
) -> str:
    """A private room created by the token's user, optionally encrypted (as Element makes private rooms)."""
    body: dict[str, Any] = {"name": name, "preset": "private_chat", "invite": list(invite)}
    if encrypted:
        body["initial_state"] = [
            {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}
        ]
    if power_users:
        body["power_level_content_override"] = {"users": power_users}
    if room_alias_name:
        body["room_alias_name"] = room_alias_name
    return server.request("POST", "/_matrix/client/v3/createRoom", body, token=token)["room_id"]
