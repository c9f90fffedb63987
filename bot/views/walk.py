"""Safety walks as people read them: the action plan (a Markdown file, and pages of it in the room), a point as
its confirmation repeats it, and the reminder of a follow-up walk."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.geo import GeoPoint, osm_link
from bot.i18n import Catalogue, Text
from bot.i18n.dates import clock, day, when
from bot.render import listing
from bot.store.actions import OPEN, Action
from bot.store.walks import LOCATION, Attachment, Point, Walk
from bot.views.minutes import md


def _uncertainty(metres: float | None, cat: Catalogue) -> str:
    return cat("walk.plan_uncertainty", metres=f"{metres:.0f}") if metres is not None else ""


def map_link(found: Attachment) -> str:
    return osm_link(GeoPoint(found.latitude, found.longitude, found.uncertainty))


def _attachment(found: Attachment, cat: Catalogue) -> str:
    """`Foto: parkvagen.jpg — mxc://…`, `Plats på kartan: https://www.openstreetmap.org/…`: a reader of the file
    finds the photo in the media repository and the place on the map."""
    if found.kind == LOCATION:
        return cat("walk.plan_location", link=map_link(found), uncertainty=_uncertainty(found.uncertainty, cat))
    encrypted = cat("walk.plan_encrypted") if found.file is not None else ""
    return cat("walk.plan_photo", name=md(found.body or cat("walk.plan_photo_unnamed")), url=found.url, encrypted=encrypted)


def _action(action: Action, cat: Catalogue) -> str:
    parts = [f"#{action.number}"]
    if action.due:
        parts.append(cat("action.due", day=day(action.due, cat)))
    if action.status != OPEN:
        parts.append(cat(f"action.status.{action.status}"))
    return cat("walk.plan_action", action=" ".join(parts))


def point_fields(point: Point, cat: Catalogue) -> list[str]:
    """What a point says, one field a line, as Markdown: what, proposal, responsible."""
    fields = [cat("walk.plan_what", what=md(point.what).replace("\n", "\n  "))]
    if point.proposal:
        fields.append(cat("walk.plan_proposal", proposal=md(point.proposal)))
    fields.append(cat("walk.plan_responsible", responsible=md(point.responsible or cat("walk.plan_nobody"))))
    return fields


def plan_markdown(walk: Walk, points: list[Point], actions: dict[int, Action], cat: Catalogue, zone: ZoneInfo) -> str:
    """The action plan (åtgärdsplan): the walk, the reminder to check the photos, then each point with its place,
    what, proposal, responsible party, action, photos and map links."""
    started = walk.started_at.astimezone(zone)
    if walk.ended_at is None:
        held = cat("walk.plan_ongoing", start=when(started, cat))
    else:
        ended = walk.ended_at.astimezone(zone)
        if ended.date() == started.date():
            held = cat("walk.plan_held", start=when(started, cat), end=clock(ended, cat))
        else:
            held = cat("walk.plan_held_days", start=when(started, cat), end=when(ended, cat))
    lines = [f"# {cat('walk.plan_title', n=walk.number, area=md(walk.area))}", "", held]
    if walk.text:
        lines += ["", cat("walk.plan_about", text=md(walk.text))]
    lines += ["", cat("walk.photo_check"), "", f"## {cat('walk.plan_points')}"]
    if not points:
        lines += ["", cat("walk.plan_none")]
    for point in points:
        entries = point_fields(point, cat)
        if point.action_number is not None and point.action_number in actions:
            entries.append(_action(actions[point.action_number], cat))
        entries += [_attachment(found, cat) for found in point.attachments]
        lines += ["", f"### {point.number}. {md(point.place)}", "", *(f"- {entry}" for entry in entries)]
    return "\n".join(lines) + "\n"


def plan_filename(walk: Walk, cat: Catalogue, zone: ZoneInfo) -> str:
    """`åtgärdsplan-vandring-2-2026-11-29.md`"""
    local = (walk.ended_at or walk.started_at).astimezone(zone)
    return cat("walk.plan_filename", n=walk.number, date=local.date().isoformat())


def point_text(point: Point, cat: Catalogue) -> Text:
    """`Punkt 3: Parkvägen 3`, then what, proposal and responsible, one a line."""
    fields = [cat.text("point.field_what", what=point.what)]
    if point.proposal:
        fields.append(cat.text("point.field_proposal", proposal=point.proposal))
    fields.append(cat.text("point.field_responsible", responsible=point.responsible or cat("walk.plan_nobody")))
    return Text.join([cat.text("point.recorded", n=point.number, place=point.place), *fields])


def followup_text(
    walk: Walk, points: list[Point], actions: dict[int, Action], cat: Catalogue, zone: ZoneInfo, shows: str
) -> Text:
    """Time for a follow-up walk: the points whose actions are still open, and those never made actions; a list too
    long for its share of the message ends with how many more there are, and `shows`, the command that shows the
    walk's plan."""
    ended = (walk.ended_at or walk.started_at).astimezone(zone).date()
    parts = [cat.text("walk.followup", n=walk.number, area=walk.area, day=day(ended, cat))]
    still_open = [p for p in points if p.action_number in actions and actions[p.action_number].status == OPEN]
    never = [p for p in points if p.action_number is None]

    def line(point: Point) -> Text:
        action = f" — #{point.action_number}" if point.action_number is not None else ""
        return cat.text("walk.followup_line", n=point.number, place=point.place, what=point.what, action=action)

    more = lambda n, position: cat.text_count("walk.followup_more", n, command=shows)  # noqa: E731
    if still_open:
        parts.append(listing(cat.text("walk.followup_open"), list(map(line, still_open)), more))
    if never:
        parts.append(listing(cat.text("walk.followup_never"), list(map(line, never)), more))
    if not (still_open or never):
        parts.append(cat.text("walk.followup_all_done"))
    return Text.join(parts, "\n\n")

