"""Observations: `!report <area> <category> <text> [datum <date>]` stores what a partner has seen or heard, numbered
per room; `!report nothing` says one's organisation has nothing this period; `!report <n>` shows one and
`!report remove <n>` removes one (kept, marked); `!reports` lists this period's, or an area's, a category's, one's
own, or an ISO week's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.commands.context import Context
from bot.commands.registry import Arg
from bot.errors import ForbiddenError, NotFoundError, StateError, UsageError
from bot.feature import Feature
from bot.features.observation_lists import areas as areas_command
from bot.features.observation_lists import categories as categories_command
from bot.features.observation_lists import leading_name, missed, room_lists
from bot.features.organisations import org
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day_month
from bot.matching import find
from bot.parsing import checked_text, parse_date, parse_number
from bot.periods import Period, room_periods, room_week
from bot.policy import MAX_BODY
from bot.render import listing
from bot.store.observation_lists import AREAS, CATEGORIES, Named
from bot.store.observations import Observation, ObservationRepo
from bot.store.organisations import OrganisationRepo

feature = Feature("observations")

# `… datum igår`, `… date 2026-11-27`: the day it happened, at the end of the text.
DATE_CLAUSE = re.compile(r"^(.*\S)\s+(?:datum|date)\s+([^\n]+)$", re.IGNORECASE | re.DOTALL)
WORD = re.compile(r"\S+")


def days(period: Period, cat: Catalogue) -> str:
    """`24–30 november`, `28 november – 4 december`: the days a period touches."""
    first, last = period.first_day, period.last_day
    if (first.year, first.month) == (last.year, last.month):
        return cat("reports.days_in_month", first=first.day, last=last.day, month=cat(f"month.{last.month}"))
    return cat("reports.days", first=day_month(first, cat), last=day_month(last, cat))


@dataclass(frozen=True)
class ReportSpec:
    area: Named
    category: Named
    text: str
    happened_on: date


async def _spec(ctx: Context, text: str) -> ReportSpec:
    """`<area> <category> <text> [datum <date>]`: the area and category named by the longest runs of words that
    name one, the text after them, and the day it happened (today, or the date clause's, never ahead)."""
    areas, categories = await room_lists(ctx)
    for table, names, command in ((AREAS, areas, areas_command), (CATEGORIES, categories, categories_command)):
        if not names:
            raise StateError(f"report.no_{table}", command=f"{ctx.prefix}{command.sub_word('add', ctx.cat)}")
    happened_on = ctx.today
    if clause := DATE_CLAUSE.match(text.strip()):
        text = clause.group(1)
        happened_on = parse_date(clause.group(2).strip(), ctx.today, past=True)
        if happened_on > ctx.today:
            raise UsageError("report.future", day=day_month(happened_on, ctx.cat))
    words = list(WORD.finditer(text))
    area, used, suggestions = leading_name(words, areas)
    if area is None:
        raise missed(ctx, AREAS, words[0].group() if words else "", suggestions, areas)
    rest = words[used:]
    if not rest:
        raise UsageError("report.category_missing", area=area.name)
    category, used, suggestions = leading_name(rest, categories)
    if category is None:
        raise missed(ctx, CATEGORIES, rest[0].group(), suggestions, categories)
    if used == len(rest):
        raise UsageError("report.text_missing")
    said = text[rest[used].start() :]
    said = "\n".join(" ".join(line.split()) for line in said.strip().splitlines() if line.strip())
    return ReportSpec(area, category, checked_text(said), happened_on)


def one_line(found: Observation, cat: Catalogue) -> str:
    """`Stationsområdet · Klotter · 27 november · <text>`"""
    day = day_month(found.happened_on, cat)
    return cat("report.line", area=found.area, category=found.category, day=day, text=found.text)


async def _observation(ctx: Context, text: str) -> Observation:
    number = parse_number(text)
    found = await ObservationRepo(ctx.tx).get(ctx.message.room_id, number)
    if found is None:
        raise NotFoundError("report.no_such", n=number, prefix=ctx.prefix)
    return found


report = feature.command("report", sv="rapport", group="before", unknown="report.missing")


@report.sub("nothing", "ingenting", sv="inget")
async def _nothing(ctx: Context) -> None:
    organisation = await OrganisationRepo(ctx.tx).of_member(ctx.message.room_id, ctx.message.sender)
    if organisation is None:
        command = f"{ctx.prefix}{org.sub_word('set', ctx.cat)}"
        raise StateError("report.nothing_needs_organisation", command=command)
    await ObservationRepo(ctx.tx).nothing_to_report(ctx.message.room_id, organisation.id, ctx.message.sender, ctx.now)
    period = days(await this_period(ctx), ctx.cat)
    ctx.reply(ctx.cat.text("report.nothing", name=organisation.name, period=period))


NUMBER = Arg("number", _observation, missing="parse.number_missing")


@report.sub("remove", "bort", "radera", "delete", sv="ta bort", args=[NUMBER])
async def _remove(ctx: Context, found: Observation) -> None:
    if found.removed_at:
        raise StateError("report.already_removed", n=found.number)
    if found.author != ctx.message.sender:
        try:
            ctx.require_moderator()
        except ForbiddenError:
            needed = ctx.settings.moderator_level
            raise ForbiddenError("report.remove_forbidden", n=found.number, needed=needed) from None
    await ObservationRepo(ctx.tx).remove(found.room_id, found.number, ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("report.removed", n=found.number, line=one_line(found, ctx.cat)))


@report.form(NUMBER)
async def _show(ctx: Context, found: Observation) -> None:
    """One report: its line, and who wrote it when; a removed one only says who removed it when."""
    cat, room = ctx.cat, ctx.room
    if found.removed_at:
        local = found.removed_at.astimezone(ctx.zone)
        ctx.reply(cat.text("report.was_removed", n=found.number, who=room.display(found.removed_by or ""),
                           day=day_month(local.date(), cat), time=clock(local, cat)))  # fmt: skip
        return
    local = found.written_at.astimezone(ctx.zone)
    who = room.display(found.author) + (f" ({found.organisation})" if found.organisation else "")
    ctx.reply(
        cat.text("report.stored", n=found.number, line=one_line(found, cat))
        + Text.of("\n")
        + cat.text("report.written", who=who, day=day_month(local.date(), cat), time=clock(local, cat))
    )


@report.form(Arg("report", _spec, rest=True, missing="report.missing"))
async def _create(ctx: Context, spec: ReportSpec) -> None:
    room_id, sender = ctx.message.room_id, ctx.message.sender
    organisation = await OrganisationRepo(ctx.tx).of_member(room_id, sender)
    repo = ObservationRepo(ctx.tx)
    number = await repo.create(
        room_id, spec.area.id, spec.category.id, spec.text, organisation.id if organisation else None, sender, ctx.now,
        spec.happened_on,
    )  # fmt: skip
    stored = ctx.cat.text("report.stored", n=number, line=one_line(await repo.get(room_id, number), ctx.cat))
    if organisation is None and await repo.without_organisation(room_id, sender) == 1:
        # Said once: the first report written without an organisation.
        command = f"{ctx.prefix}{org.sub_word('set', ctx.cat)}"
        stored = stored + Text.of("\n") + ctx.cat.text("report.no_organisation", command=command)
    ctx.reply(stored)


reports = feature.command("reports", sv="rapporter", group="before", unknown="reports.unknown_filter")


def _position(ctx: Context, text: str) -> int:
    """`från 21` / `from 21`: where a list too long for one message goes on."""
    word, _, number = text.strip().partition(" ")
    if word.casefold() not in ("från", "fran", "from"):
        raise UsageError("reports.unknown_filter", value=text)
    return parse_number(number)


START = Arg("start", _position, rest=True, optional=True)


def week_number(ctx: Context, text: str) -> int:
    """`48`, `v48`: an ISO week's number."""
    match = re.fullmatch(r"v?(\d{1,2})", text.strip(), re.IGNORECASE)
    if match is None or not 1 <= int(match.group(1)) <= 53:
        raise UsageError("reports.week", value=text)
    return int(match.group(1))


@dataclass(frozen=True)
class Filter:
    table: str
    named: Named
    start: int | None


async def _filter(ctx: Context, text: str) -> Filter:
    """`<area>` or `<category>`, perhaps `från 21` after it."""
    start = None
    if match := re.fullmatch(r"(.*?)\s+((?:från|fran|from)\s+\S+)", text.strip(), re.IGNORECASE | re.DOTALL):
        text, start = match.group(1), _position(ctx, match.group(2))
    written = " ".join(text.split())
    areas, categories = await room_lists(ctx)
    every = [*areas, *categories]
    match = find(written, [n.name for n in every])
    if match.found is None and match.suggestions:
        raise NotFoundError("reports.did_you_mean", written=written, suggestions=ctx.cat.either(list(match.suggestions)))
    if match.found is None:
        raise UsageError("reports.unknown_filter", value=written)
    named = next(n for n in every if n.name == match.found)
    return Filter(AREAS if named in areas else CATEGORIES, named, start)


async def _list(
    ctx: Context, key: str, found: list[Observation], period: str, shows: str, start: int | None, **values: str
) -> None:
    """This period's reports in one message; a list too long for it ends with the command that shows the rest."""
    cat, start = ctx.cat, start or 1
    if not found:
        ctx.reply(cat.text_count(key, 0, period=period, prefix=ctx.prefix, **values))
        return
    if start > len(found):
        raise NotFoundError("reports.no_such_position", n=start, count=len(found))
    ordered = sorted(found, key=lambda o: (o.happened_on, o.number))
    lines = [
        cat.text("reports.line", n=o.number, line=one_line(o, cat), who=o.organisation or ctx.room.display(o.author))
        for o in ordered[start - 1 :]
    ]
    header = cat.text_count(key, len(found), period=period, **values)
    command = f"{ctx.prefix}{shows} {cat('list.from')}"
    more = lambda n, position: cat.text_count("list.more_reports", n, command=f"{command} {position}")  # noqa: E731
    ctx.reply(listing(header, lines, more, budget=MAX_BODY, first=start))


async def this_period(ctx: Context) -> Period:
    """The round now going on in the room, as `!situation` shows it."""
    return (await room_periods(ctx.tx, ctx.message.room_id, ctx.now, ctx.zone, earlier=0))[0]


async def _this_period(ctx: Context) -> tuple[list[Observation], str]:
    period = await this_period(ctx)
    return await ObservationRepo(ctx.tx).in_period(ctx.message.room_id, period), days(period, ctx.cat)


@reports.sub("mine", sv="mina", args=[START])
async def _mine(ctx: Context, start: int | None) -> None:
    found, period = await _this_period(ctx)
    mine = [o for o in found if o.author == ctx.message.sender]
    await _list(ctx, "reports.mine", mine, period, reports.sub_word("mine", ctx.cat), start)


@reports.sub("week", sv="vecka", args=[Arg("week", week_number, missing="reports.week_missing"), START])
async def _of_week(ctx: Context, week: int, start: int | None) -> None:
    (asked,) = await room_week(ctx.tx, ctx.message.room_id, week, ctx.now, ctx.zone, earlier=0)
    found = await ObservationRepo(ctx.tx).in_period(ctx.message.room_id, asked)
    period = ctx.cat("reports.week_period", week=week, days=days(asked, ctx.cat))
    await _list(ctx, "reports.all", found, period, f"{reports.sub_word('week', ctx.cat)} {week}", start)


@reports.form(START)
async def _all(ctx: Context, start: int | None) -> None:
    found, period = await _this_period(ctx)
    await _list(ctx, "reports.all", found, period, reports.word(ctx.cat), start)


@reports.form(Arg("filter", _filter, rest=True))
async def _filtered(ctx: Context, chosen: Filter) -> None:
    found, period = await _this_period(ctx)
    table, name = chosen.table, chosen.named.name
    kept = [o for o in found if (o.area_id if table == AREAS else o.category_id) == chosen.named.id]
    await _list(ctx, f"reports.{table}", kept, period, f"{reports.word(ctx.cat)} {name}", chosen.start, name=name)
