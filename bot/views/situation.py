"""The situation picture as people read it: the period, the count and its change, the table of area by category,
the places that stand out, and who has reported."""

from __future__ import annotations

from datetime import date

from bot.i18n import Catalogue, Text
from bot.i18n.dates import day, weekday_day_month
from bot.periods import Period
from bot.render import table
from bot.situation import Change, Place, Reporting, Situation


def decimal(value: float, cat: Catalogue, places: int = 1, signed: bool = False) -> str:
    """`4,3` in Swedish, `4.3` in English; signed: `+4,3`, `−1,0` (a true minus sign) and `±0`."""
    text = f"{abs(value):.{places}f}".replace(".", cat("number.decimal_mark"))
    if not signed:
        return text if value >= 0 else f"−{text}"
    if round(value, places) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


def title(period: Period, cat: Catalogue) -> Text:
    first, last = day(period.first_day, cat), day(period.last_day, cat)
    if period.week is not None:
        return cat.text("situation.title_week", week=period.week[1], first=first, last=last)
    return cat.text("situation.title", first=first, last=last)


def change_line(change: Change, cat: Catalogue) -> Text:
    """`23 iakttagelser. Snittet för de 4 perioderna före: 18,0 (+5,0, +28 %).`"""
    count = cat.text_count("situation.count", change.now)
    if change.average is None:
        against = cat.text("situation.no_earlier")
    elif change.average == 0:
        against = cat.text_count("situation.none_before", change.earlier)
    else:
        percent = cat("situation.percent", value=decimal(change.percent or 0, cat, 0, signed=True))
        against = cat.text_count(
            "situation.against",
            change.earlier,
            average=decimal(change.average, cat),
            difference=decimal(change.difference or 0, cat, signed=True),
            percent=percent,
        )
    return count + Text.of(" ") + against


def _places(key: str, places: tuple[Place, ...], cat: Catalogue) -> Text:
    def one(place: Place) -> str:
        c = place.change
        if key == "situation.largest":
            return cat("situation.place_count", area=place.area, n=c.now)
        return cat("situation.place_rise", area=place.area, n=c.now, average=decimal(c.average or 0, cat))

    return cat.text(key, places=cat.join([one(p) for p in places]))


def reporting_lines(reporting: Reporting, cat: Catalogue) -> list[Text]:
    lines = []
    if reporting.reported:
        lines.append(cat.text("situation.reported", names=cat.join(list(reporting.reported))))
    if reporting.nothing:
        lines.append(cat.text("situation.nothing", names=cat.join(list(reporting.nothing))))
    if not reporting.reported and not reporting.nothing:
        lines.append(cat.text("situation.nobody_reported"))
    if reporting.missing:
        lines.append(cat.text("situation.missing", names=cat.join(list(reporting.missing))))
    return lines


def area_table(picture: Situation, cat: Catalogue) -> Text:
    """Area by category with the sums: only the areas and categories with any observations."""
    t = picture.table
    total = cat("situation.sum")
    rows: list[list[str | int]] = [
        [area, *(t.cell(area, c) or "" for c in t.categories), t.by_area[area]] for area in t.areas
    ]
    rows.append([total, *(t.by_category[c] for c in t.categories), t.total])
    return table([cat("situation.area"), *t.categories, total], rows)


def situation_text(picture: Situation, period: Period, cat: Catalogue) -> Text:
    """The whole picture: title, count and change, table, places that stand out, who has reported."""
    parts = [title(period, cat) + Text.of("\n") + change_line(picture.total, cat)]
    if picture.table.total:
        parts.append(area_table(picture, cat))
    standing = []
    if picture.largest:
        standing.append(_places("situation.largest", picture.largest, cat))
    if picture.rises:
        standing.append(_places("situation.rises", picture.rises, cat))
    if standing:
        parts.append(Text.join(standing))
    parts.append(Text.join(reporting_lines(picture.reporting, cat)))
    return Text.join(parts, "\n\n")


def before_meeting_text(
    series_name: str, meeting_day: date, picture: Situation, period: Period, cat: Catalogue, late: bool = False
) -> Text:
    """`Inför Örat mot marken tisdag 8 december:`, then the whole picture of the round the meeting closes."""
    lines = [cat.text("situation.before", name=series_name, day=weekday_day_month(meeting_day, cat))]
    if late:
        lines.insert(0, cat.text("reminder.late"))
    return Text.join([*lines, situation_text(picture, period, cat)])
