"""Settings: environment over `config/bot.toml` over defaults, validated once and passed down.

Each setting is a field of a frozen dataclass whose metadata holds its converter: a function from what the
environment or the TOML file gives (text, a number, a list, a table) to the value, raising ValueError with a
message for the user. `load_settings` gathers the sources and reports the first bad setting in one line.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import policy

ENV_PREFIX = "BOT_"
DEFAULT_CONFIG = Path("config/bot.toml")
USER_ID_RE = re.compile(r"^@[^:\s]+:[A-Za-z0-9.\-\[\]:]+$")
_REQUIRED = "is required but not set"

T = TypeVar("T")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it and says what is wrong."""


class _Invalid(Exception):
    """A value at `loc` (setting name, then index or key) is wrong: `message` says how."""

    def __init__(self, loc: tuple[str | int, ...], message: str):
        super().__init__(message)
        self.loc, self.message = loc, message


@dataclass(frozen=True)
class Secret:
    """A password or token: shown as stars in every repr, str and log line."""

    value: str = field(repr=False)

    def get_secret_value(self) -> str:
        return self.value

    def __str__(self) -> str:
        return "**********"

    def __repr__(self) -> str:
        return "Secret('**********')"


# Converters: from what a source gives to the setting's value, or ValueError saying what is wrong.


def _setting(convert: Callable[[Any], Any], default: Any = dataclasses.MISSING) -> Any:
    return field(default=default, metadata={"convert": convert})


def _text(value: Any, *, at_least: int = 0, at_most: int | None = None) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if len(value) < at_least:
        raise ValueError("must not be empty")
    if at_most is not None and len(value) > at_most:
        raise ValueError(f"must be at most {at_most} characters")
    return value


def _optional(convert: Callable[[Any], T]) -> Callable[[Any], T | None]:
    return lambda value: None if value is None else convert(value)


def _choice(*options: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = _text(value).strip()
        text = text.upper() if text.lower() in {"debug", "info", "warning", "error"} else text.lower()
        if text not in options:
            raise ValueError(f"must be {', '.join(map(repr, options[:-1]))} or {options[-1]!r}")
        return text

    return convert


def _number(
    kind: type, *, above: float | None = None, at_least: float | None = None, at_most: float
) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = kind(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number" if kind is int else "must be a number") from None
        if kind is int and isinstance(value, float) and value != number:
            raise ValueError("must be a whole number")
        if above is not None and not number > above:
            raise ValueError(f"must be more than {above:g}")
        if at_least is not None and number < at_least:
            raise ValueError(f"must be at least {at_least:g}")
        if number > at_most:
            raise ValueError(f"must be at most {at_most:g}")
        return number

    return convert


def _texts(value: Any) -> tuple[str, ...]:
    """Comma-separated text from the environment, or a list from TOML."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if not isinstance(value, list | tuple) or not all(isinstance(part, str) for part in value):
        raise ValueError("must be a list of text")
    return tuple(value)


def _path(value: Any) -> Path:
    if not isinstance(value, str | Path) or not str(value).strip():
        raise ValueError("must be a path")
    return Path(value)


def _secret(value: Any) -> Secret | None:
    if isinstance(value, Secret):
        return value
    text = _text(value)
    return Secret(text) if text.strip() else None


def _zone(value: Any) -> str:
    try:
        ZoneInfo(_text(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Stockholm") from None
    return value


def _checked(parse: Any, *args: Any) -> Any:
    """Run a converter of the commands; its user error becomes a ValueError with the English message."""
    from bot.errors import UserError
    from bot.i18n import Catalogue

    try:
        return parse(*args)
    except UserError as error:
        raise ValueError(Catalogue("en")(error.key, **error.values)) from None


def _local_time(value: Any) -> str:
    """A time of day (`08:00`), checked with the commands' own converter."""
    from bot.parsing import parse_time

    _checked(parse_time, _text(value))
    return value.strip()


def _duration(value: Any) -> str:
    from bot.parsing import parse_duration

    _checked(parse_duration, _text(value))
    return value.strip()


def _build(cls: type[T], values: Mapping[str, Any], loc: tuple[str | int, ...] = ()) -> T:
    """An instance of the settings dataclass `cls` from `values`, each converted by its field's converter;
    _Invalid names the first that is unknown, missing or wrong."""
    if not isinstance(values, Mapping):
        raise _Invalid(loc, "must be a table")
    fields = {one.name: one for one in dataclasses.fields(cls)}
    for key in values:
        if key not in fields:
            raise _Invalid((*loc, key), "unknown setting")
    converted = {}
    for name, one in fields.items():
        if name in values:
            try:
                converted[name] = one.metadata["convert"](values[name])
            except ValueError as error:
                raise _Invalid((*loc, name), str(error)) from None
            except _Invalid as error:
                raise _Invalid((*loc, name, *error.loc), error.message) from None
        elif one.default is dataclasses.MISSING:
            raise _Invalid((*loc, name), _REQUIRED)
    return cls(**converted)


def _section(cls: type[T]) -> Callable[[Any], T]:
    return lambda value: value if isinstance(value, cls) else _build(cls, value)


def _sections(cls: type[T]) -> Callable[[Any], tuple[T, ...]]:
    def convert(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError("must be a list of tables ([[…]] in TOML)")
        return tuple(one if isinstance(one, cls) else _build(cls, one, (index,)) for index, one in enumerate(value))

    return convert


# The settings


def _room(value: Any) -> str:
    if not re.match(r"^[!#][^\s]+$", _text(value)):
        raise ValueError("must be a room id (!…) or an alias (#name:server)")
    return value


def _schedule(value: Any) -> str:
    from bot.schedule import parse_schedule

    _checked(parse_schedule, _text(value).split(), date.today())
    return value


def _reminders(value: Any) -> tuple[str, ...]:
    from bot.parsing import parse_offsets

    offsets = _texts(value)
    if offsets:
        _checked(parse_offsets, list(offsets))
    return offsets


@dataclass(frozen=True)
class SeriesSeed:
    """A meeting series seeded from `[[series]]` in the TOML file, checked with the commands' own converters."""

    room: str = _setting(_room)
    name: str = _setting(lambda value: _text(value, at_least=1, at_most=200))
    schedule: str = _setting(_schedule)
    duration: str = _setting(_duration, "30m")
    location: str = _setting(lambda value: _text(value, at_most=200), "")
    reminders: tuple[str, ...] = _setting(_reminders, ("1d", "1h"))
    timezone: str | None = _setting(_optional(_zone), None)


def _names(value: Any) -> tuple[str, ...]:
    """Area or category names: each set once, however it is spelt."""
    from bot.matching import normalise

    if not isinstance(value, list | tuple):
        raise ValueError("must be a list of names")
    names = tuple(" ".join(_text(name, at_least=1, at_most=policy.MAX_PLACE).split()) for name in value)
    keys = [normalise(name) for name in names]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise ValueError(f"{names[index]!r} is listed twice")
    return names


@dataclass(frozen=True)
class ObservationDefaults:
    """`[observations]`: the areas and categories a room starts with, the first time it uses them; the room then
    changes its own by command."""

    areas: tuple[str, ...] = _setting(_names, (
        "Centrum", "Stationsområdet", "Berga", "Rönneberga", "Sallerup", "Marieholm", "Flyinge", "Löberöd",
    ))  # fmt: skip
    categories: tuple[str, ...] = _setting(_names, (
        "Skadegörelse", "Klotter", "Nedskräpning", "Otrygg plats", "Samlingar", "Misstänkt narkotikahandel", "Brand",
        "Hot och våld", "Inbrott och stöld", "Trafik", "Belysning", "Övrigt",
    ))  # fmt: skip


def _period(value: Any) -> str | None:
    if value is None:
        return None
    from bot.retention import parse_period

    parse_period(_text(value))
    return value


@dataclass(frozen=True)
class RetentionSettings:
    """`[retention]`: how long each kind of record is kept, e.g. `observations = "3 år"`; unset keeps it for good.
    When any is set, the bot purges daily at `purge_at`, exporting what goes into `export_dir` first."""

    observations: str | None = _setting(_period, None)
    agenda_items: str | None = _setting(_period, None)
    actions: str | None = _setting(_period, None)
    """Done and cancelled actions, counted from their last change; open ones are kept."""
    meetings: str | None = _setting(_period, None)
    """Ended meetings with their participants, decisions and minutes, counted from their end."""
    walks: str | None = _setting(_period, None)
    """Ended safety walks with their points and the references to their photos and locations, from their end."""
    export_dir: Path | None = _setting(_optional(_path), None)
    """Where a purge writes what it deletes; by default `purged` in the data dir."""
    purge_at: str = _setting(_local_time, policy.PURGE_AT.strftime("%H:%M"))

    def periods(self) -> dict[str, Any]:
        """The kinds with a period, each with its Period."""
        from bot.retention import KINDS, parse_period

        return {kind: parse_period(text) for kind in KINDS if (text := getattr(self, kind)) is not None}


def _homeserver(value: Any) -> str:
    value = _text(value).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
        raise ValueError("must be a URL starting with http:// or https://, e.g. https://matrix.eslov.se")
    return value


def _user_id(value: Any) -> str:
    value = _text(value).strip()
    if not USER_ID_RE.match(value):
        raise ValueError("must be a Matrix user id such as @samverkan-bot:eslov.se")
    return value


def _prefixes(value: Any) -> tuple[str, ...]:
    prefixes = _texts(value)
    if not prefixes:
        raise ValueError("needs at least one prefix, e.g. !")
    for prefix in prefixes:
        if any(ch.isspace() or ch.isalnum() for ch in prefix):
            raise ValueError(f"prefix {prefix!r} must be punctuation without spaces, e.g. ! or /")
    return prefixes


@dataclass(frozen=True)
class Settings:
    homeserver: str = _setting(_homeserver)
    user_id: str = _setting(_user_id)
    password: Secret | None = _setting(_optional(_secret), None)
    access_token: Secret | None = _setting(_optional(_secret), None)
    data_dir: Path = _setting(_path, Path("./data"))
    timezone: str = _setting(_zone, "Europe/Stockholm")
    language: str = _setting(_choice("sv", "en"), "sv")
    command_prefix: tuple[str, ...] = _setting(_prefixes, ("!",))
    allowed_users: tuple[str, ...] = _setting(_texts, ())
    moderator_level: int = _setting(_number(int, at_least=0, at_most=2**53), 50)
    log_level: str = _setting(_choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
    key_grace_seconds: float = _setting(_number(float, above=0, at_most=86_400), policy.KEY_GRACE.total_seconds())
    """How long an encrypted command waits for its room key before the sender is told it could not be read."""
    share_keys_with: str = _setting(_choice("cross-signed", "all"), "cross-signed")
    nudge_at: str = _setting(_local_time, policy.NUDGE_AT.strftime("%H:%M"))
    """The local time owners are nudged on the working day before an action is due."""
    meeting_close_after: str = _setting(_duration, "3h")
    """How long after its planned end a meeting left open is closed."""
    series: tuple[SeriesSeed, ...] = _setting(_sections(SeriesSeed), ())
    observations: ObservationDefaults = _setting(_section(ObservationDefaults), ObservationDefaults())
    retention: RetentionSettings = _setting(_section(RetentionSettings), RetentionSettings())

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]

    @property
    def key_grace(self) -> timedelta:
        return timedelta(seconds=self.key_grace_seconds)

    @property
    def nudge_time(self) -> time:
        from bot.parsing import parse_time

        return parse_time(self.nudge_at)

    @property
    def close_after(self) -> timedelta:
        from bot.parsing import parse_duration

        return parse_duration(self.meeting_close_after)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def invite_patterns(self) -> tuple[str, ...]:
        """Who may invite the bot; by default anyone on the bot's own server."""
        return self.allowed_users or (f"@*:{self.server_name}",)


_TABLES = {"series", "observations", "retention"}
"""Settings only the TOML file (or the caller) gives: the environment has no tables."""


# Where the values come from


def _dotenv(path: Path | None) -> dict[str, str]:
    """`KEY=value` lines of a .env file, as shells and Docker Compose read them: `export ` before the key allowed,
    blank lines and # comments skipped, a value in quotes taken as written, an unquoted one up to ` #`."""
    if path is None or not path.is_file():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("export ").strip()
        key, equals, value = line.partition("=")
        if equals and key.strip() and not line.startswith("#"):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            else:
                value = value.split(" #", 1)[0].rstrip()
            values[key.strip()] = value
    return values


def _config_path(dotenv: Mapping[str, str]) -> Path:
    """Where the TOML file is: `BOT_CONFIG` from the environment or `.env`, else the default."""
    value = os.environ.get(f"{ENV_PREFIX}CONFIG") or dotenv.get(f"{ENV_PREFIX}CONFIG")
    return Path(value) if value else DEFAULT_CONFIG


def _toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            values = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML (UTF-8): {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    values.pop("config", None)
    known = {one.name for one in dataclasses.fields(Settings)}
    if unknown := sorted(set(values) - known):
        raise SettingsError(f"{path}: unknown setting {unknown[0]!r}")
    return values


def _environment(dotenv: Mapping[str, str]) -> dict[str, str]:
    """The plain settings from `.env`, then the environment over it (names are not case-sensitive)."""
    plain = [one.name for one in dataclasses.fields(Settings) if one.name not in _TABLES]
    names = {f"{ENV_PREFIX}{name}".upper(): name for name in plain}
    values = {}
    for source in (dotenv, os.environ):
        for key, value in source.items():
            if (name := names.get(key.upper())) is not None:
                values[name] = value
    return values


def _setting_name(loc: tuple[str | int, ...], path: Path) -> str:
    if len(loc) == 1 and loc[0] not in _TABLES:
        return f"{ENV_PREFIX}{str(loc[0]).upper()}"
    return ".".join(map(str, loc)) + f" (in {path})"


def load_settings(*, env_file: Path | None = Path(".env"), **overrides: Any) -> Settings:
    """The settings from `overrides`, the environment, the `.env` file, the TOML file and the defaults, in that
    order; or SettingsError with one line naming the setting at fault. `env_file=None` reads no `.env`."""
    dotenv = _dotenv(env_file)
    path = _config_path(dotenv)
    values = _toml(path) | _environment(dotenv) | overrides
    try:
        settings = _build(Settings, values)
    except _Invalid as error:
        raise SettingsError(f"{_setting_name(error.loc, path)}: {error.message}") from None
    if settings.password is None and settings.access_token is None:
        raise SettingsError("BOT_PASSWORD or BOT_ACCESS_TOKEN must be set")
    return settings
