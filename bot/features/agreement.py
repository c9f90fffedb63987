"""The yearly agreement (samverkansöverenskommelse): `!agreement` shows the current one (or, by a year its period
covers, a past one) with each priority's actions, flags and observation trend; moderators make it (`new`, `add`,
`edit`, `remove`, `carry`); `!agreement report` posts the follow-up with a Markdown file. The job `agreement_posts`
posts the status after each quarter and reminds the room to prepare the next agreement, each once across restarts.
Actions are linked to priorities when logged (`prio <n>`) or later (`!action link`), through `link_action`."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.agreement import (
    PREPARE, STATUS, Followed, Followup, Post, Trend, decide, next_due, posts, quarters, standing, trend_window,
    year_before,
)  # fmt: skip
from bot.commands.context import Context
from bot.commands.registry import Arg
from bot.errors import NotFoundError, StateError, UsageError, UserError
from bot.feature import Effects, Feature, Services
from bot.features.observation_lists import pick, room_lists
from bot.i18n import Text
from bot.matching import find
from bot.parsing import PrioritySpec, checked_text, parse_date, parse_priority, parse_priority_number
from bot.periods import between_days
from bot.policy import (
    AGREEMENT_POST_AT, AGREEMENT_PREPARE_BEFORE, AGREEMENT_STATUS_MONTHS, LONGEST_AGREEMENT, MAX_NAME, MAX_ORGANISATION,
    NEAR_MISS,
)  # fmt: skip
from bot.render import file_message, notice
from bot.schedule import to_utc
from bot.store.actions import CANCELLED, DONE, OPEN, Action, ActionRepo, Change
from bot.store.agreements import Agreement, AgreementRepo, Priority
from bot.store.db import Connection
from bot.store.observation_lists import CATEGORIES, ObservationListRepo
from bot.store.observations import ObservationRepo
from bot.store.organisations import OrganisationRepo
from bot.store.outbox import OutboxRepo
from bot.store.series import SeriesRepo
from bot.views.agreement import (
    agreement_text, carried_text, created_text, prepare_text, priority_line, report_markdown, report_text, status_text,
)  # fmt: skip

log = logging.getLogger(__name__)

feature = Feature("agreement")
POSTS = "agreement_posts"


# Reading the follow-up.


def schedule(found: Agreement, zone: ZoneInfo) -> list[Post]:
    return posts(found.starts, found.ends, zone, AGREEMENT_POST_AT, AGREEMENT_STATUS_MONTHS, AGREEMENT_PREPARE_BEFORE)


async def room_zone(conn: Connection, room_id: str, fallback: ZoneInfo) -> ZoneInfo:
    """The zone of the room's series, as its meetings and nudges keep; the bot's in a room without one."""
    return await SeriesRepo(conn).zone_of(room_id) or fallback


async def _trends(
    conn: Connection, found: Agreement, named: dict[int, tuple[str, ...]], today: date, zone: ZoneInfo
) -> dict[int, Trend]:
    """Each priority's trend, by number, from one grouped count of the two windows."""
    window = trend_window(found.starts, found.ends, today)
    if window is None or not any(named.values()):
        return {}
    first, last = window
    earlier = (year_before(first), year_before(last))
    repo = ObservationRepo(conn)
    tallies = await repo.tallies(found.room_id, [between_days(first, last, zone), between_days(*earlier, zone)])
    since = await repo.first_day(found.room_id)
    comparable = since is not None and since <= earlier[0]
    trends = {}
    for number, categories in named.items():
        if categories:
            counts = [sum(t.n for t in tallies if t.period == k and t.category in categories) for k in (0, 1)]
            trends[number] = Trend(categories, first, last, counts[0], counts[1] if comparable else None)
    return trends


def _note(history: list[Change]) -> str:
    """The last comment in an action's history (why it was closed, cancelled or reopened), or ""."""
    return next((c.detail["comment"] for c in reversed(history) if c.detail.get("comment")), "")


async def followup(
    conn: Connection, found: Agreement, now: datetime, zone: ZoneInfo, with_notes: bool = False
) -> Followup:
    """The agreement as it stands: each priority with its actions, standing and trend; with `with_notes`, the last
    comment of each linked action (the report says why)."""
    today = now.astimezone(zone).date()
    repo, actions = AgreementRepo(conn), ActionRepo(conn)
    priorities = await repo.priorities(found.id)
    links = await repo.links(found.room_id, found.id)
    linked = {link.action for link in links}
    by_number = {
        a.number: a for a in await actions.in_room(found.room_id, (OPEN, DONE, CANCELLED)) if a.number in linked
    }
    histories = await actions.histories(found.room_id) if with_notes else {}
    names = {c.id: c.name for c in await ObservationListRepo(conn, CATEGORIES).in_room(found.room_id)}
    named = {p.number: tuple(names[c] for c in p.categories if c in names) for p in priorities}
    trends = await _trends(conn, found, named, today, zone)
    agreements = {a.id: a.name for a in await repo.in_room(found.room_id)}
    followed = []
    for priority in priorities:
        mine = tuple(
            by_number[link.action] for link in links if link.priority == priority.number and link.action in by_number
        )
        notes = {a.number: note for a in mine if (note := _note(histories.get(a.number, [])))}
        came = priority.carried_from
        carried = (agreements[came[0]], came[1]) if came and came[0] in agreements else None
        found_standing = standing(mine, today)
        followed.append(
            Followed(
                priority, mine, found_standing, notes, named[priority.number], trends.get(priority.number), carried
            )
        )
    decided = await repo.decided(found.id)
    upcoming = [p for p in schedule(found, zone) if p.kind == STATUS]
    return Followup(found, tuple(followed), today, zone, next_due(upcoming, decided, now))


# Finding what a command names.


async def current(ctx: Context) -> Agreement:
    found = await AgreementRepo(ctx.tx).current(ctx.message.room_id)
    if found is None:
        raise StateError("agreement.none", command=f"{ctx.prefix}{agreement.sub_word('new', ctx.cat)}")
    return found


async def priority_of_current(ctx: Context, number: int) -> tuple[Agreement, Priority]:
    """A priority of the room's current agreement; a clear error when there is no such priority."""
    found = await current(ctx)
    priority = await AgreementRepo(ctx.tx).priority(found.id, number)
    if priority is None:
        raise NotFoundError(
            "agreement.no_priority", n=number, name=found.name, prefix=ctx.prefix, word=agreement.word(ctx.cat)
        )
    return found, priority


async def _priority(ctx: Context, text: str) -> Priority:
    return (await priority_of_current(ctx, parse_priority_number(text)))[1]


PRIORITY = Arg("priority", _priority, missing="agreement.priority_missing")


def _year(ctx: Context, text: str) -> int:
    """`2026`; a word near one of the subcommands' (`rapprt`) is only suggested, as a near miss of a command is."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        forms = {word.casefold(): form for form in agreement.forms if form.sub for word in form.words}
        if near := difflib.get_close_matches(text.strip().casefold(), forms, n=1, cutoff=NEAR_MISS):
            suggestion = f"{ctx.prefix}{agreement.word(ctx.cat)} {forms[near[0]].word(ctx.cat)}"
            raise UserError("parse.did_you_mean", suggestion=suggestion)
        raise UsageError("agreement.year", value=text)
    return int(text)


async def _organisations(ctx: Context, written: tuple[str, ...]) -> tuple[str, ...]:
    """Organisations as the room spells them; one the room does not know is taken as written, unless it is so like
    one it knows that it is only suggested."""
    known = [o.name for o in await OrganisationRepo(ctx.tx).in_room(ctx.message.room_id)]
    named = []
    for name in written:
        name = checked_text(name, MAX_ORGANISATION)
        match = find(name, known)
        if match.found is None and match.suggestions:
            raise NotFoundError(
                "agreement.organisation_did_you_mean", written=name, suggestions=ctx.cat.either(list(match.suggestions))
            )
        named.append(match.found or name)
    return tuple(dict.fromkeys(named))


async def _category_ids(ctx: Context, written: tuple[str, ...]) -> tuple[int, ...]:
    """Categories as `!report` names them: case, diacritics and a unique beginning aside, or a did-you-mean."""
    _, categories = await room_lists(ctx)
    return tuple(dict.fromkeys(pick(ctx, CATEGORIES, name, categories).id for name in written))


@dataclass(frozen=True)
class Parts:
    """A priority's parts as a command gives them; None: not given."""

    text: str | None
    goal: str | None
    organisations: tuple[str, ...] | None
    categories: tuple[int, ...] | None


async def _parts(ctx: Context, text: str) -> Parts:
    spec: PrioritySpec = parse_priority(text)
    return Parts(
        checked_text(spec.text) if spec.text else None,
        checked_text(spec.goal) if spec.goal is not None else None,
        await _organisations(ctx, spec.organisations) if spec.organisations is not None else None,
        await _category_ids(ctx, spec.categories) if spec.categories is not None else None,
    )


_SEPARATORS = ("-", "–", "till", "to")


def _period_words(ctx: Context, words: list[str]) -> tuple[str, date, date] | None:
    """`<name> <from> [till] <to>`: the name and the two dates, each date one to four words from the end; a date
    without a year is the next one (the last day: the next one from the first)."""
    for to_words in range(1, 5):
        for from_words in range(1, 5):
            for gap in (0, 1):
                name_end = len(words) - to_words - from_words - gap
                if name_end < 1 or (gap and words[name_end + from_words].casefold() not in _SEPARATORS):
                    continue
                try:
                    starts = parse_date(" ".join(words[name_end : name_end + from_words]), ctx.today)
                    ends = parse_date(" ".join(words[len(words) - to_words :]), starts)
                except UsageError:
                    continue
                return " ".join(words[:name_end]), starts, ends
    return None


def _period(ctx: Context, text: str) -> tuple[str, date, date]:
    found = _period_words(ctx, text.split())
    if found is None:
        raise UsageError("agreement.period")
    name, starts, ends = found
    if ends < starts:
        raise UsageError("agreement.period_backwards")
    if ends - starts > LONGEST_AGREEMENT:
        raise UsageError("agreement.period_long")
    return checked_text(name, MAX_NAME), starts, ends


# The commands.

agreement = feature.command("agreement", "overenskommelse", sv="överenskommelse", unknown="agreement.unknown")


@agreement.sub("new", sv="ny", args=[Arg("period", _period, rest=True, missing="agreement.period")], moderator=True)
async def _new(ctx: Context, period: tuple[str, date, date]) -> None:
    name, starts, ends = period
    repo = AgreementRepo(ctx.tx)
    before = await repo.current(ctx.message.room_id)
    if before is not None and starts <= before.ends:
        raise StateError("agreement.overlaps", name=before.name, last=before.ends.isoformat())
    made = await repo.create(ctx.message.room_id, name, starts, ends, ctx.message.sender, ctx.now)
    unfinished = []
    if before is not None:
        earlier = await followup(ctx.tx, before, ctx.now, ctx.zone)
        unfinished = [f.priority.number for f in earlier.priorities if f.standing.open or not f.standing.done]
    ctx.effects.wake(POSTS, made.id)
    add, carry = (f"{ctx.prefix}{agreement.sub_word(sub, ctx.cat)}" for sub in ("add", "carry"))
    ctx.reply(created_text(made, ctx.cat, add, carry, before, unfinished))


@agreement.sub(
    "add",
    "lagg till",
    sv="lägg till",
    args=[Arg("priority_text", _parts, rest=True, missing="agreement.text_missing")],
    moderator=True,
)
async def _add(ctx: Context, parts: Parts) -> None:
    if parts.text is None:
        raise UsageError("agreement.text_missing")
    found = await current(ctx)
    repo = AgreementRepo(ctx.tx)
    number = await repo.add_priority(
        found.id, parts.text, parts.goal, parts.organisations or (), parts.categories or (), ctx.message.sender, ctx.now
    )
    await _said(ctx, found, number, "agreement.added")


async def _said(ctx: Context, found: Agreement, number: int, key: str) -> None:
    ctx.effects.wake(POSTS, found.id)  # planned anew, on the clock as it is now
    shown = await followup(ctx.tx, found, ctx.now, await room_zone(ctx.tx, found.room_id, ctx.zone))
    [followed] = [f for f in shown.priorities if f.priority.number == number]
    ctx.reply(Text.join([ctx.cat.text(key, p=number, name=found.name), priority_line(followed, ctx.cat)]))


@agreement.sub(
    "edit", "andra", sv="ändra", moderator=True,
    args=[PRIORITY, Arg("priority_text", _parts, rest=True, missing="agreement.edit_what")],
)  # fmt: skip
async def _edit(ctx: Context, found: Priority, parts: Parts) -> None:
    await AgreementRepo(ctx.tx).change_priority(
        found,
        parts.text if parts.text is not None else found.text,
        parts.goal if parts.goal is not None else found.goal,
        parts.organisations if parts.organisations is not None else found.organisations,
        parts.categories if parts.categories is not None else found.categories,
    )
    await _said(ctx, await current(ctx), found.number, "agreement.changed")


@agreement.sub("remove", "ta bort", "tabort", sv="ta bort", args=[PRIORITY], moderator=True)
async def _remove(ctx: Context, found: Priority) -> None:
    await AgreementRepo(ctx.tx).remove_priority(found, ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("agreement.removed", p=found.number, text=found.text))


def _numbers(ctx: Context, text: str) -> tuple[int, ...]:
    """`P1 P3`, `P1, P3`, `1 3`: priorities of the previous agreement."""
    return tuple(dict.fromkeys(parse_priority_number(word) for word in re.split(r"[\s,]+", text.strip()) if word))


@agreement.sub(
    "carry",
    "for over",
    sv="för över",
    args=[Arg("priorities", _numbers, rest=True, missing="agreement.carry_which")],
    moderator=True,
)
async def _carry(ctx: Context, numbers: tuple[int, ...]) -> None:
    """Each priority named, of the agreement before the current one, becomes a new priority of the current one with
    its text, goal, organisations and categories; its open actions are linked to the new priority (their link to the
    old one stays, so the old agreement reads as it was), each link in the action's history."""
    repo, actions = AgreementRepo(ctx.tx), ActionRepo(ctx.tx)
    every = await repo.in_room(ctx.message.room_id)
    if len(every) < 2:
        raise StateError("agreement.nothing_before")
    before, into = every[-2], every[-1]
    old = {p.number: p for p in await repo.priorities(before.id)}
    already = {p.carried_from for p in await repo.priorities(into.id)}
    missing = [n for n in numbers if n not in old]
    if missing:
        raise NotFoundError("agreement.carry_missing", p=", ".join(f"P{n}" for n in missing), name=before.name)
    if twice := [n for n in numbers if (before.id, n) in already]:
        raise StateError("agreement.carried_before", p=", ".join(f"P{n}" for n in twice), name=into.name)
    links = await repo.links(before.room_id, before.id)
    moved: list[tuple[int, int, tuple[int, ...]]] = []
    for number in numbers:
        was = old[number]
        new = await repo.add_priority(
            into.id,
            was.text,
            was.goal,
            was.organisations,
            was.categories,
            ctx.message.sender,
            ctx.now,
            (before.id, number),
        )
        still_open = []
        for link in (link for link in links if link.priority == number):
            action = await actions.get(before.room_id, link.action)
            if action is not None and action.status == OPEN:
                await link_action(ctx, action, into, new, carried=number)
                still_open.append(action.number)
        moved.append((number, new, tuple(still_open)))
    ctx.reply(carried_text(before, into, moved, ctx.cat))


@agreement.sub("report", "rapport", "uppföljning", sv="rapport")
async def _report(ctx: Context) -> None:
    found = await current(ctx)
    zone = await room_zone(ctx.tx, found.room_id, ctx.zone)
    shown = await followup(ctx.tx, found, ctx.now, zone, with_notes=True)
    document = report_markdown(shown, ctx.cat, ctx.room)
    name = ctx.cat("agreement.filename", first=found.starts.isoformat(), last=found.ends.isoformat())
    ctx.reply(report_text(shown, ctx.cat, name))
    data = document.encode()
    ctx.attach(file_message(name, "text/markdown", len(data)), data)


@agreement.form(Arg("year", _year, optional=True))
async def _show(ctx: Context, year: int | None) -> None:
    if year is None:
        found = await current(ctx)
    else:
        covering = [
            a for a in await AgreementRepo(ctx.tx).in_room(ctx.message.room_id) if a.starts.year <= year <= a.ends.year
        ]
        if not covering:
            raise NotFoundError("agreement.no_year", year=year)
        found = covering[-1]
    zone = await room_zone(ctx.tx, found.room_id, ctx.zone)
    shown = await followup(ctx.tx, found, ctx.now, zone)
    report, add = (f"{ctx.prefix}{agreement.sub_word(sub, ctx.cat)}" for sub in ("report", "add"))
    ctx.reply(agreement_text(shown, ctx.cat, report, add))


# Linking actions.


async def link_action(ctx: Context, action: Action, found: Agreement, number: int, carried: int | None = None) -> None:
    """Link the action to priority `number` of the agreement, recorded in the action's history."""
    await AgreementRepo(ctx.tx).link(action.room_id, action.number, found.id, number)
    detail = {"agreement": found.name, "priority": number, **({"carried_from": carried} if carried else {})}
    await ActionRepo(ctx.tx).record(action.room_id, action.number, ctx.message.sender, ctx.now, "linked", detail)


# The posts of its own.


@feature.job(POSTS)
async def agreement_posts_job(
    services: Services, keys: frozenset[Hashable] | None, effects: Effects
) -> dict[Hashable, datetime | None]:
    """Claim and queue the agreements' posts (of these agreements; all when None) that fell due: the status after
    each quarter, and the reminder to prepare the next agreement; say when each agreement's next post is."""
    now = services.clock.now()
    upcoming: dict[Hashable, datetime | None] = {}
    async with services.db.transaction() as tx:
        repo = AgreementRepo(tx)
        for found in await repo.every(keys):
            zone = await room_zone(tx, found.room_id, services.settings.zone)
            planned = schedule(found, zone)
            decided = await repo.decided(found.id)
            period_end = to_utc(datetime.combine(found.ends + timedelta(days=1), datetime.min.time()), zone)
            # Once the next agreement is made, there is nothing left to prepare; the last status still comes.
            followed = (await repo.current(found.room_id)).id != found.id
            for decision in decide(planned, decided, found.created_at, period_end, now):
                post = decision.post
                outcome = "skipped" if followed and post.kind == PREPARE else decision.outcome
                await _claim(tx, services, found, zone, post, outcome, now)
                decided.add((post.kind, post.seq))
            upcoming[found.id] = next_due(planned, decided, now)
    return upcoming


async def _claim(
    tx: Connection,
    services: Services,
    found: Agreement,
    zone: ZoneInfo,
    post: Post,
    outcome: str,
    now: datetime,
) -> None:
    txn_id = f"sb-agreement-{post.kind}-{found.id}-{post.seq}" if outcome != "skipped" else None
    if not await AgreementRepo(tx).claim(found.id, post.kind, post.seq, post.due_at, outcome, txn_id, now):
        return
    log.info("agreement %s %s %s: %s", found.id, post.kind, post.seq, outcome)
    if txn_id is None:
        return
    cat, prefix = services.cat, services.prefix
    if post.kind == PREPARE:
        text = prepare_text(
            found, cat, f"{prefix}{agreement.sub_word('new', cat)}", f"{prefix}{agreement.sub_word('carry', cat)}"
        )
    else:
        quarter = quarters(found.starts, found.ends, AGREEMENT_STATUS_MONTHS)[post.seq - 1]
        shown = await followup(tx, found, now, zone)
        text = status_text(shown, quarter, cat, f"{prefix}{agreement.sub_word('report', cat)}")
    await OutboxRepo(tx).add(found.room_id, txn_id, notice(text), now)
