"""The chart: a valid PNG of the size its areas call for, the same bytes for the same numbers, drawn off the event
loop; and the idle bot does not load matplotlib."""

from __future__ import annotations

import struct
import subprocess
import sys
import threading

import pytest

import bot.chart
from bot.chart import chart, draw, size
from bot.i18n import Catalogue
from bot.situation import Count, situation

WEEKS = [46, 47, 48, 49, 50, 51, 52, 53]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a valid PNG has first after its signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def numbers(areas: int):
    names = ["Centrum", "<b>Torget</b>", "Området kring gamla busstationen och järnvägen", *(f"Område {i}" for i in range(areas))]
    names = names[:areas]
    counts = [Count(k, name, "Klotter", (i * 3 + k) % 7) for k in range(5) for i, name in enumerate(names)]
    heat = {name: [(i + w) % 5 for w in range(len(WEEKS))] for i, name in enumerate(names)}
    return situation(counts, 4).places, heat


@pytest.mark.parametrize(("areas", "language"), [(3, "sv"), (20, "en")])
def test_the_chart_is_a_png_of_the_size_its_areas_call_for(areas: int, language: str) -> None:
    places, heat = numbers(areas)

    data = draw(places, 4, WEEKS, heat, Catalogue(language))

    assert png_size(data) == size(areas)
    assert data.endswith(b"IEND\xaeB`\x82")


def test_the_size_grows_with_the_areas_and_is_readable_on_a_phone() -> None:
    assert size(3) == (640, 414)
    assert size(0) == size(1)
    assert size(20)[1] > size(3)[1]


def test_the_same_numbers_give_the_same_bytes() -> None:
    places, heat = numbers(5)
    cat = Catalogue("sv")

    assert draw(places, 4, WEEKS, heat, cat) == draw(places, 4, WEEKS, heat, cat)


def test_a_chart_without_observations_or_earlier_periods_is_still_drawn() -> None:
    assert png_size(draw((), 0, WEEKS, {}, Catalogue("sv"))) == size(0)


async def test_the_chart_is_drawn_in_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    places, heat = numbers(3)
    cat = Catalogue("sv")
    drawn_in = []

    def spy(*args):
        drawn_in.append(threading.get_ident())
        return draw(*args)

    monkeypatch.setattr(bot.chart, "draw", spy)

    data = await chart(places, 4, WEEKS, heat, cat)

    assert data == draw(places, 4, WEEKS, heat, cat)
    assert drawn_in and drawn_in[0] != threading.get_ident()


def test_the_idle_bot_does_not_import_matplotlib() -> None:
    code = (
        "import sys, bot.app, bot.features, bot.chart, bot.situation, bot.views.situation, bot.periods; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'numpy', 'PIL')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"
