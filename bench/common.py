"""What both benchmarks share: settings isolated from the shell, a throwaway homeserver, and figures."""

from __future__ import annotations

import math
import os
import platform
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.localserver import LOOPBACK, LocalHomeserver

PASSWORD = "bench-password-not-secret"


def isolate_settings() -> dict[str, str]:
    """Nothing from the developer's shell or config/bot.toml may reach the bot (as in tests/conftest.py).
    Returns the cleaned environment, for subprocesses."""
    for key in [k for k in os.environ if k.startswith("BOT_")]:
        del os.environ[key]
    os.environ["BOT_CONFIG"] = "/nonexistent/samverkan-bot-bench.toml"
    return dict(os.environ)


@contextmanager
def homeserver() -> Iterator[tuple[LocalHomeserver, Path]]:
    """One Synapse on 127.0.0.1 in a temporary directory, and that directory for everything else."""
    with tempfile.TemporaryDirectory(prefix="samverkan-bench-") as tmp:
        workdir = Path(tmp)
        server = LocalHomeserver(workdir / "synapse")
        print(f"starting Synapse on {LOOPBACK} in {workdir} …", flush=True)
        server.start()
        try:
            yield server, workdir
        finally:
            server.stop()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: always one of the measured values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def machine() -> str:
    """Enough about the machine to read the figures by: they differ a lot between machines."""
    return f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs"
