"""Settings: environment over config/bot.toml over defaults, and one line naming the setting at fault."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

PASSWORD = "hemligt-lösen-4711"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (no .env from the repo) with BOT_CONFIG pointing at its bot.toml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_CONFIG", str(tmp_path / "bot.toml"))
    return tmp_path


@pytest.fixture
def required_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_HOMESERVER", "https://matrix.eslov.se")
    monkeypatch.setenv("BOT_USER_ID", "@samverkan-bot:eslov.se")
    monkeypatch.setenv("BOT_PASSWORD", PASSWORD)


def write_toml(workdir: Path, text: str) -> None:
    (workdir / "bot.toml").write_text(text, encoding="utf-8")


def error_of(**overrides: object) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(**overrides)
    return str(caught.value)


# Where values come from


def test_defaults_apply_when_nothing_else_is_set(workdir: Path, required_env: None) -> None:
    settings = load_settings()

    assert settings.homeserver == "https://matrix.eslov.se"
    assert settings.data_dir == Path("data")
    assert settings.timezone == "Europe/Stockholm"
    assert settings.language == "sv"
    assert settings.command_prefix == ("!",)
    assert settings.moderator_level == 50
    assert settings.log_level == "INFO"
    assert settings.share_keys_with == "cross-signed"


def test_toml_wins_over_defaults(workdir: Path, required_env: None) -> None:
    write_toml(workdir, 'language = "en"\nmoderator_level = 75\ncommand_prefix = ["!", "/"]\n')

    settings = load_settings()

    assert settings.language == "en"
    assert settings.moderator_level == 75
    assert settings.command_prefix == ("!", "/")


def test_environment_wins_over_toml(workdir: Path, required_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(workdir, 'homeserver = "https://toml.example.se"\nlanguage = "en"\ntimezone = "UTC"\n')
    monkeypatch.setenv("BOT_LANGUAGE", "sv")

    settings = load_settings()

    assert settings.homeserver == "https://matrix.eslov.se"
    assert settings.language == "sv"
    assert settings.timezone == "UTC"  # not in the environment: the TOML value stands


def test_toml_alone_can_configure_the_bot(workdir: Path) -> None:
    write_toml(
        workdir,
        'homeserver = "https://matrix.eslov.se/"\nuser_id = "@samverkan-bot:eslov.se"\naccess_token = "syt_abc"\n',
    )

    settings = load_settings()

    assert settings.homeserver == "https://matrix.eslov.se"  # trailing slash dropped
    assert settings.access_token is not None and settings.access_token.get_secret_value() == "syt_abc"


def test_dotenv_file_is_read(workdir: Path) -> None:
    (workdir / ".env").write_text(
        "BOT_HOMESERVER=https://matrix.eslov.se\nBOT_USER_ID=@samverkan-bot:eslov.se\n"
        f"BOT_PASSWORD={PASSWORD}\nBOT_COMMAND_PREFIX=!,/\nBOT_LANGUAGE=en\n",
        encoding="utf-8",
    )

    settings = load_settings()

    assert settings.user_id == "@samverkan-bot:eslov.se"
    assert settings.password is not None and settings.password.get_secret_value() == PASSWORD
    assert settings.command_prefix == ("!", "/")
    assert settings.language == "en"


def test_environment_wins_over_dotenv(workdir: Path, required_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / ".env").write_text("BOT_LANGUAGE=en\nBOT_MODERATOR_LEVEL=90\n", encoding="utf-8")
    monkeypatch.setenv("BOT_LANGUAGE", "sv")

    settings = load_settings()

    assert settings.language == "sv"
    assert settings.moderator_level == 90


def test_dotenv_as_shells_write_it(workdir: Path, required_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_PASSWORD")
    (workdir / ".env").write_text(
        "# the bot's settings\n\nexport BOT_LANGUAGE=en  # English for now\nBOT_PASSWORD='lösen # med brädgård'\n"
        'bot_timezone="Europe/London"\nOTHER_TOOL=whatever\nnot a setting\n',
        encoding="utf-8",
    )

    settings = load_settings()

    assert (settings.language, settings.timezone) == ("en", "Europe/London")
    assert settings.password is not None and settings.password.get_secret_value() == "lösen # med brädgård"


def test_no_dotenv_is_read_when_told_so(workdir: Path, required_env: None) -> None:
    (workdir / ".env").write_text("BOT_LANGUAGE=en\n", encoding="utf-8")

    assert load_settings(env_file=None).language == "sv"


def test_bot_config_in_dotenv_points_at_the_toml_file(
    workdir: Path, required_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOT_CONFIG")
    (workdir / "elsewhere.toml").write_text('language = "en"\n', encoding="utf-8")
    (workdir / ".env").write_text(f"BOT_CONFIG={workdir / 'elsewhere.toml'}\n", encoding="utf-8")

    assert load_settings().language == "en"


# Lists


def test_comma_separated_prefixes(workdir: Path, required_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_COMMAND_PREFIX", "!, /")

    assert load_settings().command_prefix == ("!", "/")


def test_comma_separated_allowed_users(workdir: Path, required_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_ALLOWED_USERS", "@*:eslov.se, @*:polisen.se")

    settings = load_settings()

    assert settings.invite_patterns == ("@*:eslov.se", "@*:polisen.se")


def test_allowed_users_default_to_the_bots_own_server(workdir: Path, required_env: None) -> None:
    assert load_settings().invite_patterns == ("@*:eslov.se",)


def test_default_allowed_users_keep_the_servers_port(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_USER_ID", "@bot:localhost:8448")

    assert load_settings().invite_patterns == ("@*:localhost:8448",)


def test_language_and_log_level_are_case_insensitive(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_LANGUAGE", "EN")
    monkeypatch.setenv("BOT_LOG_LEVEL", "debug")

    settings = load_settings()

    assert (settings.language, settings.log_level) == ("en", "DEBUG")


def test_an_access_token_alone_is_enough(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.delenv("BOT_PASSWORD")
    monkeypatch.setenv("BOT_ACCESS_TOKEN", "syt_token")

    settings = load_settings()

    assert settings.password is None
    assert settings.access_token is not None


# Errors: one line that names the setting


def test_missing_homeserver_is_named(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.delenv("BOT_HOMESERVER")

    assert error_of() == "BOT_HOMESERVER: is required but not set"


def test_missing_user_id_is_named(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.delenv("BOT_USER_ID")

    assert error_of() == "BOT_USER_ID: is required but not set"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BOT_HOMESERVER", "matrix.eslov.se", "BOT_HOMESERVER: must be a URL starting with http:// or https://"),
        ("BOT_HOMESERVER", "ftp://matrix.eslov.se", "BOT_HOMESERVER: must be a URL"),
        ("BOT_USER_ID", "samverkan-bot", "BOT_USER_ID: must be a Matrix user id such as @samverkan-bot:eslov.se"),
        ("BOT_USER_ID", "@samverkan-bot", "BOT_USER_ID: must be a Matrix user id"),
        ("BOT_TIMEZONE", "Europe/Eslov", "BOT_TIMEZONE: unknown time zone 'Europe/Eslov'"),
        ("BOT_LANGUAGE", "de", "BOT_LANGUAGE: "),
        ("BOT_LOG_LEVEL", "LOUD", "BOT_LOG_LEVEL: "),
        ("BOT_SHARE_KEYS_WITH", "verified", "BOT_SHARE_KEYS_WITH: "),
        ("BOT_MODERATOR_LEVEL", "hög", "BOT_MODERATOR_LEVEL: "),
        ("BOT_MODERATOR_LEVEL", "-1", "BOT_MODERATOR_LEVEL: "),
        ("BOT_COMMAND_PREFIX", "bot", "BOT_COMMAND_PREFIX: prefix 'bot' must be punctuation"),
        ("BOT_COMMAND_PREFIX", "", "BOT_COMMAND_PREFIX: needs at least one prefix"),
        ("BOT_NUDGE_AT", "8", 'BOT_NUDGE_AT: "8" is not a time I can read'),
        ("BOT_MEETING_CLOSE_AFTER", "soon", 'BOT_MEETING_CLOSE_AFTER: "soon" is not a length of time I can read'),
    ],
)
def test_invalid_value_is_named(workdir: Path, required_env: None, monkeypatch, variable, value, expected) -> None:
    monkeypatch.setenv(variable, value)

    message = error_of()

    assert message.startswith(expected)
    assert "\n" not in message


def test_group_policy_from_toml(workdir: Path, required_env: None) -> None:
    (workdir / "bot.toml").write_text('nudge_at = "07:30"\nmeeting_close_after = "1h30m"\n', encoding="utf-8")

    settings = load_settings()

    assert (settings.nudge_time, settings.close_after) == (time(7, 30), timedelta(hours=1, minutes=30))


def test_key_sharing_from_toml_and_environment(workdir: Path, required_env: None, monkeypatch) -> None:
    write_toml(workdir, 'share_keys_with = "all"\n')
    assert load_settings().share_keys_with == "all"

    monkeypatch.setenv("BOT_SHARE_KEYS_WITH", "Cross-Signed")
    assert load_settings().share_keys_with == "cross-signed"


def test_language_error_says_what_is_accepted(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_LANGUAGE", "de")

    message = error_of()

    assert "'sv'" in message and "'en'" in message


def test_neither_password_nor_token(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.delenv("BOT_PASSWORD")

    assert error_of() == "BOT_PASSWORD or BOT_ACCESS_TOKEN must be set"


def test_unknown_toml_key_is_named_with_the_file(workdir: Path, required_env: None) -> None:
    write_toml(workdir, 'langauge = "en"\n')

    message = error_of()

    assert str(workdir / "bot.toml") in message
    assert "unknown setting 'langauge'" in message


def test_invalid_toml_names_the_file(workdir: Path, required_env: None) -> None:
    write_toml(workdir, 'language = "en\n')

    message = error_of()

    assert message.startswith(f"{workdir / 'bot.toml'}: not valid TOML")


def test_toml_value_error_is_named(workdir: Path, required_env: None) -> None:
    write_toml(workdir, 'timezone = "Mars/Olympus"\n')

    assert error_of().startswith("BOT_TIMEZONE: unknown time zone 'Mars/Olympus'")


def test_bad_series_seed_names_the_series_key_and_file(workdir: Path, required_env: None) -> None:
    write_toml(workdir, '[[series]]\nroom = "#orat-mot-marken:eslov.se"\nschedule = "weekly tuesday 09:00"\n')

    message = error_of()

    assert message.startswith("series.0.name")
    assert str(workdir / "bot.toml") in message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("moderator_level = 7.5\n", "BOT_MODERATOR_LEVEL: must be a whole number"),
        ("moderator_level = true\n", "BOT_MODERATOR_LEVEL: must be a number"),
        ("key_grace_seconds = 0\n", "BOT_KEY_GRACE_SECONDS: must be more than 0"),
        ("language = 1\n", "BOT_LANGUAGE: must be text"),
        ("allowed_users = [1, 2]\n", "BOT_ALLOWED_USERS: must be a list of text"),
        ('series = "weekly"\n', "series (in "),
        ("observations = 5\n", "observations (in "),
        ('[retention]\nmeetings = "3 år"\nkept = "1 år"\n', "retention.kept (in "),
        ('[[series]]\nroom = "#r:eslov.se"\nname = "R"\nschedule = "weekly tuesday 09:00"\nwhen = "x"\n', "series.0.when (in "),
    ],
)
def test_a_wrong_kind_of_value_in_the_toml_file_is_named(workdir: Path, required_env: None, toml: str, expected: str) -> None:
    write_toml(workdir, toml)

    message = error_of()

    assert message.startswith(expected)
    assert "\n" not in message


def test_observation_defaults_come_from_the_toml_file(workdir: Path, required_env: None) -> None:
    write_toml(workdir, '[observations]\nareas = ["Norr", " Söder "]\n')

    settings = load_settings()

    assert settings.observations.areas == ("Norr", "Söder")
    assert settings.observations.categories[:2] == ("Skadegörelse", "Klotter")  # the EST categories by default


def test_the_example_config_carries_eslovs_areas_and_the_est_categories(workdir: Path, required_env: None) -> None:
    example = Path(__file__).parents[2] / "config" / "bot.example.toml"
    write_toml(workdir, example.read_text(encoding="utf-8"))

    settings = load_settings()

    assert settings.observations.areas[:2] == ("Centrum", "Stationsområdet") and len(settings.observations.areas) == 8
    assert settings.observations.categories[-1] == "Övrigt" and len(settings.observations.categories) == 12


def test_a_name_listed_twice_is_named_with_the_file(workdir: Path, required_env: None) -> None:
    write_toml(workdir, '[observations]\ncategories = ["Klotter", "klötter"]\n')

    message = error_of()

    assert message.startswith("observations.categories")
    assert "'klötter' is listed twice" in message and str(workdir / "bot.toml") in message


# The password stays secret


def test_password_never_appears_in_repr_or_str(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_ACCESS_TOKEN", "syt_secret_token")

    settings = load_settings()

    for shown in (repr(settings), str(settings)):
        assert PASSWORD not in shown
        assert "syt_secret_token" not in shown


def test_password_never_appears_in_an_error(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_USER_ID", "not-a-user")

    assert PASSWORD not in error_of()


# Bugs found while writing these tests


def test_homeserver_with_a_space_is_refused(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_HOMESERVER", "https://matrix eslov.se")

    assert error_of().startswith("BOT_HOMESERVER: must be a URL")


def test_config_path_that_is_a_directory_is_a_settings_error(
    workdir: Path, required_env: None, monkeypatch
) -> None:
    # What `docker run -v ./bot.toml:/app/config/bot.toml` leaves behind when the host file is missing.
    (workdir / "bot.toml").mkdir()

    assert str(workdir / "bot.toml") in error_of()


def test_toml_not_in_utf8_is_a_settings_error(workdir: Path, required_env: None) -> None:
    # Saved as Latin-1 ("ANSI") by an older Windows editor.
    (workdir / "bot.toml").write_bytes('[[series]]\nname = "Örat mot marken"\n'.encode("latin-1"))

    assert str(workdir / "bot.toml") in error_of()


def test_empty_password_counts_as_not_set(workdir: Path, required_env: None, monkeypatch) -> None:
    monkeypatch.setenv("BOT_PASSWORD", "")

    assert error_of() == "BOT_PASSWORD or BOT_ACCESS_TOKEN must be set"
