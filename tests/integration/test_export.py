"""`samverkan-bot export` as an operator runs it, after a meeting held in a real room: the archive holds what the
room saw."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.conftest import PASSWORD, unique
from tests.integration.helpers import ask, download, minutes_file, room_with_bot

pytestmark = pytest.mark.integration


async def export(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot export …` with the bot's own settings, in the environment as `run` gets them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        BOT_CONFIG="/nonexistent/bot.toml",
        BOT_HOMESERVER=settings.homeserver,
        BOT_USER_ID=settings.user_id,
        BOT_PASSWORD=PASSWORD,
        BOT_DATA_DIR=str(settings.data_dir),
    )
    command = [sys.executable, "-m", "bot", "export", *args]
    # In a thread: the users' sync loops keep running in this event loop meanwhile.
    return await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=60
    )


async def test_export_holds_what_the_room_saw(make_bot, make_user, make_room, homeserver, tmp_path):
    bot = make_bot()
    chair = await make_user("chair")
    per = await make_user("per")
    lisa = await make_user("lisa")
    alias_name = unique("orat")
    alias = f"#{alias_name}:{homeserver.server_name}"
    room_id = await room_with_bot(bot, chair, make_room, others=(per, lisa), room_alias_name=alias_name)
    await ask(chair, room_id, "!dagordning ny Klotter vid busstationen")
    await ask(per, room_id, "!dagordning ny Belysning i parken")
    await ask(chair, room_id, "!åtgärd Kolla kamerorna för Polisen")
    await ask(chair, room_id, "!möte start")
    await per.send(room_id, "Polisen har sett mer klotter i helgen.")
    await ask(lisa, room_id, "!närvarande")
    await ask(chair, room_id, "!agenda done 1 Polisen ökar närvaron kvällstid")
    await ask(chair, room_id, "!beslut Kommunen sätter upp ny belysning")
    await ask(chair, room_id, f"!åtgärd Sätt upp skyltar {per.user_id} senast 2027-03-01")
    await ask(chair, room_id, "!klar 1 Kamerorna fungerar")
    await ask(chair, room_id, "!möte slut")
    minutes = download(homeserver, chair.client.access_token, (await minutes_file(chair, room_id, bot.user_id))["url"])
    await bot.stop()

    result = await export(bot.settings, tmp_path, "--room", alias, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    archive = json.loads(result.stdout)
    assert (archive["format"], archive["version"], archive["room_id"]) == ("samverkan-bot-export", 1, room_id)
    assert datetime.fromisoformat(archive["exported_at"]).utcoffset() == timedelta(0)
    [meeting] = archive["meetings"]
    how = {p["user_id"]: p["how"] for p in meeting["participants"]}
    assert how == {chair.user_id: "wrote", per.user_id: "wrote", lisa.user_id: "here"}
    assert [(i["text"], i["note"]) for i in meeting["items_discussed"]] == [
        ("Klotter vid busstationen", "Polisen ökar närvaron kvällstid")
    ]
    assert [(d["text"], d["by"]) for d in meeting["decisions"]] == [("Kommunen sätter upp ny belysning", chair.user_id)]
    assert meeting["actions_agreed"] == [{"number": 2, "text": "Sätt upp skyltar", "status_at_end": "open"}]
    assert meeting["actions_followed_up"] == [{"number": 1, "text": "Kolla kamerorna", "status_at_end": "done"}]
    assert [i["text"] for i in meeting["items_carried_over"]] == ["Belysning i parken"]
    assert meeting["minutes"].strip() == minutes.strip()
    first, second = archive["actions"]
    assert (first["organisation"], first["status"], [c["kind"] for c in first["history"]]) == (
        "Polisen",
        "done",
        ["created", "done"],
    )
    assert first["history"][1]["detail"] == {"comment": "Kamerorna fungerar"}
    assert (second["owners"], second["due"], second["meeting_id"]) == ([per.user_id], "2027-03-01", meeting["id"])

    by_id = await export(bot.settings, tmp_path, "--room", room_id, "--format", "csv")
    assert by_id.returncode == 0, by_id.stderr
    rows = list(csv.DictReader(io.StringIO(by_id.stdout.removeprefix("\ufeff"))))
    assert [(r["number"], r["owners"], r["organisation"], r["due"], r["status"]) for r in rows] == [
        ("1", "", "Polisen", "", "done"),
        ("2", per.user_id, "", "2027-03-01", "open"),
    ]

    out = tmp_path / "arkiv.md"
    as_md = await export(bot.settings, tmp_path, "--room", alias, "--format", "md", "--output", str(out))
    assert as_md.returncode == 0, as_md.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith(minutes.strip()) and "\n---\n\n# Åtgärder\n" in text
    assert "| #2 | Sätt upp skyltar |" in text


async def test_an_alias_nobody_has_is_a_clear_error(make_bot, make_user, make_room, homeserver, tmp_path):
    bot = make_bot()
    user = await make_user()
    await room_with_bot(bot, user, make_room)
    await bot.stop()

    result = await export(bot.settings, tmp_path, "--room", f"#nosuch:{homeserver.server_name}", "--format", "json")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"samverkan-bot: the room alias #nosuch:{homeserver.server_name} is not known at {homeserver.url}; "
        "check it or give the room id (!…)\n"
    )
