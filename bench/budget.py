"""The performance budget: the bot against the floor, each in a process of its own, on one Synapse on 127.0.0.1.

- floor: bench.floor, the bare matrix-nio bot that answers every text message with a fixed notice, in the same
  CHAT_ROOMS rooms as the bot until the chatter (where it would answer every message) and in a room of its own;
- bot: `python -m bot run`, logging at INFO (to a pipe the benchmark drains).

Measured, in one run:

1. memory: VmRSS of each once started and one `!help` answered;
2. commands: ROUND_TRIPS `!help` round trips each (user's send to the answer at the user's client), alternating
   between the two at every round trip, each in a room of its own made the same way; p50 and p99; and the CPU time
   (user + system, from /proc) each process spent over them;
3. chatter: CHAT_MESSAGES ordinary messages over CHAT_ROOMS rooms the bot is in, sent by CHATTERS members at once,
   at CHAT_RATE a second (or `--chat-rate`), while the user sends the bot (and the floor, which has left those
   rooms) a command every second: every command answered once; the command p99 during the chatter against the p99
   of QUIET_COMMANDS commands at one a second before it; the bot's CPU per 1,000 chat messages (its CPU over the
   chatter, less what the commands in it cost at the rate of part 2).

Every process started here is stopped by its pid.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.common import PASSWORD, homeserver, isolate_settings, machine, percentile, table
from bench.roundtrip import Arrivals, Subject
from bench.startup import BotProcess, rss_mb
from bot.localclient import UserClient
from bot.localserver import LocalHomeserver, create_room
from bot.store.db import DB_NAME

WARMUP = 10
ROUND_TRIPS = 400
PAUSE_S = 0.05
CHAT_ROOMS = 50
CHAT_MESSAGES = 10_000
CHATTERS = 10
SENDING_AT_ONCE = 16
CHAT_RATE = 10  # messages a second: what one Synapse on SQLite on this 2-core machine takes with room to spare (~15 at most)
QUIET_COMMANDS = 120
TARGETS = {"p50": 1.10, "p99": 1.30, "cpu": 1.50, "rss_mib": 10.0, "chatter_p99": 1.50}
ROOT = Path(__file__).resolve().parents[1]


def cpu_s(pid: int) -> float:
    """User and system CPU seconds the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class FloorProcess:
    def __init__(self, server: LocalHomeserver, user_id: str, env: dict[str, str], cwd: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.floor", server.url, user_id],
            env=env | {"PYTHONPATH": str(ROOT)},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def wait_ready(self) -> None:
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the floor did not start (exit {self.process.poll()})")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Figures:
    rss_mib: dict[str, float] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)
    quiet: dict[str, list[float]] = field(default_factory=dict)
    chatter: dict[str, list[float]] = field(default_factory=dict)
    chatter_cpu_s: float = 0.0
    chatter_seconds: float = 0.0
    answered_once: tuple[int, int] = (0, 0)


def join(server: LocalHomeserver, token: str, room_id: str) -> None:
    server.request("POST", f"/_matrix/client/v3/join/{urllib.parse.quote(room_id)}", {}, token=token)


def leave(server: LocalHomeserver, token: str, room_id: str) -> None:
    server.request("POST", f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/leave", {}, token=token)


async def command(arrivals: Arrivals, subject: Subject) -> tuple[float, str]:
    """One `!help`: milliseconds to its answer at the user's client, and the command's event id."""
    waiter = asyncio.get_running_loop().create_future()
    arrivals.expected[(subject.room_id, subject.user_id)] = waiter
    sent = time.perf_counter()
    event_id = await arrivals.user.send(subject.room_id, "!help")
    arrived, _ = await asyncio.wait_for(waiter, 60)
    return (arrived - sent) * 1000, event_id


async def every_second(
    arrivals: Arrivals, subjects: tuple[Subject, ...], until: asyncio.Event | int
) -> tuple[dict[str, list[float]], list[str]]:
    """A command a second to each subject in turn until `until` is set (or that many rounds): the round trips by
    subject, and the event ids of the commands the bot got."""
    times: dict[str, list[float]] = {s.name: [] for s in subjects}
    to_bot: list[str] = []
    for n in itertools.count():
        if (isinstance(until, int) and n >= until) or (isinstance(until, asyncio.Event) and until.is_set()):
            return times, to_bot
        started = time.perf_counter()
        for subject in subjects:
            took, event_id = await command(arrivals, subject)
            times[subject.name].append(took)
            if subject.name == "bot":
                to_bot.append(event_id)
        await asyncio.sleep(max(0.0, len(subjects) - (time.perf_counter() - started)))
    raise AssertionError("unreachable")


async def chat(server: LocalHomeserver, tokens: list[str], rooms: list[str], rate: float) -> dict[str, str]:
    """CHAT_MESSAGES messages, room after room in turn, `rate` a second (as a busy town's rooms might, not as
    fast as Synapse can take them: a homeserver at its limit would measure itself); the last event id of each
    room."""
    last: dict[str, str] = {}
    slots = asyncio.Semaphore(SENDING_AT_ONCE)
    async with aiohttp.ClientSession() as http:

        async def send(n: int) -> None:
            await asyncio.sleep(n / rate)
            room_id, token = rooms[n % len(rooms)], tokens[n % len(tokens)]
            path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/send/m.room.message/chat-{n}"
            body = {"msgtype": "m.text", "body": f"Har någon sett om lamporna vid torget är lagade? ({n})"}
            async with slots:
                async with http.put(server.url + path, json=body, headers={"Authorization": f"Bearer {token}"}) as answer:
                    answer.raise_for_status()

        await asyncio.gather(*(send(n) for n in range(CHAT_MESSAGES)))
        for room_id in rooms:  # sent at once, they may have landed in any order: ask each room for its last
            path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/messages?dir=b&limit=1"
            async with http.get(server.url + path, headers={"Authorization": f"Bearer {tokens[0]}"}) as answer:
                last[room_id] = (await answer.json())["chunk"][0]["event_id"]
    return last


async def handled(data_dir: Path, last: dict[str, str], timeout: float = 300) -> None:
    """Until the bot has stored its position at each room's last chat message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = sqlite3.connect(data_dir / DB_NAME)
        try:
            stored = dict(conn.execute("SELECT room_id, last_event_id FROM rooms").fetchall())
        finally:
            conn.close()
        if all(stored.get(room) == event_id for room, event_id in last.items()):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the bot did not get through the chatter in time")


async def measure(
    server: LocalHomeserver, workdir: Path, env: dict[str, str], chat_rate: float
) -> tuple[Figures, Subject, Subject]:
    figures = Figures()
    bot_token = server.register("bot", PASSWORD)["access_token"]
    echo_token = server.register("echo", PASSWORD)["access_token"]
    server.register("user", PASSWORD)
    chatters = [server.register(f"chatter{n}", PASSWORD)["access_token"] for n in range(CHATTERS)]
    bot_id, echo_id = server.user_id("bot"), server.user_id("echo")
    user = UserClient(server.url, server.user_id("user"), PASSWORD, workdir / "user-store")
    await user.start()
    token = user.client.access_token
    floor_room = create_room(server, token, "floor", invite=[echo_id], power_users={echo_id: 50})
    bot_room = create_room(server, token, "bot", invite=[bot_id], power_users={bot_id: 50})
    join(server, echo_token, floor_room)
    join(server, bot_token, bot_room)
    chat_rooms = []
    for n in range(CHAT_ROOMS):
        invited = [bot_id, echo_id, *(server.user_id(f"chatter{i}") for i in range(1, CHATTERS))]
        room_id = create_room(server, chatters[0], f"chat {n}", invite=invited)
        for joining in [bot_token, echo_token, *chatters[1:]]:
            join(server, joining, room_id)
        chat_rooms.append(room_id)
    floor_process = FloorProcess(server, echo_id, env, workdir)
    data_dir = workdir / "bot-data"
    bot_process = BotProcess(env | {"BOT_HOMESERVER": server.url, "BOT_USER_ID": bot_id, "BOT_PASSWORD": PASSWORD,
                                    "BOT_DATA_DIR": str(data_dir)}, workdir)  # fmt: skip
    try:
        await asyncio.to_thread(floor_process.wait_ready)
        await asyncio.to_thread(bot_process.wait_ready)
        arrivals = Arrivals(user)
        floor = Subject("floor", floor_room, echo_id)
        bot = Subject("bot", bot_room, bot_id)
        pids = {"floor": floor_process.process.pid, "bot": bot_process.process.pid}
        for subject in (floor, bot):
            await user.wait_for_member(subject.room_id, subject.user_id)
            for _ in range(WARMUP):
                await command(arrivals, subject)
            figures.rss_mib[subject.name] = rss_mb(pids[subject.name])
        print(f"memory measured; {ROUND_TRIPS} round trips each …", flush=True)
        before = {name: cpu_s(pid) for name, pid in pids.items()}
        for i in range(ROUND_TRIPS):
            for subject in (floor, bot) if i % 2 == 0 else (bot, floor):
                subject.round_trips.append((await command(arrivals, subject))[0])
                await asyncio.sleep(PAUSE_S)
        figures.cpu_s = {name: cpu_s(pid) - before[name] for name, pid in pids.items()}
        for room_id in chat_rooms:  # the floor answers every message: in the chatter it would double it
            await asyncio.to_thread(leave, server, echo_token, room_id)
        print(f"{QUIET_COMMANDS} commands at one a second, then the chatter …", flush=True)
        figures.quiet, quiet_events = await every_second(arrivals, (bot, floor), QUIET_COMMANDS)
        done = asyncio.Event()
        commands = asyncio.create_task(every_second(arrivals, (bot, floor), done))
        started, bot_cpu = time.perf_counter(), cpu_s(pids["bot"])
        last = await chat(server, chatters, chat_rooms, chat_rate)
        await handled(data_dir, last)
        figures.chatter_seconds = time.perf_counter() - started
        figures.chatter_cpu_s = cpu_s(pids["bot"]) - bot_cpu
        done.set()
        figures.chatter, chatter_events = await commands
        events = quiet_events + chatter_events
        await command(arrivals, bot)  # the bot answers in order: any second answer would be in before this one
        figures.answered_once = (sum(len(user.replies_to(bot_room, e)) == 1 for e in events), len(events))
        figures.chatter_cpu_s -= len(figures.chatter["bot"]) * figures.cpu_s["bot"] / ROUND_TRIPS
        return figures, floor, bot
    finally:
        await asyncio.to_thread(bot_process.stop)
        floor_process.stop()
        await user.close()


def report(figures: Figures, floor: Subject, bot: Subject) -> str:
    def ratio_line(name: str, value: float, target: float, unit: str = "x") -> list[str]:
        return [name, f"{value:.2f}{unit}", f"{target:.2f}{unit}", "met" if value <= target else "NOT met"]

    f50, b50 = percentile(floor.round_trips, 50), percentile(bot.round_trips, 50)
    f99, b99 = percentile(floor.round_trips, 99), percentile(bot.round_trips, 99)
    fcpu, bcpu = figures.cpu_s["floor"], figures.cpu_s["bot"]
    frss, brss = figures.rss_mib["floor"], figures.rss_mib["bot"]
    q99, c99 = percentile(figures.quiet["bot"], 99), percentile(figures.chatter["bot"], 99)
    rows = [
        ["round trip p50, ms", f"{f50:.1f}", f"{b50:.1f}"],
        ["round trip p99, ms", f"{f99:.1f}", f"{b99:.1f}"],
        [f"CPU for {ROUND_TRIPS} commands, s", f"{fcpu:.2f}", f"{bcpu:.2f}"],
        ["CPU per command, ms", f"{fcpu / ROUND_TRIPS * 1000:.2f}", f"{bcpu / ROUND_TRIPS * 1000:.2f}"],
        ["VmRSS after start and warm-up, MiB", f"{frss:.1f}", f"{brss:.1f}"],
    ]
    verdicts = [
        ratio_line("p50 bot / floor", b50 / f50, TARGETS["p50"]),
        ratio_line("p99 bot / floor", b99 / f99, TARGETS["p99"]),
        ratio_line("CPU bot / floor", bcpu / fcpu, TARGETS["cpu"]),
        ratio_line("RSS bot - floor", brss - frss, TARGETS["rss_mib"], " MiB"),
        ratio_line("command p99 with chatter / without", c99 / q99, TARGETS["chatter_p99"]),
    ]
    answered, sent = figures.answered_once
    rate = CHAT_MESSAGES / figures.chatter_seconds
    return "\n".join(
        [
            "",
            f"performance budget: the bot against the floor (each its own process), {ROUND_TRIPS} `!help` round trips "
            f"each after {WARMUP} warm-up, alternating, {PAUSE_S * 1000:.0f} ms pause after each",
            table(["figure", "floor", "bot"], rows),
            "",
            f"chatter: {CHAT_MESSAGES} messages over {CHAT_ROOMS} rooms by {CHATTERS} members in {figures.chatter_seconds:.0f} s "
            f"({rate:.0f}/s), a command a second to the bot, and one to the floor, meanwhile",
            table(
                ["", "commands", "p50, ms", "p99, ms"],
                [
                    [f"{name} {when}", str(len(times[name])), f"{percentile(times[name], 50):.1f}", f"{percentile(times[name], 99):.1f}"]
                    for name in ("bot", "floor")
                    for when, times in (("without chatter", figures.quiet), ("during chatter", figures.chatter))
                ],
            ),
            "(the floor left the chatter's rooms before it: what chatter does to its commands is the homeserver's share)",
            f"bot CPU per 1,000 chat messages: {figures.chatter_cpu_s / CHAT_MESSAGES * 1000:.2f} s "
            f"(its CPU over the chatter, less the commands in it at {bcpu / ROUND_TRIPS * 1000:.1f} ms each)",
            f"commands answered exactly once: {answered} of {sent}",
            "",
            table(["target", "measured", "at most", ""], verdicts),
            f"Synapse on 127.0.0.1; {machine()}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--chat-rate", type=float, default=CHAT_RATE, help=f"chat messages a second (default {CHAT_RATE})")
    chat_rate = parser.parse_args().chat_rate
    env = isolate_settings() | {"BOT_LOG_LEVEL": "INFO"}
    with homeserver() as (server, workdir):
        figures, floor, bot = asyncio.run(measure(server, workdir, env, chat_rate))
    print(report(figures, floor, bot))


if __name__ == "__main__":
    main()
