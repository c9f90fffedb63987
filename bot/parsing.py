"""Converters: text in Swedish or English becomes a typed value, or a UsageError saying what is accepted."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from urllib.parse import unquote

from bot.errors import UsageError
from bot.policy import MAX_TEXT
from bot.privacy import guard

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("monday", "mon", "måndag", "mån", "måndagar"),
        ("tuesday", "tue", "tues", "tisdag", "tis", "tisdagar"),
        ("wednesday", "wed", "onsdag", "ons", "onsdagar"),
        ("thursday", "thu", "thur", "thurs", "torsdag", "tor", "tors", "torsdagar"),
        ("friday", "fri", "fredag", "fre", "fredagar"),
        ("saturday", "sat", "lördag", "lör", "lördagar"),
        ("sunday", "sun", "söndag", "sön", "söndagar"),
    ]
):
    for _name in _names:
        WEEKDAYS[_name] = _number

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "januari", "jan"),
        ("february", "februari", "feb"),
        ("march", "mars", "mar"),
        ("april", "apr"),
        ("may", "maj"),
        ("june", "juni", "jun"),
        ("july", "juli", "jul"),
        ("august", "augusti", "aug"),
        ("september", "sep", "sept"),
        ("october", "oktober", "oct", "okt"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

ORDINALS: dict[str, int] = {
    "first": 1, "1st": 1, "1": 1, "första": 1, "1:a": 1,
    "second": 2, "2nd": 2, "2": 2, "andra": 2, "2:a": 2,
    "third": 3, "3rd": 3, "3": 3, "tredje": 3, "3:e": 3,
    "fourth": 4, "4th": 4, "4": 4, "fjärde": 4, "4:e": 4,
    "last": -1, "sista": -1, "-1": -1,
}  # fmt: skip

# Days from today, written out: `i förrgår` is two days back.
RELATIVE_DAYS: dict[str, int] = {
    "today": 0, "idag": 0, "i dag": 0,
    "tomorrow": 1, "imorgon": 1, "i morgon": 1,
    "yesterday": -1, "igår": -1, "i går": -1,
    "the day before yesterday": -2, "day before yesterday": -2, "i förrgår": -2, "förrgår": -2, "iförrgår": -2,
}  # fmt: skip

# Units of a length of time, in minutes: letters run together with the number (`1h30m`) or words after it.
UNITS: dict[str, int] = {}
for _minutes, _names in [
    (7 * 24 * 60, ("w", "v", "week", "weeks", "vecka", "veckor")),
    (24 * 60, ("d", "day", "days", "dag", "dagar", "dygn")),
    (60, ("h", "t", "hr", "hrs", "hour", "hours", "tim", "timme", "timmar")),
    (1, ("m", "min", "mins", "minute", "minutes", "minut", "minuter")),
]:
    for _name in _names:
        UNITS[_name] = _minutes
# `en timme`, `a day`: the word for one as a number.
ONE = ("en", "ett", "a", "an", "one")
COMPACT_PART = re.compile(r"(\d{1,6})([a-zåäö]+)")
LONGEST_SPAN = timedelta(days=366)


def checked_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text people write into the record: at most `limit` characters, and no personal data."""
    if len(text) > limit:
        raise UsageError("text.too_long", limit=limit)
    guard(text)
    return text


def _word(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold().rstrip(".,")


def parse_weekday(text: str) -> int:
    """`tisdag`, `tuesday`, `tis`, `tue`: Monday is 0."""
    number = WEEKDAYS.get(_word(text))
    if number is None:
        raise UsageError("parse.weekday", value=text)
    return number


def parse_time(text: str) -> time:
    """`09:00`, `9:00`, `09.00`: a wall-clock time of day."""
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text.strip())
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise UsageError("parse.time", value=text)
    return time(int(match.group(1)), int(match.group(2)))


def _compact(word: str) -> list[tuple[int, int]] | None:
    """`1h30m`, `45min`: the (count, unit) parts of one word, or None if it is not one."""
    parts: list[tuple[int, int]] = []
    position = 0
    while position < len(word):
        match = COMPACT_PART.match(word, position)
        if match is None or match.group(2) not in UNITS:
            return None
        parts.append((int(match.group(1)), UNITS[match.group(2)]))
        position = match.end()
    return parts or None


def _count(word: str) -> int | None:
    if re.fullmatch(r"\d{1,6}", word):
        return int(word)
    return 1 if word in ONE else None


def _pieces(words: list[str]) -> Iterator[tuple[str, list[tuple[int, int]]]]:
    """Each piece of a length of time as written, with its (count, unit) parts: a word such as `1h30m`, or a
    number and a unit word, `1 timme`. `och`/`and` may stand between pieces. What cannot be read is refused,
    named as written."""
    normal = [_word(word) for word in words]
    index = 0
    after_piece = False
    while index < len(words):
        word = normal[index]
        if after_piece and word in ("och", "and") and index + 1 < len(words):
            index += 1
            after_piece = False
            continue
        count = _count(word)
        if count is not None and index + 1 < len(words) and normal[index + 1] in UNITS:
            yield f"{words[index]} {words[index + 1]}", [(count, UNITS[normal[index + 1]])]
            index += 2
        elif (parts := _compact(word)) is not None:
            yield words[index], parts
            index += 1
        else:
            raise UsageError("parse.duration", value=" ".join(words[index : index + (2 if count is not None else 1)]))
        after_piece = True


def _span(parts: list[tuple[int, int]], written: str) -> timedelta:
    """Parts in the order people write them, longest unit first and each once; positive, at most a year."""
    units = [unit for _, unit in parts]
    if not parts or any(longer <= shorter for longer, shorter in zip(units, units[1:])):
        raise UsageError("parse.duration", value=written)
    span = timedelta(minutes=sum(count * unit for count, unit in parts))
    if span <= timedelta(0) or span > LONGEST_SPAN:
        raise UsageError("parse.duration", value=written)
    return span


def parse_duration(text: str) -> timedelta:
    """One positive span: `30m`, `1h30m`, `1d`, `2w` (Swedish `t` for hours and `v` for weeks too), or in words
    `45 minuter`, `1 timme 30 minuter`, `2 veckor`, `1 hour 30 minutes`."""
    try:
        parts = [part for _, piece in _pieces(text.split()) for part in piece]
    except UsageError:
        raise UsageError("parse.duration", value=text) from None
    return _span(parts, text)


def parse_offsets(words: list[str]) -> tuple[timedelta, ...]:
    """`1d 2h 15m`, `1 dag 1 timme`: reminder offsets before a meeting, longest first, without repeats. Each
    piece is one offset (`1h30m` is an hour and a half; `1 timme 30 minuter` is two reminders)."""
    if not words:
        raise UsageError("parse.offsets_missing")
    offsets = {_span(parts, written) for written, parts in _pieces(words)}
    return tuple(sorted(offsets, reverse=True))


def parse_ordinal(text: str) -> int:
    """`first` … `fourth`, `last` (Swedish `första` … `fjärde`, `sista`)."""
    number = ORDINALS.get(_word(text))
    if number is None:
        raise UsageError("parse.ordinal", value=text)
    return number


def _next_weekday(today: date, weekday: int) -> date:
    """The next one, never today: on a Friday, `fredag` means a week ahead."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _weekday_of_next_week(today: date, weekday: int) -> date:
    """`nästa fredag`: the Friday of next ISO week, even on a Monday when this week's Friday is still ahead."""
    return today + timedelta(days=7 - today.weekday() + weekday)


def _day_month(today: date, day: int, month: int, year: int | None, text: str, past: bool = False) -> date:
    """A day and month that could be a date (1-31, 1-12) but is none, `31/2`, is named as such; other
    numbers are no date at all."""
    if not (1 <= day <= 31 and 1 <= month <= 12) or (year is not None and year < 1):
        raise UsageError("parse.date", value=text)
    # 29 February is there every fourth year, and 2100 skips one: look eight years ahead (or back).
    years = [year] if year is not None else [today.year + (-n if past else n) for n in range(9)]
    for candidate_year in years:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or (candidate <= today if past else candidate >= today):
            return candidate
    raise UsageError("parse.no_such_date", value=text)


def friday_of_week(week: int, year: int) -> date | None:
    try:
        return date.fromisocalendar(year, week, 5)
    except ValueError:
        return None


def parse_date(text: str, today: date, past: bool = False) -> date:
    """A date in any form people write it, Swedish or English; a year left out means the next one ahead
    (with `past`, the last one behind: for looking up what was).

    `2026-12-04`, `4/12`, `4/12 2026`, `4 dec`, `4 december 2026`, `fredag`/`på fredag`/`friday` (the next
    one), `nästa fredag`/`next friday` (the Friday of next week), `idag`/`today`, `imorgon`/`tomorrow`,
    `igår`/`yesterday`, `i förrgår`, `om 3 dagar`/`in 3 days`, `om en vecka`/`in a week`, `om 2 veckor`/`in 2 weeks`,
    `vecka 50`/`week 50`/`v50` (the Friday of that ISO week). A date behind today is returned as it is: whether
    it will do is the caller's business.
    """
    word = _word(text)
    compact = re.sub(r"\s+", " ", word)
    if compact in RELATIVE_DAYS:
        return today + timedelta(days=RELATIVE_DAYS[compact])
    if match := re.fullmatch(r"(?:(på|on|nästa|next) )?([a-zåäö]+)", compact):
        weekday = WEEKDAYS.get(match.group(2))
        if weekday is not None:
            if match.group(1) in ("nästa", "next"):
                return _weekday_of_next_week(today, weekday)
            if past and match.group(1) is None:  # looking back, `fredag` is the last one, today's included
                return today - timedelta(days=(today.weekday() - weekday) % 7)
            return _next_weekday(today, weekday)
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", compact):
        return _day_month(today, int(match.group(3)), int(match.group(2)), int(match.group(1)), text)
    if match := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:[ /](\d{4}))?", compact):
        year = int(match.group(3)) if match.group(3) else None
        return _day_month(today, int(match.group(1)), int(match.group(2)), year, text, past)
    if match := re.fullmatch(r"(\d{1,2}) ([a-zåäö]+)\.?(?: (\d{4}))?", compact):
        month = MONTHS.get(match.group(2))
        if month is not None:
            year = int(match.group(3)) if match.group(3) else None
            return _day_month(today, int(match.group(1)), month, year, text, past)
    if match := re.fullmatch(r"(?:in|om) (\d{1,3}|en|ett|an?|one) (days?|dagar|dag|weeks?|veckor|vecka)", compact):
        count = int(match.group(1)) if match.group(1).isdigit() else 1
        unit = 7 if match.group(2).startswith(("w", "v")) else 1
        return today + timedelta(days=count * unit)
    if match := re.fullmatch(r"(?:week|vecka|v\.?) ?(\d{1,2})(?: (\d{4}))?", compact):
        week = int(match.group(1))
        if match.group(2):
            friday = friday_of_week(week, int(match.group(2)))
        else:
            iso_year = today.isocalendar().year  # 1 January 2027 is still in week 53 of 2026
            friday = next(
                (f for y in (iso_year, iso_year + 1) if (f := friday_of_week(week, y)) and f >= today), None
            )
        if friday is None:
            raise UsageError("parse.week", value=text)
        return friday
    raise UsageError("parse.date", value=text)


# A pill as clients write it: <a href="https://matrix.to/#/@anna:eslov.se">Anna Andersson</a>
PILL = re.compile(r'<a\s[^>]*href="https://matrix\.to/#/([^"?]+)[^"]*"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
# The server part ends with a letter or digit: "@olle:eslov.se." ends a sentence, not the server name.
USER_ID = re.compile(r"(?<![\w@])@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]*[A-Za-z0-9](?::\d+)?", re.IGNORECASE)
# Trailing clauses of !action: "for Polisen" (an organisation starts with a capital) and "due fredag".
# The last such clause, on the last line: "Kolla senast inkomna larm senast fredag" is due on Friday.
ORGANISATION = re.compile(r"^.*(\s(?:for|för)\s+)(?=[A-ZÅÄÖ])([^\n]+)$", re.DOTALL)
DUE = re.compile(r"^.*(\s(due|senast)\s+)([^\n]+)$", re.IGNORECASE | re.DOTALL)
# "prio 2", "prioritet P2": the priority of the room's agreement an action serves.
PRIORITY = re.compile(r"^.*(\s(?:prio|prioritet|priority)\s+)(P?\d{1,4})\s*$", re.IGNORECASE | re.DOTALL)


def parse_number(text: str) -> int:
    """`3` or `#3`: a number as the bot shows it."""
    match = re.fullmatch(r"#?(\d{1,9})", text.strip())
    if match is None or int(match.group(1)) == 0:
        raise UsageError("parse.number", value=text)
    return int(match.group(1))


_FROM = re.compile(r"(?:(.*?)\s+)?(?:från|fran|from)\s+(\S+)", re.IGNORECASE | re.DOTALL)


def parse_from(text: str) -> tuple[str, int | None]:
    """`1/12 från 31`: the text before, and where something too long for one message goes on (None if not said)."""
    match = _FROM.fullmatch(text.strip())
    if match is None:
        return text, None
    return match.group(1) or "", parse_number(match.group(2))


def mentioned_users(body: str, formatted_body: str | None, mentions: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """Users named in a message (pills, m.mentions, plain @user:server), in order, and the body without the
    names: a pill shows as the display name in the plain body, which is not part of the text."""
    users: list[str] = []
    for target, label in PILL.findall(formatted_body or ""):
        user_id = unquote(target)
        if user_id.startswith("@"):
            users.append(user_id)
            name = html.unescape(re.sub(r"<[^>]+>", "", label)).strip()
            if name:
                body = body.replace(name, "", 1)
    for user_id in USER_ID.findall(body):
        users.append(user_id)
    body = USER_ID.sub("", body)
    users.extend(mentions)
    return tuple(dict.fromkeys(users)), body


def parse_priority_number(text: str) -> int:
    """`P2`, `p2` or `2`: a priority of an agreement, as the bot shows it."""
    match = re.fullmatch(r"[Pp]?(\d{1,4})", text.strip())
    if match is None or int(match.group(1)) == 0:
        raise UsageError("parse.priority", value=text)
    return int(match.group(1))


@dataclass(frozen=True)
class ActionSpec:
    text: str
    owners: tuple[str, ...]
    organisation: str | None
    due: date | None
    priority: int | None = None
    """The priority of the room's agreement it serves (`prio 2`)."""


def parse_due(text: str, today: date) -> date | None:
    """A due date that is not in the past; `none`/`ingen` clears it."""
    if _word(text) in ("none", "ingen", "inget", "-"):
        return None
    value = parse_date(text, today)
    if value < today:
        raise UsageError("parse.due_past", date=value.isoformat())
    return value


def parse_action(
    args: str, formatted_body: str | None, mentions: tuple[str, ...], exclude: str, today: date
) -> ActionSpec:
    """`<text> [@owner …] [for <organisation>] [due <date>] [prio <n>]`, in Swedish `för`, `senast` and `prioritet`
    too."""
    owners, rest = mentioned_users(args, formatted_body, mentions)
    owners = tuple(user for user in owners if user != exclude)
    rest = " " + rest.strip()
    due = organisation = priority = None
    # Any clause may come last; take the last one off, then the last of the others, and so on.
    for _ in range(3):
        due_match = DUE.match(rest) if due is None else None
        org_match = ORGANISATION.match(rest) if organisation is None else None
        prio_match = PRIORITY.match(rest) if priority is None else None
        last = max((m for m in (due_match, org_match, prio_match) if m), key=lambda m: m.start(1), default=None)
        if last is None:
            break
        if last is due_match:
            due = parse_due(last.group(3).strip(), today)
        elif last is prio_match:
            priority = parse_priority_number(last.group(2))
        else:
            organisation = " ".join(last.group(2).split())
        rest = rest[: last.start(1)]
    text = "\n".join(" ".join(line.split()) for line in rest.strip().splitlines()).strip()
    if not text:
        raise UsageError("action.empty")
    return ActionSpec(text, owners, organisation, due, priority)


# The clauses of a priority of the agreement, each at most once, in any order after its text: `mål`/`goal`,
# `för`/`for` (an organisation starts with a capital, as in an action) and `kategorier`/`categories`.
PRIORITY_CLAUSES = {
    "goal": re.compile(r"\s(?:goal|mål):?(?:\s+|$)", re.IGNORECASE),
    "organisations": re.compile(r"\s(?i:for|för)\s+(?=[A-ZÅÄÖ])"),
    "categories": re.compile(r"\s(?:categories|category|kategorier|kategori):?(?:\s+|$)", re.IGNORECASE),
}
_ITEMS = re.compile(r"\s*,\s*|\s+(?:och|and)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class PrioritySpec:
    """A priority as written: its text (empty when only clauses were given) and the clauses given (None: not)."""

    text: str
    goal: str | None
    organisations: tuple[str, ...] | None
    categories: tuple[str, ...] | None


def parse_priority(args: str) -> PrioritySpec:
    """`<text> [mål <text>] [för <Organisation>, …] [kategorier <kategori>, …]`; English `goal`, `for` and
    `categories` too. Several organisations or categories are separated by commas or `och`/`and`."""
    rest = " " + " ".join(args.split())
    clauses: dict[str, str] = {}
    while True:
        found = [
            (match, kind)
            for kind, pattern in PRIORITY_CLAUSES.items()
            if kind not in clauses and (match := next(reversed(list(pattern.finditer(rest))), None))
        ]
        if not found:
            break
        match, kind = max(found, key=lambda pair: pair[0].start())
        value = rest[match.end() :].strip()
        if not value:
            raise UsageError(f"priority.{kind}_missing")
        clauses[kind] = value
        rest = rest[: match.start()]
    lists = {kind: tuple(i for i in _ITEMS.split(value) if i) for kind, value in clauses.items() if kind != "goal"}
    return PrioritySpec(rest.strip(), clauses.get("goal"), lists.get("organisations"), lists.get("categories"))
