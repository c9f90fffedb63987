"""`samverkan-bot export`: a room's meetings, decisions, actions, reports, agreements and safety walks, read from
the database and written as JSON, CSV or Markdown for archiving. The JSON shape is documented in the README and
versioned."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, SystemClock
from bot.i18n import Catalogue
from bot.matrix.client import make_client
from bot.matrix.session import load_session
from bot.matrix.transport import Transport, Unavailable
from bot.followup import SECOND, followed_up, status_before
from bot.periods import closed_by
from bot.views.minutes import md
from bot.seeds import resolve_room
from bot.settings import Settings
from bot.store.actions import CANCELLED, DONE, OPEN, Action, ActionRepo, Change
from bot.store.agreements import AgreementRepo
from bot.store.agenda import AgendaRepo
from bot.store.db import Connection, DB_NAME, Database, utc_text
from bot.store.meetings import Meeting, MeetingRepo
from bot.store.observation_lists import CATEGORIES, ObservationListRepo
from bot.store.observations import Observation, ObservationRepo
from bot.store.retention import Due
from bot.store.walks import LOCATION, PHOTO, Point, Walk, WalkRepo

FORMAT = "samverkan-bot-export"
VERSION = 1
CSV_COLUMNS = (
    "room_id",
    "number",
    "text",
    "owners",
    "organisation",
    "due",
    "status",
    "created_by",
    "created_at",
    "meeting_id",
    "last_change_at",
)
OBSERVATION_COLUMNS = (
    "room_id",
    "number",
    "area",
    "category",
    "text",
    "organisation",
    "author",
    "written_at",
    "happened_on",
    "removed_at",
    "removed_by",
)
# A spreadsheet runs a cell starting with one of these as a formula; room members' text must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
class ExportError(Exception):
    """The export cannot be made; the message is one clear line for the operator."""


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


async def _carried_over(conn: Connection, meeting: Meeting) -> list[dict[str, Any]]:
    """Items still open when the meeting ended, not those open now: the archive tells what the room saw then."""
    items = await AgendaRepo(conn).open_at(meeting.room_id, meeting.ended_at)
    return [{"text": i.text, "added_by": i.author, "added_at": utc_text(i.created_at)} for i in items]


async def _meeting(
    conn: Connection, meeting: Meeting, actions: list[Action], histories: dict[int, list[Change]]
) -> dict[str, Any]:
    repo = MeetingRepo(conn)
    end = meeting.ended_at + SECOND

    def ref(action: Action) -> dict[str, Any]:
        status = status_before(histories.get(action.number, []), end)
        return {"number": action.number, "text": action.text, "status_at_end": status}

    day = meeting.started_at.astimezone(meeting.zone).date()
    followed = followed_up(meeting.id, meeting.started_at, meeting.ended_at, day, actions, histories)
    return {
        "id": meeting.id,
        "name": meeting.name,
        "timezone": meeting.zone.key,
        "started_at": utc_text(meeting.started_at),
        "started_by": meeting.started_by,
        "ended_at": utc_text(meeting.ended_at),
        "ended_by": meeting.ended_by or None,  # an automatic close is stored without anyone
        "auto_closed": meeting.auto_closed,
        "participants": [
            {"user_id": p.user_id, "name": p.name, "how": p.how} for p in await repo.participants(meeting.id)
        ],
        "items_discussed": [
            {"text": i.text, "note": i.note, "added_by": i.author, "added_at": utc_text(i.created_at)}
            for i in await AgendaRepo(conn).discussed_in(meeting.id)
        ],
        "decisions": [{"text": d.text, "by": d.by, "at": utc_text(d.at)} for d in await repo.decisions(meeting.id)],
        "actions_agreed": [ref(a) for a in actions if a.meeting_id == meeting.id],
        "actions_followed_up": [ref(a) for a in followed],
        "items_carried_over": await _carried_over(conn, meeting),
        "situation": await _situation(conn, meeting),
        "minutes": meeting.minutes,
    }


async def _situation(conn: Connection, meeting: Meeting) -> dict[str, Any]:
    """The situation picture of the round the meeting closed: its bounds and its observations (removed ones aside)
    counted by area and category, as the minutes' table has them."""
    [period] = await closed_by(conn, meeting, earlier=0)
    tallies = await ObservationRepo(conn).tallies(meeting.room_id, [period])
    counts = sorted(tallies, key=lambda t: (-t.n, t.area.casefold(), t.category.casefold()))
    return {
        "from": utc_text(period.start),
        "to": utc_text(period.end),
        "total": sum(t.n for t in tallies),
        "counts": [{"area": t.area, "category": t.category, "n": t.n} for t in counts],
    }


def _action(action: Action, history: list[Change]) -> dict[str, Any]:
    return {
        "number": action.number,
        "text": action.text,
        "owners": list(action.owners),
        "organisation": action.organisation,
        "due": action.due.isoformat() if action.due else None,
        "status": action.status,
        "created_by": action.created_by,
        "created_at": utc_text(action.created_at),
        "meeting_id": action.meeting_id,
        "history": [{"at": utc_text(c.at), "by": c.by, "kind": c.kind, "detail": c.detail} for c in history],
    }


async def _agreements(
    conn: Connection, room_id: str, first: date | None, last: date | None
) -> list[dict[str, Any]]:
    """The room's agreements whose period touches the range, oldest first, each with its priorities (removed ones
    too, marked) and the numbers of the actions linked to each."""
    repo = AgreementRepo(conn)
    categories = {c.id: c.name for c in await ObservationListRepo(conn, CATEGORIES).in_room(room_id)}
    found = []
    for agreement in await repo.in_room(room_id):
        if (first is not None and agreement.ends < first) or (last is not None and agreement.starts > last):
            continue
        links = await repo.links(room_id, agreement.id)
        found.append(
            {
                "id": agreement.id,
                "name": agreement.name,
                "from": agreement.starts.isoformat(),
                "to": agreement.ends.isoformat(),
                "created_by": agreement.created_by,
                "created_at": utc_text(agreement.created_at),
                "priorities": [
                    {
                        "number": p.number,
                        "text": p.text,
                        "goal": p.goal,
                        "organisations": list(p.organisations),
                        "categories": [categories[c] for c in p.categories if c in categories],
                        "carried_from": (
                            {"agreement_id": p.carried_from[0], "number": p.carried_from[1]} if p.carried_from else None
                        ),
                        "removed_at": utc_text(p.removed_at) if p.removed_at else None,
                        "actions": [link.action for link in links if link.priority == p.number],
                    }
                    for p in await repo.priorities(agreement.id, removed=True)
                ],
            }
        )
    return found


def _observation(found: Observation) -> dict[str, Any]:
    return {
        "number": found.number,
        "area": found.area,
        "category": found.category,
        "text": found.text,
        "organisation": found.organisation,
        "author": found.author,
        "written_at": utc_text(found.written_at),
        "happened_on": found.happened_on.isoformat(),
        "removed_at": utc_text(found.removed_at) if found.removed_at else None,
        "removed_by": found.removed_by,
    }


def _point(point: Point) -> dict[str, Any]:
    """A walk's point with its photos (where the media repository keeps them, and in an encrypted room the keys that
    open them) and its locations."""

    def sent(a: Any) -> dict[str, Any]:
        return {"sent_by": a.sender, "sent_at": utc_text(datetime.fromtimestamp(a.sent_ms / 1000, timezone.utc))}

    return {
        "number": point.number,
        "place": point.place,
        "what": point.what,
        "proposal": point.proposal,
        "responsible": point.responsible,
        "author": point.author,
        "written_at": utc_text(point.created_at),
        "action": point.action_number,
        "photos": [
            {"url": a.url, "filename": a.body, "mimetype": a.mimetype, "encryption": a.file, **sent(a)}
            for a in point.attachments
            if a.kind == PHOTO
        ],
        "locations": [
            {"geo_uri": a.geo_uri, "latitude": a.latitude, "longitude": a.longitude, "uncertainty": a.uncertainty,
             **sent(a)}  # fmt: skip
            for a in point.attachments
            if a.kind == LOCATION
        ],
    }


async def _walk(conn: Connection, walk: Walk) -> dict[str, Any]:
    return {
        "number": walk.number,
        "area": walk.area,
        "text": walk.text,
        "started_by": walk.started_by,
        "started_at": utc_text(walk.started_at),
        "ended_by": walk.ended_by,
        "ended_at": utc_text(walk.ended_at) if walk.ended_at else None,
        "followup_at": utc_text(walk.followup_at) if walk.followup_at else None,
        "points": [_point(p) for p in await WalkRepo(conn).points(walk.id)],
    }


async def _archive(
    conn: Connection,
    room_id: str,
    zone: ZoneInfo,
    now: datetime,
    meetings: list[Meeting],
    keep: Callable[[str, Any], bool],
    agreements: list[dict[str, Any]],
    agenda_items: list[dict[str, Any]] | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict[str, Any]:
    """A room's archive in the export's shape: these meetings and agreements (and agenda items, for a purge), and
    of the room's actions, observations, "nothing to report"s and walks those that `keep(kind, record)` keeps."""
    repo, observations = ActionRepo(conn), ObservationRepo(conn)
    # Every action, not only those kept: a meeting follows up actions logged before it.
    actions = await repo.in_room(room_id, (OPEN, DONE, CANCELLED))
    histories = await repo.histories(room_id)
    return {
        "format": FORMAT,
        "version": VERSION,
        "room_id": room_id,
        "exported_at": utc_text(now),
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
        "timezone": zone.key,
        "meetings": [await _meeting(conn, m, actions, histories) for m in meetings],
        "actions": [_action(a, histories.get(a.number, [])) for a in actions if keep("actions", a)],
        "observations": [_observation(o) for o in await observations.in_room(room_id) if keep("observations", o)],
        "nothing_to_report": [
            {"organisation": n.organisation, "by": n.by, "at": utc_text(n.at)}
            for n in await observations.nothing_reported(room_id)
            if keep("nothing_to_report", n)
        ],
        **({"agenda_items": agenda_items} if agenda_items is not None else {}),
        "agreements": agreements,
        "walks": [await _walk(conn, w) for w in await WalkRepo(conn).in_room(room_id) if keep("walks", w)],
    }


async def read_archive(
    conn: Connection, room_id: str, zone: ZoneInfo, first: date | None, last: date | None, now: datetime
) -> dict[str, Any]:
    """The export as a JSON-ready dict: ended meetings started in [first, last] and actions created then
    (local dates in `zone`, inclusive). A room the bot never knew gives an empty archive."""
    since = _midnight(first, zone) if first else None
    until = _midnight(last + timedelta(days=1), zone) if last else None

    moment_of = {"actions": "created_at", "nothing_to_report": "at", "walks": "started_at"}

    def keep(kind: str, record: Any) -> bool:
        if kind == "observations":
            return (first is None or record.happened_on >= first) and (last is None or record.happened_on <= last)
        moment = getattr(record, moment_of[kind])
        return (since is None or moment >= since) and (until is None or moment < until)

    meetings = await MeetingRepo(conn).ended_in(room_id, since, until)
    agreements = await _agreements(conn, room_id, first, last)
    return await _archive(conn, room_id, zone, now, meetings, keep, agreements, first=first, last=last)


async def due_archive(conn: Connection, due: Due, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """What a purge is about to delete from a room, in the export's shape, with the agenda items that go beside
    it (those discussed also appear under their meetings)."""
    room_id = due.room_id
    going = {kind: set(keys) for kind, keys in due.keys.items()}
    key = {"actions": "number", "observations": "number", "walks": "id"}

    def keep(kind: str, record: Any) -> bool:
        if kind == "nothing_to_report":
            return due.nothing_before is not None and record.at < due.nothing_before
        return getattr(record, key[kind]) in going.get(kind, ())

    meetings = [m for m in await MeetingRepo(conn).ended_in(room_id) if m.id in going.get("meetings", ())]
    items = [
        {"text": i.text, "note": i.note, "added_by": i.author, "added_at": utc_text(i.created_at)}
        for i in await AgendaRepo(conn).with_ids(room_id, due.keys.get("agenda_items", []))
    ]
    return await _archive(conn, room_id, zone, now, meetings, keep, [], items)  # agreements are kept for good


def as_json(archive: dict[str, Any]) -> str:
    return json.dumps(archive, ensure_ascii=False, indent=2) + "\n"


def _cell(text: str | None) -> str:
    text = text or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def as_csv(archive: dict[str, Any], table: str = "actions") -> str:
    """One row per action, or per report (`table`). The byte order mark makes spreadsheets read the file as UTF-8
    (å, ä, ö)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if table == "observations":
        writer.writerow(OBSERVATION_COLUMNS)
        for o in archive["observations"]:
            writer.writerow(
                [
                    archive["room_id"],
                    o["number"],
                    _cell(o["area"]),
                    _cell(o["category"]),
                    _cell(o["text"]),
                    _cell(o["organisation"]),
                    o["author"],
                    o["written_at"],
                    o["happened_on"],
                    o["removed_at"] or "",
                    o["removed_by"] or "",
                ]
            )
        return "\ufeff" + out.getvalue()
    writer.writerow(CSV_COLUMNS)
    for a in archive["actions"]:
        writer.writerow(
            [
                archive["room_id"],
                a["number"],
                _cell(a["text"]),
                " ".join(a["owners"]),
                _cell(a["organisation"]),
                a["due"] or "",
                a["status"],
                a["created_by"],
                a["created_at"],
                a["meeting_id"] if a["meeting_id"] is not None else "",
                a["history"][-1]["at"],
            ]
        )
    return "\ufeff" + out.getvalue()


def as_markdown(archive: dict[str, Any], cat: Catalogue) -> str:
    """The stored minutes one after another, then a table of the actions."""
    columns = [cat(f"export.column.{c}") for c in ("number", "action", "owners", "due", "status", "logged")]
    zone = ZoneInfo(archive["timezone"])

    def cell(text: str) -> str:
        return md(" ".join(text.split()))  # a line break would end the table row

    lines = [f"# {cat('export.actions')}", ""]
    if archive["actions"]:
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "---|" * len(columns))
    else:
        lines.append(cat("export.no_actions"))
    for a in archive["actions"]:
        owners = a["owners"] + ([a["organisation"]] if a["organisation"] else [])
        logged = datetime.fromisoformat(a["created_at"]).astimezone(zone).date().isoformat()
        row = [f"#{a['number']}", cell(a["text"]), cell(", ".join(owners)), a["due"] or "", cat(f"export.status.{a['status']}"), logged]
        lines.append("| " + " | ".join(row) + " |")
    parts = [m["minutes"] for m in archive["meetings"] if m["minutes"]]
    return "\n---\n\n".join([*parts, "\n".join(lines) + "\n", *_agreements_markdown(archive, cat)])


def _agreements_markdown(archive: dict[str, Any], cat: Catalogue) -> list[str]:
    """Each agreement: its name and period, and its priorities with the numbers of their actions."""
    parts = []
    for a in archive["agreements"]:
        lines = [f"# {md(a['name'])}", "", cat("export.agreement_period", first=a["from"], last=a["to"]), ""]
        for p in a["priorities"]:
            actions = ", ".join(f"#{n}" for n in p["actions"]) or cat("export.agreement_no_actions")
            removed = f" {cat('export.agreement_removed')}" if p["removed_at"] else ""
            lines.append(f"- P{p['number']} {md(' '.join(p['text'].split()))}{removed} — {actions}")
        if not a["priorities"]:
            lines.append(cat("agreement.no_priorities_yet"))
        parts.append("\n".join(lines) + "\n")
    return parts


async def room_id_of(settings: Settings, room: str) -> str:
    """A room id as given; an alias asked of the homeserver with the bot's stored session, never a new login
    (that would make a new device). Without a session the lookup goes unauthenticated, as the spec allows."""
    if room.startswith("!"):
        return room
    client = make_client(settings)
    session = load_session(settings.data_dir)
    if session and session.user_id == settings.user_id and session.homeserver == settings.homeserver:
        client.user_id, client.access_token = session.user_id, session.access_token
    elif settings.access_token:
        client.access_token = settings.access_token.get_secret_value()
    try:
        room_id = await resolve_room(Transport(client), room)
    except Unavailable as exc:
        raise ExportError(f"cannot reach the homeserver at {settings.homeserver} to resolve {room} ({exc})") from None
    finally:
        await client.close()
    if room_id is None:
        raise ExportError(
            f"the room alias {room} is not known at {settings.homeserver}; check it or give the room id (!…)"
        )
    return room_id


def _write(text: str, output: Path | None, force: bool) -> None:
    data = text.encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(output, "wb" if force else "xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise ExportError(f"{output} exists; add --force to overwrite it") from None
    except OSError as exc:
        raise ExportError(f"cannot write {output} ({exc.strerror or exc})") from None


async def export(
    settings: Settings,
    room: str,
    fmt: str,
    first: date | None = None,
    last: date | None = None,
    output: Path | None = None,
    force: bool = False,
    clock: Clock | None = None,
    table: str = "actions",
) -> None:
    """Write the room's archive; raises ExportError (or StartupError from the database) with one clear line."""
    path = settings.data_dir / DB_NAME
    if not path.exists():
        # Database.open would create an empty one, and a wrong BOT_DATA_DIR would pass for an empty archive.
        raise ExportError(f"no database at {path}; check BOT_DATA_DIR")
    if output is not None and output.exists() and not force:
        raise ExportError(f"{output} exists; add --force to overwrite it")
    room_id = await room_id_of(settings, room)
    db = await Database.open(settings.data_dir)
    try:
        async with db.reading() as conn:
            # One read transaction: a bot running meanwhile cannot tear the archive in two.
            await conn.execute("BEGIN")
            try:
                now = (clock or SystemClock()).now()
                archive = await read_archive(conn, room_id, settings.zone, first, last, now)
            finally:
                await conn.execute("ROLLBACK")
    finally:
        await db.close()
    if fmt == "json":
        text = as_json(archive)
    elif fmt == "csv":
        text = as_csv(archive, table)
    else:
        text = as_markdown(archive, Catalogue(settings.language))
    _write(text, output, force)
