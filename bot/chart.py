"""The situation picture's chart as a PNG: observations per area this period against the average of the periods
before, over a heat map of area by week for the last weeks.

matplotlib is imported when the first chart is drawn, so a bot that never draws one never loads it. `chart`
draws in a worker thread, so the event loop goes on meanwhile; what would still hold the GIL for long (a full
garbage collection over matplotlib's objects, Pillow's PNG encoder) is kept out of the way, see `_matplotlib`,
`draw` and `_png`. Drawn with the object-oriented API on the Agg canvas (no pyplot, no global figure state), at
a fixed size for a given number of areas, so the same numbers give the same bytes.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.i18n import Catalogue
from bot.situation import Place

if TYPE_CHECKING:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

WIDTH = 6.4
"""Inches at DPI: 640 pixels, which a phone shows full width with 13 pt text still readable."""
DPI = 100
FONT = 13
ROW = 0.34
"""Inches per area, in each of the two panels."""
TITLE = 0.45
"""Inches above each panel, for its title."""
BELOW_BARS, BELOW_HEAT = 0.8, 0.4
"""Inches under the bars, for their axis and the legend, and under the heat map, for the weeks."""
CHAR = 0.62 * (FONT - 2) / 72
"""Inches an axis label's character takes, near enough for DejaVu Sans: the layout is worked out from it rather
than measured, which would take a third of the drawing time."""
NAME = 18
"""An area's name is cut to this many characters on the axis."""
BAR, AVERAGE = "#2f6ea5", "#222222"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def size(areas: int) -> tuple[int, int]:
    """The chart's size in pixels for a number of areas (at least one row is drawn)."""
    rows = max(areas, 1)
    return round(WIDTH * DPI), round((2 * TITLE + BELOW_BARS + BELOW_HEAT + 2 * rows * ROW) * DPI)


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    return struct.unpack(">II", png[16:24])


def _name(area: str) -> str:
    return area if len(area) <= NAME else area[: NAME - 1] + "…"


@functools.cache
def _matplotlib() -> tuple[type[Figure], type[FigureCanvasAgg]]:
    """matplotlib, imported on the first chart. Its modules, fonts and caches then live as long as the process:
    gc.freeze() keeps them (and what the bot held already) out of every later full collection, which would
    otherwise walk them all, over 100 ms with the GIL, and so the event loop, held. Cyclic garbage that happens
    to be about at that moment stays for good; it is little, and once."""
    gc.freeze()  # the collections that importing sets off then walk only what the import makes
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    gc.freeze()
    return Figure, FigureCanvasAgg


def draw(
    places: Sequence[Place],
    earlier: int,
    weeks: Sequence[int],
    heat: Mapping[str, Sequence[int]],
    cat: Catalogue,
) -> bytes:
    """The chart as PNG bytes. `places` are the bars (this period, and the average of the `earlier` periods
    before, when there are any); `heat` gives each area's counts for the ISO `weeks` (oldest first: the numbers
    of periods.iso_week(this week, …, earlier=7), reversed)."""
    png = _draw(places, earlier, weeks, heat, cat)
    # A figure is some 17,000 objects in reference cycles. Freed here, in the drawing thread, they cost about
    # 20 ms; left to pile up, a later collection frees several figures at once, on whichever thread it lands.
    gc.collect()
    return png


def _draw(
    places: Sequence[Place], earlier: int, weeks: Sequence[int], heat: Mapping[str, Sequence[int]], cat: Catalogue
) -> bytes:
    Figure, FigureCanvasAgg = _matplotlib()
    rows = max(len(places), len(heat), 1)
    width, height = size(rows)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    names, heat_names = [_name(p.area) for p in places], [_name(a) for a in heat]
    inches = height / DPI
    panel = rows * ROW / inches
    left = (0.2 + max(map(len, [*names, *heat_names]), default=1) * CHAR) / WIDTH
    right = 1 - 0.25 / WIDTH
    bars = figure.add_axes((left, 1 - (TITLE / inches) - panel, right - left, panel))
    heatmap = figure.add_axes((left, BELOW_HEAT / inches, right - left, panel))
    for axes, title in ((bars, cat("chart.bars_title")), (heatmap, cat.count("chart.heat_title", len(weeks)))):
        axes.tick_params(labelsize=FONT - 2)
        top = axes.get_position().y1 + 0.12 / inches  # from the figure's left edge: a long title has the width
        figure.text(0.02, top, title, fontsize=FONT, va="bottom")

    positions = range(len(places))
    bars.barh(positions, [p.change.now for p in places], color=BAR, height=0.6, label=cat("chart.this_period"))
    if earlier:
        bars.scatter(
            [p.change.average for p in places], positions, marker="D", s=40, color=AVERAGE, zorder=3,
            label=cat.count("chart.average", earlier),
        )  # fmt: skip
    bars.set_yticks(list(positions), names)
    bars.set_ylim(len(places) - 0.5 if places else 0.5, -0.5)
    bars.xaxis.get_major_locator().set_params(integer=True)
    bars.grid(axis="x", alpha=0.3)
    bars.spines[["top", "right"]].set_visible(False)
    if places:
        handles, labels = bars.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: labels[i] != cat("chart.this_period"))  # the bars first
        below = 1 - (TITLE + 0.33) / inches - panel  # under the axis' numbers
        bars.legend(
            [handles[i] for i in order], [labels[i] for i in order], fontsize=FONT - 3, loc="upper left",
            bbox_to_anchor=(0.01, below), bbox_transform=figure.transFigure, ncols=2, frameon=False,
        )  # fmt: skip

    areas = list(heat)
    grid = [list(heat[area]) for area in areas] or [[0] * len(weeks)]
    top = max((max(row, default=0) for row in grid), default=0)
    heatmap.imshow(grid, cmap="Blues", aspect="auto", vmin=0, vmax=max(top, 1))
    for y, row in enumerate(grid if areas else []):
        for x, n in enumerate(row):
            if n:
                colour = "white" if n > top * 0.6 else "black"
                heatmap.text(x, y, str(n), ha="center", va="center", fontsize=FONT - 4, color=colour)
    heatmap.set_xticks(range(len(weeks)), [cat("chart.week", week=w) for w in weeks])
    heatmap.set_yticks(range(len(areas)), heat_names)
    heatmap.tick_params(length=0)
    for spine in heatmap.spines.values():
        spine.set_visible(False)

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return _png(canvas.buffer_rgba())


def _png(rgba: memoryview) -> bytes:
    """An RGB PNG of the canvas, compressed by zlib, which lets go of the GIL while it works: Pillow's encoder,
    which savefig uses, holds it for up to a tenth of a second, and the event loop with it."""
    import numpy

    pixels = numpy.asarray(rgba)
    height, width = pixels.shape[:2]
    rows = numpy.zeros((height, 1 + width * 3), dtype=numpy.uint8)  # each row: filter type 0, then its pixels
    rows[:, 1:] = pixels[:, :, :3].reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits per channel, RGB, no interlace
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b"")


async def chart(
    places: Sequence[Place], earlier: int, weeks: Sequence[int], heat: Mapping[str, Sequence[int]], cat: Catalogue
) -> bytes:
    """`draw`, in a worker thread."""
    return await asyncio.to_thread(draw, places, earlier, weeks, heat, cat)
