"""A faulty gateway on loopback between the bot and the test Synapse: it passes every request on, except the first
few of a kind, which get the answer a reverse proxy or a busy homeserver would give (a 502, a 429, a 403)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.localserver import LOOPBACK

# Headers that belong to one connection, not to the request or answer passed on.
HOP_BY_HOP = {"host", "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}

BAD_GATEWAY = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    times: int
    status: int
    body: dict[str, Any] | None  # JSON body; None for a gateway's HTML page

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and method == self.method and bool(self.path.search(path))


@dataclass
class FaultyProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status answered
    url: str = ""
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    def fail(self, method: str, path: str, times: int, status: int = 502, body: dict[str, Any] | None = None) -> None:
        """The next `times` requests of `method` whose path matches the regular expression `path` get `status`."""
        self.faults.append(Fault(method, re.compile(path), times, status, body))

    def count(self, method: str, path: str, status: int | None = None) -> int:
        """How many such requests the bot made (that were answered with `status`, if given)."""
        pattern = re.compile(path)
        return sum(
            1 for m, p, s in self.seen if m == method and pattern.search(p) and (status is None or s == status)
        )

    async def start(self) -> str:
        # Longer than the bot's 30-second long poll, so a sync is never cut here.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=90), auto_decompress=False)
        server = web.Server(self._handle)
        self._runner = web.ServerRunner(server)
        await self._runner.setup()
        await web.TCPSite(self._runner, LOOPBACK, 0).start()
        self.url = f"http://{LOOPBACK}:{self._runner.addresses[0][1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        for fault in self.faults:
            if fault.matches(request.method, request.path):
                fault.times -= 1
                self.seen.append((request.method, request.path, fault.status))
                if fault.body is None:
                    return web.Response(status=fault.status, text=BAD_GATEWAY, content_type="text/html")
                return web.json_response(fault.body, status=fault.status)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        async with self._session.request(
            request.method, self.upstream + str(request.rel_url), data=body, headers=headers
        ) as answer:
            data = await answer.read()
            self.seen.append((request.method, request.path, answer.status))
            passed = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(status=answer.status, body=data, headers=passed)
