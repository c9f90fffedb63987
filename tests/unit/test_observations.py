"""Organisations, areas, categories and reports through the dispatcher: what members write, what the room reads,
and that a refused command stores nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.store.db import Database
from bot.store.observations import ObservationRepo
from tests.unit.handlers import ANNA, KIM, LISA, OLLE, PNR, PRIVACY_SV, START, Chat
from tests.unit.helpers import ROOM

REPORT_USAGE = "Användning: `!rapport <område> <kategori> <text> [datum <datum>]`"
MODERATORS_ONLY = "Det här får bara moderatorer göra: det krävs behörighetsnivå 50 i rummet, och du har 0."
SET_HINT = "Du har ingen organisation i rummet. Ange den med `!organisation sätt <Organisation>`, så räknas dina rapporter till den."
AREAS = "Centrum, Stationsområdet, Berga, Rönneberga, Sallerup, Marieholm, Flyinge, Löberöd"


async def rows(chat: Chat, table: str) -> list[tuple]:
    async with chat.db.reading() as conn:
        async with conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


async def observations(chat: Chat) -> list:
    async with chat.db.reading() as conn:
        return await ObservationRepo(conn).in_room(ROOM)


# Organisations


async def test_the_list_says_nobody_has_an_organisation_and_how_to_set_one(chat: Chat) -> None:
    assert await chat.send("!org", sender=OLLE) == (
        "Ingen i rummet har angett organisation än.\n"
        "Utan organisation: @kim:eslov.se, @lisa:eslov.se, Anna Andersson, Olle Olsson\n"
        "Ange din organisation med `!organisation sätt <Organisation>`."
    )


async def test_members_are_listed_by_organisation_those_without_last(chat: Chat) -> None:
    assert await chat.send("!org sätt Polisen", sender=KIM) == "@kim:eslov.se företräder Polisen."
    assert await chat.send("!organisation set Räddningstjänsten", sender=OLLE) == "Olle Olsson företräder Räddningstjänsten."
    assert await chat.send("!org sätt Polisen", sender=ANNA) == "Anna Andersson företräder Polisen."

    assert await chat.send("!org", sender=LISA) == (
        "Medlemmar per organisation:\n"
        "Polisen: @kim:eslov.se, Anna Andersson\n"
        "Räddningstjänsten: Olle Olsson\n"
        "Utan organisation: @lisa:eslov.se\n"
        "Ange din organisation med `!organisation sätt <Organisation>`."
    )


async def test_an_organisation_keeps_the_spelling_it_was_first_written_with(chat: Chat) -> None:
    await chat.send("!org sätt Polisen", sender=KIM)

    assert await chat.send("!org sätt polisen", sender=OLLE) == "Olle Olsson företräder Polisen."
    assert await chat.send("!org sätt Pölisen", sender=LISA) == "@lisa:eslov.se företräder Polisen."
    assert [row[2] for row in await rows(chat, "organisations")] == ["Polisen"]


async def test_a_near_miss_is_only_suggested_and_ny_insists_on_a_new_organisation(chat: Chat) -> None:
    await chat.send("!org sätt Polisen", sender=KIM)

    assert await chat.send("!org sätt Pollisen", sender=LISA) == (
        "Menade du Polisen? Ingenting är sparat. Är Pollisen en ny organisation, skriv `!organisation sätt ny Pollisen`."
    )
    assert await chat.send("!org sätt Polis", sender=LISA) == (
        "Menade du Polisen? Ingenting är sparat. Är Polis en ny organisation, skriv `!organisation sätt ny Polis`."
    )
    assert len(await rows(chat, "member_organisations")) == 1
    assert len(await rows(chat, "organisations")) == 1

    assert await chat.send("!org sätt ny Polis", sender=LISA) == "@lisa:eslov.se företräder Polis."


async def test_a_moderator_sets_anyones_organisation_and_a_member_only_their_own(chat: Chat) -> None:
    assert await chat.send("!org sätt @kim:eslov.se Polisen") == "@kim:eslov.se företräder Polisen."

    assert await chat.send("!org sätt @kim:eslov.se Securitas", sender=OLLE) == MODERATORS_ONLY
    assert await chat.send("!org sätt @eva:eslov.se Polisen") == (
        "@eva:eslov.se är inte med i rummet.\nAnvändning: `!organisation sätt [@namn] [ny] <Organisation>`"
    )
    assert [(row[1], row[2]) for row in await rows(chat, "member_organisations")] == [(KIM, 1)]


async def test_an_organisation_with_personal_data_is_refused(chat: Chat) -> None:
    assert await chat.send(f"!org sätt Polisen {PNR}", sender=KIM) == PRIVACY_SV
    assert await rows(chat, "organisations") == []


async def test_an_action_for_an_organisation_takes_the_rooms_spelling(chat: Chat) -> None:
    await chat.send("!org sätt Räddningstjänsten", sender=OLLE)

    assert await chat.send("!åtgärd Se över brandposten för Raddningstjansten") == (
        "Åtgärd #1 är registrerad.\n#1 Se över brandposten — Räddningstjänsten"
    )
    assert await chat.send("!åtgärd ansvarig 1 för räddningstjänsten") == (
        "Åtgärd #1 är ändrad.\n#1 Se över brandposten — Räddningstjänsten"
    )
    # One the room does not know is kept as written.
    assert (await chat.send("!åtgärd Städa för Tekniska förvaltningen")).endswith("— Tekniska förvaltningen")


# Areas and categories


async def test_a_room_starts_with_the_configured_areas_and_categories(chat: Chat) -> None:
    assert await chat.send("!områden", sender=OLLE) == "Rummets områden:\n" + AREAS.replace(", ", "\n")
    assert (await chat.send("!categories", sender=OLLE)).startswith("Rummets kategorier:\nSkadegörelse\nKlotter\n")


async def test_a_room_starts_with_the_areas_its_settings_give(db: Database, clock: FakeClock) -> None:
    chat = await Chat(db, clock, observations={"areas": ["Norr", "Söder"], "categories": []}).joined()

    assert await chat.send("!områden") == "Rummets områden:\nNorr\nSöder"
    assert await chat.send("!kategorier") == (
        "Rummet har inga kategorier än. En moderator lägger till en med `!kategorier ny <kategori>`."
    )
    assert await chat.send("!rapport Norr Klotter på muren") == (
        "Rummet har inga kategorier än. En moderator lägger till en med `!kategorier ny <kategori>`."
    )
    assert await observations(chat) == []


async def test_only_moderators_change_the_lists(chat: Chat) -> None:
    assert await chat.send("!områden ny Gamla torget", sender=OLLE) == MODERATORS_ONLY
    assert await chat.send("!kategorier ta bort Klotter", sender=OLLE) == MODERATORS_ONLY
    assert "Gamla torget" not in await chat.send("!områden")
    assert "Klotter" in await chat.send("!kategorier")


async def test_a_moderator_adds_renames_and_removes_an_area(chat: Chat) -> None:
    assert await chat.send("!områden ny Gamla torget") == "Området Gamla torget är tillagt."
    assert await chat.send("!områden ny gamla Torget") == "Området Gamla torget finns redan."
    assert await chat.send("!områden byt namn gamla till Nya torget") == "Området Gamla torget heter nu Nya torget."
    assert await chat.send("!areas rename Berga Nya") == "Området Berga heter nu Nya."
    # The whole name wins over a longer one it begins.
    assert await chat.send("!områden ta bort nya") == "Området Nya är borttaget. Rapporterna om det finns kvar."
    assert await chat.send("!områden") == (
        "Rummets områden:\nCentrum\nStationsområdet\nRönneberga\nSallerup\nMarieholm\nFlyinge\nLöberöd\nNya torget"
    )


async def test_renaming_onto_another_name_is_refused(chat: Chat) -> None:
    assert await chat.send("!kategorier byt namn Klotter till brand") == "Kategorin Brand finns redan."
    assert "Klotter" in await chat.send("!kategorier")


async def test_a_removed_area_keeps_its_reports_and_takes_no_new_ones(chat: Chat) -> None:
    await chat.send("!rapport Flyinge Klotter på busskuren", sender=OLLE)

    assert await chat.send("!områden ta bort flyinge") == "Området Flyinge är borttaget. Rapporterna om det finns kvar."
    assert "Flyinge" not in await chat.send("!områden")
    assert await chat.send("!rapport Flyinge Klotter igen", sender=OLLE) == (
        f"Det finns inget område som heter \"Flyinge\". Rummets områden: {AREAS.replace(', Flyinge', '')}."
    )
    assert await chat.send("!rapporter") == (
        "1 rapport, 24–30 november:\n1. Flyinge · Klotter · 30 november · på busskuren (Olle Olsson)"
    )
    # Added again, it is the same area, with its reports.
    assert await chat.send("!områden ny Flyinge") == "Området Flyinge är tillagt."
    assert (await chat.send("!rapporter Flyinge")).startswith("1 rapport från Flyinge, 24–30 november:")


async def test_a_name_from_the_lists_is_matched_as_people_type_it(chat: Chat) -> None:
    assert await chat.send("!områden ta bort Stat") == "Området Stationsområdet är borttaget. Rapporterna om det finns kvar."
    assert await chat.send("!områden ta bort Lund") == (
        f"Det finns inget område som heter \"Lund\". Rummets områden: {AREAS.replace('Stationsområdet, ', '')}."
    )
    assert await chat.send("!områden ta bort Maireholm") == (
        "Menade du Marieholm? Det finns inget område som heter \"Maireholm\". "
        f"Rummets områden: {AREAS.replace('Stationsområdet, ', '')}."
    )


# Reporting


async def test_a_report_is_stored_and_repeated_in_one_line(chat: Chat) -> None:
    await chat.send("!org sätt Polisen", sender=KIM)

    assert await chat.send("!rapport Stationsområdet Klotter på cykelgaraget", sender=KIM) == (
        "Rapport 1: Stationsområdet · Klotter · 30 november · på cykelgaraget"
    )
    [stored] = await observations(chat)
    assert (stored.area, stored.category, stored.text, stored.organisation) == (
        "Stationsområdet", "Klotter", "på cykelgaraget", "Polisen"
    )  # fmt: skip
    assert (stored.author, stored.written_at, stored.happened_on) == (KIM, START, START.date())


async def test_area_and_category_are_matched_by_beginning_diacritics_and_several_words(chat: Chat) -> None:
    assert await chat.send("!rapport stat otrygg plats Mörkt under bron", sender=OLLE) == (
        "Rapport 1: Stationsområdet · Otrygg plats · 30 november · Mörkt under bron\n" + SET_HINT
    )
    assert await chat.send("!rapport LOBEROD misstänkt narko Langning vid skolan", sender=OLLE) == (
        "Rapport 2: Löberöd · Misstänkt narkotikahandel · 30 november · Langning vid skolan"
    )


async def test_a_multi_word_area_is_the_longest_run_of_words_that_names_one(chat: Chat) -> None:
    await chat.send("!områden ny Berga skola")

    assert await chat.send("!rapport Berga skola Klotter på gaveln") == (
        "Rapport 1: Berga skola · Klotter · 30 november · på gaveln\n" + SET_HINT
    )
    assert await chat.send("!rapport Berga Klotter på muren") == "Rapport 2: Berga · Klotter · 30 november · på muren"


async def test_the_date_clause_says_when_it_happened(chat: Chat) -> None:
    assert (await chat.send("!rapport Centrum Brand i papperskorg datum igår")).startswith(
        "Rapport 1: Centrum · Brand · 29 november · i papperskorg"
    )
    assert await chat.send("!report Centrum Brand in a bin date 2026-11-27") == (
        "Rapport 2: Centrum · Brand · 27 november · in a bin"
    )
    assert await chat.send("!rapport Centrum Brand igen datum fredag") == (
        "Rapport 3: Centrum · Brand · 27 november · igen"  # looking back, Friday is the last one
    )
    assert [o.happened_on.day for o in await observations(chat)] == [29, 27, 27]


async def test_a_date_ahead_or_unreadable_is_refused_and_nothing_stored(chat: Chat) -> None:
    assert await chat.send("!rapport Centrum Brand i papperskorg datum imorgon") == (
        "1 december har inte varit än; en rapport gäller något som redan har hänt.\n" + REPORT_USAGE
    )
    assert (await chat.send("!rapport Centrum Brand i papperskorg datum snart")).startswith(
        'Jag kan inte läsa datumet "snart".'
    )
    assert await observations(chat) == []
    assert await rows(chat, "observation_numbers") == []


async def test_an_unknown_area_gets_did_you_mean_and_stores_nothing(chat: Chat) -> None:
    assert await chat.send("!rapport Statoinsområdet Klotter på väggen") == (
        "Menade du Stationsområdet? Det finns inget område som heter \"Statoinsområdet\". "
        f"Rummets områden: {AREAS}."
    )
    assert await chat.send("!rapport Centrum Klottre på väggen") == (
        "Menade du Klotter? Det finns ingen kategori som heter \"Klottre\". Rummets kategorier: "
        "Skadegörelse, Klotter, Nedskräpning, Otrygg plats, Samlingar, Misstänkt narkotikahandel, Brand, Hot och våld, "
        "Inbrott och stöld, Trafik, Belysning, Övrigt."
    )
    assert (await chat.send("!rapport Centrum S på väggen")).startswith(
        "Menade du Skadegörelse eller Samlingar? Det finns ingen kategori som heter \"S\"."
    )
    assert await observations(chat) == []


async def test_a_report_without_category_or_text_says_what_is_missing(chat: Chat) -> None:
    assert await chat.send("!rapport") == "Skriv område, kategori och vad du har sett.\n" + REPORT_USAGE
    assert await chat.send("!rapport Centrum") == "Skriv kategori och vad du har sett efter Centrum.\n" + REPORT_USAGE
    assert await chat.send("!rapport Centrum Klotter") == "Skriv vad du har sett efter område och kategori.\n" + REPORT_USAGE
    assert await chat.send("!rapport Centrum Klotter datum igår") == (
        "Skriv vad du har sett efter område och kategori.\n" + REPORT_USAGE
    )
    assert await observations(chat) == []


async def test_a_report_with_personal_data_is_refused(chat: Chat) -> None:
    assert await chat.send(f"!rapport Centrum Klotter gjort av {PNR}") == PRIVACY_SV
    assert await observations(chat) == []


async def test_a_member_without_organisation_is_told_once_how_to_set_it(chat: Chat) -> None:
    first = await chat.send("!rapport Centrum Klotter på muren", sender=OLLE)
    second = await chat.send("!rapport Centrum Klotter på bänken", sender=OLLE)

    assert first == "Rapport 1: Centrum · Klotter · 30 november · på muren\n" + SET_HINT
    assert second == "Rapport 2: Centrum · Klotter · 30 november · på bänken"
    assert [o.organisation for o in await observations(chat)] == [None, None]


async def test_numbers_are_never_reused_after_a_removal(chat: Chat) -> None:
    await chat.send("!rapport Centrum Klotter ett")
    await chat.send("!rapport Centrum Klotter två")

    assert await chat.send("!rapport ta bort 2") == "Rapport 2 är borttagen: Centrum · Klotter · 30 november · två"
    assert await chat.send("!rapport Centrum Klotter tre") == "Rapport 3: Centrum · Klotter · 30 november · tre"
    assert [o.number for o in await observations(chat)] == [1, 2, 3]


async def test_its_author_or_a_moderator_removes_a_report_and_it_is_kept(chat: Chat, clock: FakeClock) -> None:
    await chat.send("!rapport Centrum Klotter på muren", sender=OLLE)
    await chat.send("!rapport Berga Brand i containern", sender=KIM)

    assert await chat.send("!rapport ta bort 1", sender=KIM) == (
        "Rapport 1 får bara tas bort av den som skrev den eller av en moderator (behörighetsnivå 50)."
    )
    clock.advance(timedelta(minutes=5))
    assert await chat.send("!rapport ta bort 1", sender=OLLE) == "Rapport 1 är borttagen: Centrum · Klotter · 30 november · på muren"
    assert await chat.send("!report remove 2", sender=ANNA) == "Rapport 2 är borttagen: Berga · Brand · 30 november · i containern"
    assert await chat.send("!rapport ta bort 2", sender=ANNA) == "Rapport 2 är redan borttagen."

    assert await chat.send("!rapport 1", sender=LISA) == "Rapport 1 togs bort av Olle Olsson 30 november kl. 11.05."
    assert (await chat.send("!rapporter")).startswith("Inga rapporter, 24–30 november.")
    removed = await observations(chat)
    assert [(o.number, o.removed_by) for o in removed] == [(1, OLLE), (2, ANNA)]
    assert removed[0].text == "på muren"


async def test_one_report_is_shown_with_who_wrote_it_when(chat: Chat) -> None:
    await chat.send("!org sätt Polisen", sender=KIM)
    await chat.send("!rapport Centrum Samlingar vid kiosken datum igår", sender=KIM)

    assert await chat.send("!rapport 1", sender=LISA) == (
        "Rapport 1: Centrum · Samlingar · 29 november · vid kiosken\nSkriven av @kim:eslov.se (Polisen) 30 november kl. 11.00."
    )
    assert await chat.send("!rapport 7") == "Det finns ingen rapport 7 i det här rummet; se `!rapporter`."
    assert await chat.send("!rapport ta bort 7") == "Det finns ingen rapport 7 i det här rummet; se `!rapporter`."


async def test_nothing_to_report_needs_an_organisation(chat: Chat) -> None:
    assert await chat.send("!rapport inget", sender=OLLE) == (
        "Ange först vilken organisation du företräder, med `!organisation sätt <Organisation>`."
    )
    assert await rows(chat, "nothing_reported") == []

    await chat.send("!org sätt Räddningstjänsten", sender=OLLE)
    assert await chat.send("!rapport inget", sender=OLLE) == (
        "Noterat: Räddningstjänsten har inget att rapportera för perioden 24–30 november."
    )
    assert [(row[2], row[3]) for row in await rows(chat, "nothing_reported")] == [(1, OLLE)]


# Listing


async def test_reports_lists_this_period_by_day_and_filters(chat: Chat) -> None:
    await chat.send("!org sätt Polisen", sender=KIM)
    await chat.send("!rapport Centrum Klotter på muren", sender=KIM)
    await chat.send("!rapport Berga Klotter på skolan datum 25/11", sender=OLLE)
    await chat.send("!rapport Centrum Brand i containern datum 23/11", sender=OLLE)  # before the last seven days

    assert await chat.send("!rapporter") == (
        "2 rapporter, 24–30 november:\n"
        "2. Berga · Klotter · 25 november · på skolan (Olle Olsson)\n"
        "1. Centrum · Klotter · 30 november · på muren (Polisen)"
    )
    assert await chat.send("!rapporter centrum") == (
        "1 rapport från Centrum, 24–30 november:\n1. Centrum · Klotter · 30 november · på muren (Polisen)"
    )
    assert (await chat.send("!rapporter klott")).startswith("2 rapporter om Klotter, 24–30 november:")
    assert await chat.send("!rapporter mina", sender=OLLE) == (
        "Du har 1 rapport, 24–30 november:\n2. Berga · Klotter · 25 november · på skolan (Olle Olsson)"
    )
    assert await chat.send("!rapporter vecka 48") == (
        "2 rapporter, vecka 48 (23–29 november):\n"
        "3. Centrum · Brand · 23 november · i containern (Olle Olsson)\n"
        "2. Berga · Klotter · 25 november · på skolan (Olle Olsson)"
    )
    assert await chat.send("!rapporter Brand") == "Inga rapporter om Brand, 24–30 november."


async def test_an_unknown_filter_gets_did_you_mean(chat: Chat) -> None:
    assert await chat.send("!rapporter Sa") == (
        "Menade du Sallerup eller Samlingar? Det finns inget område eller någon kategori som heter \"Sa\"."
    )
    assert await chat.send("!rapporter Lund") == (
        "Jag förstår inte \"Lund\"; skriv ett område, en kategori, mina eller vecka <nummer>.\n"
        "Användning: `!rapporter <område | kategori> [från <nummer>]`"
    )
    assert (await chat.send("!rapporter vecka 54")).startswith('"54" är ingen vecka')


async def test_a_long_list_ends_with_the_command_that_shows_the_rest(chat: Chat) -> None:
    for n in range(1, 41):
        await chat.send(f"!rapport Centrum Klotter {'Tag på fasaden nummer ' * 5}{n}", sender=OLLE)

    first = await chat.send("!rapporter")
    assert first.startswith("40 rapporter, 24–30 november:\n1. Centrum")
    hint = first.split("\n")[-1]
    assert hint.startswith("… och ") and hint.endswith("rapporter till: `!rapporter från " + hint.split("från ")[1])
    position = int(hint.split("från ")[1].rstrip("`"))
    rest = await chat.send(f"!rapporter från {position}")
    assert rest.split("\n")[1].startswith(f"{position}. Centrum")
    by_area = await chat.send("!rapporter Centrum")
    assert by_area.split("\n")[-1].startswith("… och ") and "`!rapporter Centrum från " in by_area


async def test_in_english_the_new_word_is_new(db: Database, clock: FakeClock) -> None:
    chat = await Chat(db, clock, language="en").joined()
    await chat.send("!org set Polisen", sender=KIM)

    assert await chat.send("!org set Polis", sender=OLLE) == (
        "Did you mean Polisen? Nothing is stored. If Polis is a new organisation, write `!org set new Polis`."
    )
    assert await chat.send("!org set new Polis", sender=OLLE) == "Olle Olsson represents Polis."
    assert await chat.send("!report stat klotter on the wall date yesterday", sender=KIM) == (
        "Report 1: Stationsområdet · Klotter · 29 November · on the wall"
    )
