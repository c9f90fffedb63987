"""Start-up time and memory of `python -m bot run` against a real Synapse on 127.0.0.1.

Start-up: the wall time from Popen to the bot's "ready: first sync done in N ms" line on stderr
(each line is stamped by a reader thread as it arrives), and beside it the N the bot logged itself,
which counts from App.start and so leaves out interpreter start and imports. The homeserver is
started once beforehand and not counted; the bot user exists and is already in a room with a user.
Each of the RUNS cycles starts the bot twice: on a fresh data dir (password login, new device and
keys, initial sync), then on that same data dir again (stored session, sync from the stored
position).

Memory: VmRSS from /proc/<pid>/status once the bot is ready and has answered one `!help` sent by
a UserClient, in every run. The floor is a bare python that imports the bot's main dependencies.

Every process started here is stopped by its pid; the bot with SIGTERM, and its exit code is
reported (0 expected).
"""

from __future__ import annotations

import asyncio
import importlib.util
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import bot
from bench.common import PASSWORD, homeserver, isolate_settings, machine, table
from bot.localclient import UserClient
from bot.localserver import LocalHomeserver, create_room

RUNS = 5
TARGET_READY_MS = 2000
TARGET_RSS_MB = 80
READY = re.compile(r"ready: first sync done in (\d+) ms")
FLOOR_IMPORTS = "import nio"
FIRST, LATER = "first start (password login)", "later start (stored session)"


@dataclass
class Run:
    kind: str
    wall_ms: float
    logged_ms: float
    rss_mb: float
    exit_code: int


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class BotProcess:
    """`python -m bot run`, its stderr drained by a thread so the bot never blocks on a full pipe."""

    def __init__(self, env: dict[str, str], cwd: Path):
        self.lines: queue.Queue[tuple[float, str | None]] = queue.Queue()
        self.log: list[str] = []
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=cwd,  # not the checkout: its .env must not be read
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)
            self.lines.put((time.perf_counter(), line))
        self.lines.put((time.perf_counter(), None))

    def wait_ready(self, timeout: float = 60) -> tuple[float, float]:
        """Milliseconds from Popen to the ready line, and the first-sync milliseconds the bot logged."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                at, line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("bot not ready in time:\n" + "".join(self.log[-20:])) from None
            if line is None:
                raise RuntimeError(f"bot exited with {self.process.wait()}:\n" + "".join(self.log[-20:]))
            if match := READY.search(line):
                return (at - self.started) * 1000, float(match[1])

    def stop(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError("bot did not stop within 30 s of SIGTERM; killed") from None


async def run_once(kind: str, env: dict[str, str], cwd: Path, user: UserClient, room_id: str) -> Run:
    bot = BotProcess(env, cwd)
    try:
        wall_ms, logged_ms = await asyncio.to_thread(bot.wait_ready)
        event_id = await user.send(room_id, "!help")
        await user.reply_to(room_id, event_id, timeout=30)
        rss = rss_mb(bot.process.pid)
    finally:
        exit_code = await asyncio.to_thread(bot.stop)
    return Run(kind, wall_ms, logged_ms, rss, exit_code)


async def measure(server: LocalHomeserver, workdir: Path, env: dict[str, str]) -> list[Run]:
    bot_id = server.user_id("bot")
    bot_token = server.register("bot", PASSWORD)["access_token"]
    server.register("user", PASSWORD)
    user = UserClient(server.url, server.user_id("user"), PASSWORD, workdir / "user-store")
    await user.start()
    try:
        room_id = create_room(server, user.client.access_token, "startup", invite=[bot_id], power_users={bot_id: 50})
        # Joined beforehand, so that no run, the very first included, has an invite to handle.
        server.request("POST", f"/_matrix/client/v3/join/{urllib.parse.quote(room_id)}", {}, token=bot_token)
        await user.wait_for_member(room_id, bot_id)
        env = env | {"BOT_HOMESERVER": server.url, "BOT_USER_ID": bot_id, "BOT_PASSWORD": PASSWORD}
        runs = []
        for cycle in range(RUNS):
            run_env = env | {"BOT_DATA_DIR": str(workdir / f"bot-data-{cycle}")}
            for kind in (FIRST, LATER):
                runs.append(await run_once(kind, run_env, workdir, user, room_id))
        return runs
    finally:
        await user.close()


def bytecode() -> str:
    """Whether the bot's modules are compiled at every start (PYTHONDONTWRITEBYTECODE with an editable install)."""
    cached = Path(importlib.util.cache_from_source(bot.__file__)).exists()
    return "bot bytecode cached" if cached else "bot bytecode not cached (compiled at each start)"


def floor_rss() -> float:
    process = subprocess.Popen(
        [sys.executable, "-c", f"{FLOOR_IMPORTS}, time; print('imported', flush=True); time.sleep(300)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        process.stdout.readline()
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait()


def report(runs: list[Run], floor: list[float]) -> str:
    by_kind = {kind: [r for r in runs if r.kind == kind] for kind in (FIRST, LATER)}
    start_rows = [
        [
            kind,
            str(len(rs)),
            f"{statistics.median(r.wall_ms for r in rs):.0f}",
            f"{max(r.wall_ms for r in rs):.0f}",
            f"{statistics.median(r.logged_ms for r in rs):.0f}",
            f"{max(r.logged_ms for r in rs):.0f}",
        ]
        for kind, rs in by_kind.items()
    ]
    rss_rows = [
        [f"bot after {kind}", f"{statistics.median(r.rss_mb for r in rs):.1f}", f"{max(r.rss_mb for r in rs):.1f}"]
        for kind, rs in by_kind.items()
    ] + [[f'floor: python -c "{FLOOR_IMPORTS}"', f"{statistics.median(floor):.1f}", f"{max(floor):.1f}"]]
    slowest = max(r.wall_ms for r in runs)
    largest = max(r.rss_mb for r in runs)
    codes = [r.exit_code for r in runs]

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    return "\n".join(
        [
            "",
            "start-up of `python -m bot run`, ms (homeserver start not counted)",
            "  wall: Popen to the 'ready: first sync done' line; logged: the N in that line (from App.start)",
            table(["run", "n", "wall median", "wall max", "logged median", "logged max"], start_rows),
            f"target: first sync under {TARGET_READY_MS} ms: {verdict(slowest < TARGET_READY_MS)} "
            f"(slowest wall {slowest:.0f} ms)",
            "",
            "resident memory (VmRSS), MB: bot once ready and one !help answered; floor once imported",
            table(["process", "median", "max"], rss_rows),
            f"target: RSS under {TARGET_RSS_MB} MB: {verdict(largest < TARGET_RSS_MB)} (largest {largest:.1f} MB)",
            "",
            f"exit codes after SIGTERM: {' '.join(map(str, codes))} ({'all 0' if not any(codes) else 'NOT all 0'})",
            f"Synapse on 127.0.0.1; {machine()}; {bytecode()}",
        ]
    )


def main() -> None:
    env = isolate_settings() | {"BOT_LOG_LEVEL": "INFO"}  # the ready line is logged at INFO
    with homeserver() as (server, workdir):
        runs = asyncio.run(measure(server, workdir, env))
    floor = [floor_rss() for _ in range(RUNS)]
    print(report(runs, floor))


if __name__ == "__main__":
    main()
