"""The minutes as the room reads them: the notice when a meeting ends says what was decided and agreed, and
`!protokoll` shows the stored Markdown rendered, user text literal and escaped, each cut to one message with the
command that shows the rest."""

from __future__ import annotations

import re

from bot.clock import FakeClock
from bot.i18n import Text
from bot.policy import MAX_BODY
from bot.render import HINT_ROOM, markdown_blocks, markdown_page, notice
from bot.store.db import Database
from bot.store.meetings import MeetingRepo
from bot.views.minutes import md
from tests.unit.handlers import KIM, LISA, OLLE, Chat
from tests.unit.helpers import ROOM

HOSTILE = "Kolla <b>fet</b> # rubrik *kursiv* [x](http://evil.example) & &amp; _under_ `kod`"
MULTI_LINE = "Belysning:\n  vid stationen\n\n- gångtunneln\n1. parken"



async def minutes_of(db: Database) -> str:
    async with db.reading() as conn:
        return (await MeetingRepo(conn).ended_in(ROOM))[-1].minutes


def page(markdown: str, first: int = 1, budget: int = MAX_BODY) -> dict:
    more = lambda n, position: Text.of(f"{n} kvar från {position}", code=True)  # noqa: E731
    return notice(markdown_page(markdown_blocks(markdown), more, budget=budget, first=first))


# Markdown as a message


def test_user_text_in_the_minutes_stays_literal_and_escaped() -> None:
    content = page(f"# Protokoll: {md(HOSTILE)}\n\nMötet hölls.\n\n## Beslut\n\n- {md(HOSTILE)}\n")

    assert content["body"] == f"Protokoll: {HOSTILE}\nMötet hölls.\n\nBeslut\n• {HOSTILE}"
    formatted = content["formatted_body"]
    assert formatted.startswith("<h1>Protokoll: Kolla &lt;b&gt;fet&lt;/b&gt; # rubrik *kursiv* [x](http://evil.example)")
    assert "<li>Kolla &lt;b&gt;fet&lt;/b&gt; # rubrik *kursiv* [x](http://evil.example) &amp; &amp;amp; _under_ `kod`</li>" in formatted
    for markup in ("<b>", "<a ", "<em>", "<strong>", "<code>", "href"):
        assert markup not in formatted


def test_the_body_has_no_markdown_markers_or_escapes() -> None:
    content = page(f"Protokoll: Örat\n\n## Deltagare\n\n- Anna\n- Olle\n\n## Beslut\n\n- {md(HOSTILE)}\n")

    body = content["body"]
    assert "\\" not in body
    assert [line for line in body.splitlines() if re.match(r"\s*(#|- |\* )", line)] == []
    # A heading is followed by its entries, and set off from what came before by a blank line.
    assert body.startswith("Protokoll: Örat\n\nDeltagare\n• Anna\n• Olle\n\nBeslut\n")


def test_lines_and_their_leading_spaces_survive() -> None:
    content = page(f"## Beslut\n\n- {md(MULTI_LINE).replace(chr(10), chr(10) + '  ')}\n")

    # The item's further lines are indented under its bullet, the user's own indentation after that.
    assert content["body"] == "Beslut\n• Belysning:\n    vid stationen\n   \n  - gångtunneln\n  1. parken"
    assert "<li>Belysning:<br />\n\u00a0\u00a0vid stationen<br />\n\u00a0<br />\n- gångtunneln<br />\n1. parken</li>" in content["formatted_body"]


def test_a_line_that_would_start_a_list_or_a_heading_stays_text() -> None:
    for text in ("- en", "+ två", "1. tre", "2026) fyra", "===", "---", "    kod"):
        [block] = markdown_blocks(md(f"Rubrik\n{text}"))
        assert block.plain == f"Rubrik\n{text}", text
    assert md("Ljung-Olsson =HYPERLINK 2026.11") == "Ljung-Olsson =HYPERLINK 2026.11"  # nothing escaped in vain


def test_a_long_document_is_cut_with_where_to_go_on_and_the_next_page_starts_with_its_heading() -> None:
    markdown = "# Protokoll\n\n## Beslut\n\n" + "".join(f"- Beslut nummer {n:02}\n" for n in range(1, 41))

    first = page(markdown, budget=300)
    shown = re.findall(r"Beslut nummer (\d+)", first["body"])
    position = int(re.search(r"`(\d+) kvar från (\d+)`$", first["body"]).group(2))
    second = page(markdown, first=position, budget=300)

    assert len(first["body"]) <= 300 and first["body"].endswith(f"`{40 - len(shown)} kvar från {position}`")
    assert position == 2 + len(shown) + 1  # the title, the heading, the decisions shown
    assert second["body"].startswith(f"Beslut\n• Beslut nummer {len(shown) + 1:02}\n")
    assert second["formatted_body"].startswith(f"<h2>Beslut</h2>\n<ul>\n<li>Beslut nummer {len(shown) + 1:02}</li>")


def test_a_document_that_fits_has_no_hint() -> None:
    content = page("# Protokoll\n\nKort.\n")

    assert content["body"] == "Protokoll\nKort."
    assert content["formatted_body"] == "<h1>Protokoll</h1>\n<p>Kort.</p>"


# The notice when a meeting ends


async def hold(chat: Chat, *commands: str) -> dict:
    await chat.send("!dagordning ny Klotter vid busstationen")
    await chat.send("!dagordning ny Belysning i parken")
    await chat.send("!möte start")
    await chat.send("!närvarande", sender=OLLE)
    await chat.send("!närvarande", sender=KIM)
    for command in commands:
        await chat.send(command)
    return await chat.reply("!möte slut")


async def test_the_notice_says_what_was_decided_and_agreed(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)

    ended = await hold(
        chat,
        "!dagordning klar 1 Polisen ökar närvaron",
        "!beslut Kommunen sätter upp ny belysning",
        f"!åtgärd Sätt upp skyltar {OLLE} för Polisen senast fredag",
    )

    assert ended["body"] == (
        "Protokoll från Örat mot marken, måndag 30 november 2026 kl. 11.00 (vecka 49). Hela protokollet följer som fil.\n"
        "Deltagare: Anna Andersson, @kim:eslov.se (lyssnade), Olle Olsson (lyssnade)\n"
        "\n"
        "Behandlade punkter:\n"
        "• Klotter vid busstationen — Polisen ökar närvaron\n"
        "\n"
        "Beslut:\n"
        "• Kommunen sätter upp ny belysning\n"
        "\n"
        "Nya åtgärder:\n"
        "#1 Sätt upp skyltar — Olle Olsson, Polisen — senast fredag 4 december 2026\n"
        "\n"
        "Kvarstår:\n"
        "• Belysning i parken"
    )


async def test_the_notice_leaves_out_what_the_meeting_did_none_of(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)

    ended = await hold(chat, "!beslut Inget mer i år")

    assert "Beslut:\n• Inget mer i år\n\nKvarstår:\n• Klotter vid busstationen\n• Belysning i parken" in ended["body"]
    for heading in ("Behandlade punkter:", "Nya åtgärder:"):
        assert heading not in ended["body"]


async def test_a_meeting_that_did_nothing_says_so(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await chat.send("!möte start")

    assert (await chat.send("!möte slut")).endswith("Deltagare: Anna Andersson\nInga punkter, beslut eller åtgärder.")


async def test_user_text_in_the_notice_keeps_its_lines_and_stays_escaped(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)

    ended = await hold(chat, f"!beslut {MULTI_LINE}", f"!beslut {HOSTILE}")

    assert "Beslut:\n• Belysning:\n    vid stationen\n  \n  - gångtunneln\n  1. parken\n• Kolla <b>fet</b>" in ended["body"]
    formatted = ended["formatted_body"]
    assert "• Belysning:<br/>&nbsp;&nbsp;&nbsp;&nbsp;vid stationen<br/>&nbsp;&nbsp;<br/>&nbsp;&nbsp;- gångtunneln" in formatted
    assert "• Kolla &lt;b&gt;fet&lt;/b&gt; # rubrik *kursiv* [x](http://evil.example) &amp; &amp;amp;" in formatted
    assert "<b>" not in formatted and "<a " not in formatted


async def test_a_long_notice_is_cut_and_names_the_rest_of_the_minutes_of_that_meeting(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    decisions = [f"Beslut {n:02}: " + "ord " * 40 for n in range(1, 41)]

    ended = await hold(chat, *(f"!beslut {text}" for text in decisions))

    body = ended["body"]
    shown = len(re.findall(r"^• Beslut \d+:", body, re.MULTILINE))
    left = 40 - shown + 2  # the two items still open did not fit either
    assert len(body) <= MAX_BODY and 0 < shown < 40
    hint = re.search(r"\n… och (\d+) rader till: `(!protokoll 2026-11-30 1 från \d+)`$", body)
    assert hint and int(hint.group(1)) == left
    # That command shows the minutes of that meeting from where the notice stopped, not the notice again.
    rest = await chat.send(hint.group(2))
    assert rest.startswith(f"Beslut\n• Beslut {shown + 1:02}: ord ")


async def test_a_notice_cut_at_a_heading_goes_on_from_that_heading(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    header = (
        "Protokoll från Örat mot marken, måndag 30 november 2026 kl. 11.00 (vecka 49). Hela protokollet följer som fil.\n"
        "Deltagare: Anna Andersson, @kim:eslov.se (lyssnade), Olle Olsson (lyssnade)"
    )
    first = "ord " * 499 + "ord"
    # The second decision fills the notice to ten characters short of the most it holds (the hint's room kept):
    # too little for the heading and first item still open.
    second = "x" * (MAX_BODY - 10 - len(header) - HINT_ROOM - len(f"\nBeslut:\n• {first}") - 1 - len("• ") - 1)

    body = (await hold(chat, f"!beslut {first}", f"!beslut {second}"))["body"]

    assert body.startswith(header) and body.count("\n• ") == 2 and "Kvarstår:" not in body
    command = re.search(r"\n… och 2 rader till: `(!protokoll 2026-11-30 1 från \d+)`$", body).group(1)
    assert (await chat.send(command)).startswith("Kvarstående punkter\n• Klotter vid busstationen\n")


# The file and !protokoll


async def test_the_file_lists_participants_with_their_ids_once_and_names_elsewhere(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await hold(chat, f"!åtgärd Sätt upp skyltar {OLLE} {LISA}")

    minutes = await minutes_of(db)

    participants = minutes.split("## Deltagare\n\n", 1)[1].split("\n\n", 1)[0]
    assert participants.splitlines() == [
        "- Anna Andersson (@anna:eslov.se)",
        "- @kim:eslov.se (lyssnade)",  # no display name: the id, once
        "- Olle Olsson (@olle:eslov.se, lyssnade)",
    ]
    assert minutes.count(OLLE) == 1
    assert "- #1 Sätt upp skyltar — Olle Olsson, @lisa:eslov.se" in minutes


async def test_participants_are_listed_by_organisation_those_without_one_last(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await chat.send("!org set Polisen")
    await chat.send("!org set Eslövs kommun", sender=KIM)
    await chat.send("!org set Räddningstjänsten", sender=LISA)  # not at the meeting: not listed

    ended = await hold(chat)

    minutes = await minutes_of(db)
    participants = minutes.split("## Deltagare\n\n", 1)[1].split("\n\n", 1)[0]
    assert participants.splitlines() == [
        "- Eslövs kommun: @kim:eslov.se (lyssnade)",
        "- Polisen: Anna Andersson (@anna:eslov.se)",
        "- Olle Olsson (@olle:eslov.se, lyssnade)",
    ]
    assert "\nDeltagare:\nEslövs kommun: @kim:eslov.se (lyssnade)\nPolisen: Anna Andersson\nOlle Olsson (lyssnade)\n" in ended["body"]


async def test_minutes_are_shown_rendered(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await hold(chat, f"!beslut {HOSTILE}", f"!beslut {MULTI_LINE}")

    shown = await chat.reply("!protokoll")

    body, formatted = shown["body"], shown["formatted_body"]
    assert body.startswith("Protokoll: Örat mot marken\nmåndag 30 november 2026 kl. 11.00 (vecka 49), avslutat kl. 11.00.\n\nDeltagare\n")
    assert f"\n\nBeslut\n• {HOSTILE}\n• Belysning:\n    vid stationen\n   \n  - gångtunneln\n  1. parken\n\nNya åtgärder\nInga.\n" in body
    assert "\\" not in body and not re.search(r"^(#|- |\* )", body, re.MULTILINE)
    assert "<h2>Beslut</h2>\n<ul>\n<li>Kolla &lt;b&gt;fet&lt;/b&gt;" in formatted
    assert "<li>Anna Andersson (@anna:eslov.se)</li>" in formatted
    assert "<b>" not in formatted and "<a " not in formatted and "\\" not in formatted


async def test_long_minutes_are_shown_page_by_page(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    decisions = [f"Beslut {n:02}: " + "ord " * 40 for n in range(1, 41)]
    await hold(chat, *(f"!beslut {text}" for text in decisions))

    pages = [await chat.send("!protokoll")]
    while found := re.search(r"`(!protokoll 2026-11-30 1 från \d+)`$", pages[-1]):
        pages.append(await chat.send(found.group(1)))

    assert len(pages) > 1 and all(len(p) <= MAX_BODY for p in pages)
    seen = [n for p in pages for n in re.findall(r"^• Beslut (\d+):", p, re.MULTILINE)]
    assert seen == [f"{n:02}" for n in range(1, 41)]  # every decision once, in order
    assert all(p.startswith("Beslut\n") for p in pages[1:-1])  # a page inside a section starts with its heading
    assert pages[-1].endswith("Kvarstående punkter\n• Klotter vid busstationen\n• Belysning i parken")
    assert await chat.send("!protokoll senaste från 3") == await chat.send("!protokoll från 3")


async def test_paging_refuses_what_it_cannot_show(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await hold(chat)
    lines = len(markdown_blocks(await minutes_of(db)))

    assert await chat.send("!protokoll från 999") == f"Protokollet har bara {lines} rader."
    assert await chat.send("!protokoll 30/11 från 0") == (
        "\"0\" är inget nummer jag kan läsa; skriv till exempel 3 eller #3.\n"
        "Användning: `!protokoll <datum> [<nummer>] [från <rad>]`"
    )
    assert (await chat.send(f"!protokoll 30/11 1 från {lines}")).endswith("• Belysning i parken")


# The situation picture in the minutes


async def test_the_minutes_carry_the_picture_of_the_round_the_meeting_closes(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    await chat.send("!org sätt Polisen", sender=KIM)
    await chat.send("!rapport Centrum Klotter på muren", sender=KIM)
    await chat.send("!rapport Centrum Klotter | på skolan", sender=KIM)
    await chat.send("!rapport Berga Nedskräpning vid återvinningen", sender=KIM)
    notice = await hold(chat)

    assert "\nLägesbild: 3 iakttagelser.\n" in notice["body"]
    minutes = await minutes_of(db)
    section = minutes[minutes.index("## Lägesbild") :]
    assert section == (
        "## Lägesbild\n\n"
        "Lägesbild tisdag 24 november 2026 – måndag 30 november 2026  \n"
        "3 iakttagelser.\n\n"
        "| Område | Klotter | Nedskräpning | Summa |\n"
        "| --- | ---: | ---: | ---: |\n"
        "| Centrum | 2 |  | 2 |\n"
        "| Berga |  | 1 | 1 |\n"
        "| Summa | 2 | 1 | 3 |\n"
    )
    shown = await chat.reply("!protokoll")
    assert "<h2>Lägesbild</h2>" in shown["formatted_body"]
    assert "<td>Centrum</td>\n<td style=\"text-align:right\">2</td>" in shown["formatted_body"]
    assert shown["body"].endswith(
        "\n\nLägesbild\nLägesbild tisdag 24 november 2026 – måndag 30 november 2026\n3 iakttagelser.\n\n"
        "Område   Klotter  Nedskräpning  Summa\n"
        "Centrum        2                    2\n"
        "Berga                        1      1\n"
        "Summa          2             1      3"
    )


async def test_a_round_without_observations_leaves_the_section_out(db: Database, clock: FakeClock) -> None:
    chat = Chat(db, clock)
    notice = await hold(chat)

    assert "Lägesbild" not in notice["body"]
    assert "Lägesbild" not in await minutes_of(db)
