"""Organisations: `!org` lists the room's members by the organisation they represent; `!org set` sets one's own (a
moderator anyone's). A name is spelt as first written in the room and matched without regard to case or
diacritics afterwards; a near miss is only suggested, and `ny` before the name insists on a new one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.context import Context
from bot.commands.registry import Arg
from bot.errors import UsageError, UserError
from bot.feature import Feature
from bot.i18n import Text
from bot.matching import near, same, starting
from bot.parsing import checked_text, mentioned_users
from bot.policy import MAX_ORGANISATION
from bot.store.organisations import OrganisationRepo

feature = Feature("organisations")

NEW = ("ny", "nytt", "new")
"""The word before a name that is meant as a new organisation, however like an existing one it is."""


async def room_spelling(ctx: Context, written: str) -> str:
    """An organisation as the room spells it, if it knows it; otherwise as written."""
    known = [o.name for o in await OrganisationRepo(ctx.tx).in_room(ctx.message.room_id)]
    return same(written, known) or written


def organisation_name(text: str) -> str:
    """A new organisation's name: one line, not too long, no personal data."""
    return checked_text(" ".join(text.split()), MAX_ORGANISATION)


@dataclass(frozen=True)
class Membership:
    user_id: str
    name: str
    """The organisation as the room spells it, or as newly written."""


async def _membership(ctx: Context, text: str) -> Membership:
    """`[@user] [ny] <Organisation>`: whose organisation, and which: a known one (as the room spells it), or a new
    one, unless it is so like a known one that it is only suggested."""
    users, rest = mentioned_users(text, ctx.message.formatted_body, ctx.message.mentions)
    users = tuple(u for u in users if u != ctx.settings.user_id)
    if len(users) > 1:
        raise UsageError("org.one_member")
    user_id = users[0] if users else ctx.message.sender
    if user_id not in ctx.room.members:
        raise UsageError("org.not_in_room", user=user_id)
    words = rest.split()
    insisted = bool(words) and words[0].casefold() in NEW
    written = organisation_name(" ".join(words[1:] if insisted else words))
    if not written:
        raise UsageError("org.missing")
    known = [o.name for o in await OrganisationRepo(ctx.tx).in_room(ctx.message.room_id)]
    if found := same(written, known):
        return Membership(user_id, found)
    if not insisted:
        suggestions = tuple(dict.fromkeys(starting(written, known) + near(written, known)))
        if suggestions:
            whom = f"{user_id} " if user_id != ctx.message.sender else ""
            new = NEW[0] if ctx.cat.language == "sv" else NEW[-1]
            command = f"{ctx.prefix}{org.sub_word('set', ctx.cat)} {whom}{new} {written}"
            either = ctx.cat.either(list(suggestions))
            raise UserError("org.did_you_mean", written=written, suggestions=either, command=command)
    return Membership(user_id, written)


org = feature.command("org", "organisation", "organization", sv="organisation", group="settings", unknown="org.unknown")


@org.form()
async def _list(ctx: Context) -> None:
    """The room's members by organisation, organisations in alphabetical order; members without one last."""
    cat, room = ctx.cat, ctx.room
    of = await OrganisationRepo(ctx.tx).members(ctx.message.room_id)
    members = sorted((u for u in room.members if u != ctx.settings.user_id), key=lambda u: room.display(u).casefold())
    groups: dict[str, list[str]] = {}
    for user_id in members:
        if user_id in of:
            groups.setdefault(of[user_id].name, []).append(room.display(user_id))
    ordered = sorted(groups.items(), key=lambda group: group[0].casefold())
    lines = [cat.text("org.line", name=name, members=", ".join(names)) for name, names in ordered]
    without = [room.display(u) for u in members if u not in of]
    if without:
        lines.append(cat.text("org.without", members=", ".join(without)))
    title = cat.text("org.header") if groups else cat.text("org.none")
    hint = cat.text("org.howto", command=f"{ctx.prefix}{org.sub_word('set', cat)}")
    ctx.reply(Text.join([title, *lines, *([hint] if without else [])]))


@org.sub("set", "satt", sv="sätt", args=[Arg("organisation", _membership, rest=True, missing="org.missing")])
async def _set(ctx: Context, membership: Membership) -> None:
    if membership.user_id != ctx.message.sender:
        ctx.require_moderator()
    repo, room_id = OrganisationRepo(ctx.tx), ctx.message.room_id
    organisation = await repo.named(room_id, membership.name, ctx.now)
    await repo.set_member(room_id, membership.user_id, organisation, ctx.message.sender, ctx.now)
    ctx.reply(ctx.cat.text("org.set", who=ctx.room.display(membership.user_id), name=organisation.name))
