"""Message content: plain body, escaped HTML, mentions and relations, and the length limit."""

from __future__ import annotations

import pytest

from bot.i18n import Segment, Text
from bot.policy import MAX_BODY
from bot.render import Mentions, ReplyTarget, notice


def test_is_a_notice_with_html() -> None:
    content = notice(Text.of("Hej"))

    assert content["msgtype"] == "m.notice"
    assert content["body"] == "Hej"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == "Hej"


def test_script_is_escaped() -> None:
    content = notice(Text.of('<script>alert("x")</script>'))

    assert content["formatted_body"] == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert content["body"] == '<script>alert("x")</script>'


def test_markup_and_entities_in_user_text_stay_text() -> None:
    content = notice(Text.of("<b>fet</b> & <a href='https://evil'>länk</a> &amp;"))

    formatted = content["formatted_body"]
    assert "<b>" not in formatted and "<a " not in formatted
    assert formatted == "&lt;b&gt;fet&lt;/b&gt; &amp; &lt;a href=&#x27;https://evil&#x27;&gt;länk&lt;/a&gt; &amp;amp;"


def test_newlines_become_line_breaks() -> None:
    content = notice(Text.of("rad ett\nrad två\n\nrad fyra"))

    assert content["formatted_body"] == "rad ett<br/>rad två<br/><br/>rad fyra"
    assert content["body"] == "rad ett\nrad två\n\nrad fyra"


def test_leading_spaces_of_a_line_survive_in_html() -> None:
    content = notice(Text.of("Beslut:\n  indraget") + Text.of(" och  mer\n   sist"))

    assert content["formatted_body"] == "Beslut:<br/>&nbsp;&nbsp;indraget och  mer<br/>&nbsp;&nbsp;&nbsp;sist"
    assert content["body"] == "Beslut:\n  indraget och  mer\n   sist"
    # Whether a run starts a line depends on the run before it.
    assert notice(Text.of("a\n") + Text.of("  b") + Text.of(" c"))["formatted_body"] == "a<br/>&nbsp;&nbsp;b c"
    assert notice(Text.of("  a"))["formatted_body"] == "&nbsp;&nbsp;a"


def test_code_segments() -> None:
    text = Text((Segment("Skriv "), Segment("!hjälp", code=True), Segment(".")))

    content = notice(text)

    assert content["body"] == "Skriv `!hjälp`."
    assert content["formatted_body"] == "Skriv <code>!hjälp</code>."


def test_markup_inside_code_is_escaped() -> None:
    content = notice(Text.of("<b>x</b>", code=True))

    assert content["formatted_body"] == "<code>&lt;b&gt;x&lt;/b&gt;</code>"


def test_mentions_present_and_empty_by_default() -> None:
    assert notice(Text.of("Hej"))["m.mentions"] == {}


def test_mentions_name_who_is_pinged() -> None:
    content = notice(Text.of("Hej"), mentions=Mentions(("@anna:eslov.se", "@polisen:eslov.se")))

    assert content["m.mentions"] == {"user_ids": ["@anna:eslov.se", "@polisen:eslov.se"]}


def test_no_relation_without_a_target() -> None:
    assert "m.relates_to" not in notice(Text.of("Påminnelse"))


def test_reply_relation() -> None:
    content = notice(Text.of("Svar"), ReplyTarget("$command"))

    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": "$command"}}


def test_reply_inside_a_thread_stays_in_the_thread() -> None:
    content = notice(Text.of("Svar"), ReplyTarget("$command", thread_root="$root"))

    assert content["m.relates_to"] == {
        "rel_type": "m.thread",
        "event_id": "$root",
        "is_falling_back": False,
        "m.in_reply_to": {"event_id": "$command"},
    }


# Length


def test_body_at_the_limit_is_kept_whole() -> None:
    text = "a" * MAX_BODY

    assert notice(Text.of(text))["body"] == text


def test_long_body_is_cut_and_marked() -> None:
    content = notice(Text.of("b" * (MAX_BODY * 3)))

    assert len(content["body"]) == MAX_BODY
    assert content["body"] == "b" * (MAX_BODY - 1) + "…"
    assert content["formatted_body"] == "b" * (MAX_BODY - 1) + "…"


def test_cut_keeps_the_beginning_and_escapes_what_is_kept() -> None:
    content = notice(Text.of("<i>" + "x" * MAX_BODY))

    assert content["body"].startswith("<i>xxx")
    assert content["formatted_body"].startswith("&lt;i&gt;xxx")


@pytest.mark.parametrize("lead", range(MAX_BODY - 10, MAX_BODY + 2))
def test_body_never_exceeds_the_limit_with_plain_text(lead: int) -> None:
    text = Text((Segment("a" * lead), Segment("\n" + "z" * 20)))

    assert len(notice(text)["body"]) <= MAX_BODY


@pytest.mark.parametrize("lead", [MAX_BODY - 30, MAX_BODY - 20, MAX_BODY - 4, MAX_BODY - 3])
def test_body_never_exceeds_the_limit_with_code(lead: int) -> None:
    text = Text((Segment("a" * lead), Segment("kod" * 10, code=True), Segment(" mer")))

    body = notice(text)["body"]

    assert len(body) <= MAX_BODY
    assert body.endswith("…")


@pytest.mark.parametrize("lead", [MAX_BODY - 2, MAX_BODY - 1])
def test_body_never_exceeds_the_limit_when_code_starts_at_the_limit(lead: int) -> None:
    text = Text((Segment("a" * lead), Segment("kod", code=True)))

    content = notice(text)

    assert len(content["body"]) <= MAX_BODY
    assert "<code></code>" not in content["formatted_body"]
