"""Message catalogue: every user-visible text, in Swedish and English, looked up by key."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from bot.i18n import en, sv

CATALOGUES: dict[str, dict[str, str]] = {"sv": sv.MESSAGES, "en": en.MESSAGES}
LANGUAGES = tuple(CATALOGUES)


@dataclass(frozen=True)
class Segment:
    """A run of text; `code` runs are shown as code in HTML, `mention` runs as a pill for that user, and `html` runs
    (rendered Markdown, built by render.py from escaped parts) as that HTML, with `text` as their plain body."""

    text: str
    code: bool = False
    mention: str | None = None
    html: str | None = None


@dataclass(frozen=True)
class Text:
    """Text made of segments, so render.py can escape each part on its way into HTML."""

    segments: tuple[Segment, ...]

    @property
    def plain(self) -> str:
        return "".join(f"`{s.text}`" if s.code else s.text for s in self.segments)

    def __add__(self, other: Text) -> Text:
        return Text(self.segments + other.segments)

    @classmethod
    def of(cls, text: str, code: bool = False) -> Text:
        return cls((Segment(text, code),))

    @classmethod
    def mention(cls, user_id: str, name: str) -> Text:
        return cls((Segment(name, mention=user_id),))

    @property
    def mentioned(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.mention for s in self.segments if s.mention))

    @classmethod
    def join(cls, parts: list[Text], separator: str = "\n") -> Text:
        segments: list[Segment] = []
        for index, part in enumerate(parts):
            if index:
                segments.append(Segment(separator))
            segments.extend(part.segments)
        return cls(tuple(segments))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


FORMS = ("zero", "one", "many")
"""The forms of a counted message `key`: `key.one` for 1, `key.many` for any other count, and optionally
`key.zero` for none, said in words ("inga punkter än")."""


def counted(messages: dict[str, str]) -> set[str]:
    """The keys of the counted messages in a catalogue: those with any of the forms."""
    return {key.rsplit(".", 1)[0] for key in messages if key.rsplit(".", 1)[-1] in FORMS}


class Catalogue:
    """Looks up messages in one language. Backticks in a template mark code runs."""

    def __init__(self, language: str):
        self.language = language
        self.messages = CATALOGUES[language]

    def raw(self, key: str) -> str:
        return self.messages[key]

    def has(self, key: str) -> bool:
        return key in self.messages

    def text(self, key: str, **values: Any) -> Text:
        """The message as segments; values are substituted after the template is split, so they stay literal."""
        parts = self.messages[key].split("`")
        return Text(
            tuple(Segment(part.format(**values), code=bool(index % 2)) for index, part in enumerate(parts) if part)
        )

    def __call__(self, key: str, **values: Any) -> str:
        return self.text(key, **values).plain

    def form(self, key: str, n: int) -> str:
        """The key of the form of counted message `key` that fits `n`."""
        if n == 0 and f"{key}.zero" in self.messages:
            return f"{key}.zero"
        return f"{key}.one" if n == 1 else f"{key}.many"

    def text_count(self, key: str, n: int, **values: Any) -> Text:
        """A counted message in the form that fits `n`, which fills its `{n}`: "1 ny åtgärd", "2 nya åtgärder"."""
        return self.text(self.form(key, n), n=n, **values)

    def count(self, key: str, n: int, **values: Any) -> str:
        return self.text_count(key, n, **values).plain

    def join(self, parts: list[str]) -> str:
        """`a`, `a och b`, `a, b och c`: a list in words."""
        if len(parts) < 2:
            return "".join(parts)
        return self("list.and", first=", ".join(parts[:-1]), last=parts[-1])

    def either(self, parts: list[str]) -> str:
        """`a`, `a eller b`, `a, b eller c`: alternatives in words."""
        if len(parts) < 2:
            return "".join(parts)
        return self("list.or", first=", ".join(parts[:-1]), last=parts[-1])
