"""Settings: environment over `config/bot.toml` over defaults, validated once and passed down."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot import policy

ENV_PREFIX = "BOT_"
DEFAULT_CONFIG = Path("config/bot.toml")
USER_ID_RE = re.compile(r"^@[^:\s]+:[A-Za-z0-9.\-\[\]:]+$")


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it and says what is wrong."""


def _checked(parse: Any, *args: Any) -> Any:
    """Run a converter; its user error becomes a validation error with the English message."""
    from bot.errors import UserError
    from bot.i18n import Catalogue

    try:
        return parse(*args)
    except UserError as error:
        raise ValueError(Catalogue("en")(error.key, **error.values)) from None


def _local_time(value: str) -> str:
    """A time of day setting (`08:00`), checked with the commands' own converter."""
    from bot.parsing import parse_time

    _checked(parse_time, value)
    return value.strip()


class SeriesSeed(BaseModel):
    """A meeting series seeded from `[[series]]` in the TOML file, checked with the commands' own converters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    room: str
    name: str = Field(min_length=1, max_length=200)
    schedule: str
    duration: str = "30m"
    location: str = Field(default="", max_length=200)
    reminders: tuple[str, ...] = ("1d", "1h")
    timezone: str | None = None

    @field_validator("room")
    @classmethod
    def _room(cls, value: str) -> str:
        if not re.match(r"^[!#][^\s]+$", value):
            raise ValueError("must be a room id (!…) or an alias (#name:server)")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from bot.schedule import parse_schedule

        _checked(parse_schedule, value.split(), date.today())
        return value

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        from bot.parsing import parse_duration

        _checked(parse_duration, value)
        return value

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from bot.parsing import parse_offsets

        if value:
            _checked(parse_offsets, list(value))
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Stockholm") from None
        return value


class ObservationDefaults(BaseModel):
    """`[observations]`: the areas and categories a room starts with, the first time it uses them; the room then
    changes its own by command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    areas: tuple[Annotated[str, Field(min_length=1, max_length=policy.MAX_PLACE)], ...] = (
        "Centrum", "Stationsområdet", "Berga", "Rönneberga", "Sallerup", "Marieholm", "Flyinge", "Löberöd",
    )  # fmt: skip
    categories: tuple[Annotated[str, Field(min_length=1, max_length=policy.MAX_PLACE)], ...] = (
        "Skadegörelse", "Klotter", "Nedskräpning", "Otrygg plats", "Samlingar", "Misstänkt narkotikahandel", "Brand",
        "Hot och våld", "Inbrott och stöld", "Trafik", "Belysning", "Övrigt",
    )  # fmt: skip

    @field_validator("areas", "categories")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from bot.matching import normalise

        value = tuple(" ".join(name.split()) for name in value)
        keys = [normalise(name) for name in value]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise ValueError(f"{value[index]!r} is listed twice")
        return value


class RetentionSettings(BaseModel):
    """`[retention]`: how long each kind of record is kept, e.g. `observations = "3 år"`; unset keeps it for good.
    When any is set, the bot purges daily at `purge_at`, exporting what goes into `export_dir` first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    observations: str | None = None
    agenda_items: str | None = None
    actions: str | None = None
    """Done and cancelled actions, counted from their last change; open ones are kept."""
    meetings: str | None = None
    """Ended meetings with their participants, decisions and minutes, counted from their end."""
    walks: str | None = None
    """Ended safety walks with their points and the references to their photos and locations, from their end."""
    export_dir: Path | None = None
    """Where a purge writes what it deletes; by default `purged` in the data dir."""
    purge_at: str = policy.PURGE_AT.strftime("%H:%M")

    @field_validator("observations", "agenda_items", "actions", "meetings", "walks")
    @classmethod
    def _period(cls, value: str | None) -> str | None:
        if value is not None:
            from bot.retention import parse_period

            parse_period(value)
        return value

    @field_validator("purge_at")
    @classmethod
    def _purge_at(cls, value: str) -> str:
        return _local_time(value)

    def periods(self) -> dict[str, Any]:
        """The kinds with a period, each with its Period."""
        from bot.retention import KINDS, parse_period

        return {kind: parse_period(text) for kind in KINDS if (text := getattr(self, kind)) is not None}


def _split_list(value: Any) -> Any:
    """Comma-separated text from the environment, or a list from TOML."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class _StrictTomlSource(TomlConfigSettingsSource):
    """TOML source that refuses keys it does not know, so a typo is not silently ignored."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path):
        self.path = path
        if path.exists():
            try:
                with path.open("rb") as handle:
                    tomllib.load(handle)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise SettingsError(f"{path}: not valid TOML (UTF-8): {exc}") from None
            except OSError as exc:
                raise SettingsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        super().__init__(settings_cls, toml_file=path)
        unknown = sorted(set(self.toml_data) - set(settings_cls.model_fields) - {"config"})
        if unknown:
            raise SettingsError(f"{path}: unknown setting {unknown[0]!r}")


def config_path() -> Path:
    """Where the TOML file is: `BOT_CONFIG` from the environment or `.env`, else the default."""
    if value := os.environ.get(f"{ENV_PREFIX}CONFIG"):
        return Path(value)
    env_file = Path(".env")
    if env_file.exists():
        for line in env_file.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == f"{ENV_PREFIX}CONFIG" and value.strip():
                return Path(value.strip().strip("'\""))
    return DEFAULT_CONFIG


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        extra="ignore",
        frozen=True,
    )

    homeserver: str
    user_id: str
    password: SecretStr | None = None
    access_token: SecretStr | None = None
    data_dir: Path = Path("./data")
    timezone: str = "Europe/Stockholm"
    language: Literal["sv", "en"] = "sv"
    command_prefix: Annotated[tuple[str, ...], NoDecode] = ("!",)
    allowed_users: Annotated[tuple[str, ...], NoDecode] = ()
    moderator_level: int = Field(default=50, ge=0, le=2**53)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    key_grace_seconds: float = Field(default=policy.KEY_GRACE.total_seconds(), gt=0, le=86_400)
    """How long an encrypted command waits for its room key before the sender is told it could not be read."""
    share_keys_with: Literal["cross-signed", "all"] = "cross-signed"
    nudge_at: str = policy.NUDGE_AT.strftime("%H:%M")
    """The local time owners are nudged on the working day before an action is due."""
    meeting_close_after: str = "3h"
    """How long after its planned end a meeting left open is closed."""
    series: tuple[SeriesSeed, ...] = ()
    observations: ObservationDefaults = ObservationDefaults()
    retention: RetentionSettings = RetentionSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, _StrictTomlSource(settings_cls, config_path()))

    @field_validator("homeserver")
    @classmethod
    def _homeserver(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError("must be a URL starting with http:// or https://, e.g. https://matrix.eslov.se")
        return value

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        value = value.strip()
        if not USER_ID_RE.match(value):
            raise ValueError("must be a Matrix user id such as @samverkan-bot:eslov.se")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Stockholm") from None
        return value

    @field_validator("nudge_at")
    @classmethod
    def _nudge_at(cls, value: str) -> str:
        return _local_time(value)

    @field_validator("meeting_close_after")
    @classmethod
    def _close_after(cls, value: str) -> str:
        from bot.parsing import parse_duration

        _checked(parse_duration, value)
        return value.strip()

    @field_validator("language", "log_level", "share_keys_with", mode="before")
    @classmethod
    def _case(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value.upper() if value.lower() in {"debug", "info", "warning", "error"} else value.lower()
        return value

    @field_validator("command_prefix", "allowed_users", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("command_prefix")
    @classmethod
    def _prefixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("needs at least one prefix, e.g. !")
        for prefix in value:
            if any(ch.isspace() or ch.isalnum() for ch in prefix):
                raise ValueError(f"prefix {prefix!r} must be punctuation without spaces, e.g. ! or /")
        return value

    @field_validator("password", "access_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _credentials(self) -> Settings:
        if self.password is None and self.access_token is None:
            raise ValueError("BOT_PASSWORD or BOT_ACCESS_TOKEN must be set")
        return self

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


def _setting_name(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "settings"
    head = str(loc[0])
    if head in Settings.model_fields and head not in ("series", "observations", "retention"):
        return f"{ENV_PREFIX}{head.upper()}"
    return ".".join(str(part) for part in loc) + f" (in {config_path()})"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings or raise SettingsError with one line naming the setting at fault."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required but not set"
        if not error["loc"]:
            raise SettingsError(message) from None
        raise SettingsError(f"{_setting_name(error['loc'])}: {message}") from None
