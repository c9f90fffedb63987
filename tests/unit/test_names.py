"""People by their names: display names told apart as Element tells them apart, names in action lines, agenda
lines and reminders as plain text, names in a nudge's pills, and the app's names of a room's members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nio import MatrixRoom

from bot.app import App
from bot.i18n import Catalogue
from bot.names import MemberNames, no_names, told_apart
from bot.render import notice
from bot.store.actions import Action
from bot.store.agenda import AgendaItem
from bot.views.actions import action_line, followup_listing, nudge_text
from bot.views.agenda import agenda_lines
from tests.unit.handlers import ANNA, KIM, NAMES, OLLE, START, TODAY, pill, view
from tests.unit.helpers import BOT, ROOM, make_settings

SV = Catalogue("sv")
NAMED = MemberNames(names=NAMES)  # Anna Andersson and Olle Olsson; Kim has no display name


def action(*owners: str, organisation: str | None = "Polisen", due: date | None = date(2026, 12, 4)) -> Action:
    return Action(
        room_id=ROOM, number=3, text="Kolla belysningen", owners=owners, organisation=organisation, due=due,
        due_set_at=START if due else None, status="open", created_by=ANNA, created_at=START,
    )  # fmt: skip


# Telling members apart


def test_a_display_name_of_ones_own_is_shown_as_it_is() -> None:
    assert told_apart({ANNA: "Anna Andersson", OLLE: "Olle Olsson"}) == {ANNA: "Anna Andersson", OLLE: "Olle Olsson"}


def test_a_display_name_two_members_share_is_shown_with_each_ones_user_id() -> None:
    names = told_apart({ANNA: "Anna", "@anna2:polisen.se": "Anna", OLLE: "Olle Olsson"})

    assert names == {ANNA: "Anna (@anna:eslov.se)", "@anna2:polisen.se": "Anna (@anna2:polisen.se)", OLLE: "Olle Olsson"}


def test_a_member_without_a_display_name_is_shown_by_user_id() -> None:
    names = MemberNames(names=told_apart({ANNA: "Anna Andersson", KIM: None, OLLE: ""}))

    assert [names.display(u) for u in (ANNA, KIM, OLLE)] == ["Anna Andersson", KIM, OLLE]


async def test_the_default_for_timed_jobs_knows_no_names() -> None:
    assert (await no_names(ROOM)).display(ANNA) == ANNA


def test_the_rooms_view_names_people_the_same_way() -> None:
    assert view().display(ANNA) == "Anna Andersson"
    assert view().display(KIM) == KIM


# Names in what the bot posts


def test_an_action_line_names_its_owners_in_plain_text() -> None:
    line = action_line(action(ANNA, KIM), TODAY, SV, NAMED)

    content = notice(line)
    assert content["body"] == "#3 Kolla belysningen — Anna Andersson, @kim:eslov.se, Polisen — senast fredag 4 december 2026"
    assert "<a " not in content["formatted_body"]
    assert line.mentioned == ()


def test_a_follow_up_list_names_the_owners() -> None:
    listed = followup_listing(SV.text("agenda.followup"), [action(OLLE, organisation=None)], TODAY, SV, NAMED, "!")

    assert listed.plain == "Åtgärder att följa upp:\n#3 Kolla belysningen — Olle Olsson — senast fredag 4 december 2026"


def test_an_agenda_line_names_who_added_the_item() -> None:
    item = AgendaItem(id=1, text="Klotter vid busstationen", author=ANNA, created_at=START, meeting_start=None)

    [line] = agenda_lines([item], None, None, SV, NAMED)

    assert line.plain == "1. Klotter vid busstationen (Anna Andersson)"


def test_a_nudge_names_its_owners_by_pill_with_their_display_names() -> None:
    content = notice(nudge_text(action(ANNA, KIM), SV, NAMED, late=False))

    assert content["body"] == (
        "Påminnelse om åtgärd #3, som ska vara klar i morgon eller nästa arbetsdag: "
        "#3 Kolla belysningen — Anna Andersson, @kim:eslov.se, Polisen — senast fredag 4 december 2026"
    )
    assert f"— {pill(ANNA, 'Anna Andersson')}, {pill(KIM, '@kim:eslov.se')}, Polisen —" in content["formatted_body"]


def test_a_display_name_in_a_pill_is_escaped() -> None:
    names = MemberNames(names={ANNA: '<script>alert("x")</script>'})

    content = notice(nudge_text(action(ANNA), SV, names, late=True))

    assert content["body"].startswith('Försenad påminnelse om åtgärd #3: #3 Kolla belysningen — <script>alert("x")</script>,')
    assert pill(ANNA, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") in content["formatted_body"]
    assert "<script>" not in content["formatted_body"]


def test_a_nudge_tells_apart_owners_who_share_a_name() -> None:
    names = MemberNames(names=told_apart({ANNA: "Anna", "@anna2:polisen.se": "Anna"}))

    text = nudge_text(action(ANNA, "@anna2:polisen.se", organisation=None), SV, names, late=False)

    assert text.plain.endswith("— Anna (@anna:eslov.se), Anna (@anna2:polisen.se) — senast fredag 4 december 2026")


# The app's names of a room's members


@dataclass
class Tolerating:
    """The transport as member_names uses it: a request whose refusal would be logged."""

    asked: list[str]

    async def tolerate(self, what, call, ok):
        self.asked.append(what)
        return await call()


class Client:
    """A client that knows a room whose members are lazy-loaded until asked for."""

    def __init__(self, room: MatrixRoom, later: dict[str, str | None]):
        self.rooms = {room.room_id: room}
        self.later = later

    async def joined_members(self, room_id: str) -> None:
        room = self.rooms[room_id]
        for user_id, name in self.later.items():
            room.add_member(user_id, name, None)
        room.members_synced = True


def app_knowing(room: MatrixRoom, later: dict[str, str | None]) -> tuple[App, list[str]]:
    app = App(make_settings())
    app.client = Client(room, later)
    app.transport = Tolerating([])
    return app, app.transport.asked


async def test_the_app_names_members_fetched_once_and_told_apart() -> None:
    room = MatrixRoom(ROOM, BOT)
    room.add_member(ANNA, "Anna", None)  # the one who wrote: in the sync before the rest were loaded
    app, asked = app_knowing(room, {"@anna2:polisen.se": "Anna", KIM: None, OLLE: "Olle Olsson"})

    names = await app.member_names(ROOM)
    again = await app.room_view(ROOM)

    assert asked == [f"members of {ROOM}"]  # once per room
    assert [names.display(u) for u in (ANNA, "@anna2:polisen.se", KIM, OLLE)] == [
        "Anna (@anna:eslov.se)", "Anna (@anna2:polisen.se)", KIM, "Olle Olsson"
    ]  # fmt: skip
    assert again.names == names.names
    assert names.present == {ANNA, "@anna2:polisen.se", KIM, OLLE} and names.in_room(KIM)
    assert not names.in_room("@gone:eslov.se")  # someone who has left is not in the room to be mentioned


async def test_the_app_knows_no_names_in_a_room_it_does_not_know() -> None:
    app, asked = app_knowing(MatrixRoom(ROOM, BOT), {})

    assert (await app.member_names("!annat:eslov.se")).display(ANNA) == ANNA
    assert asked == []
