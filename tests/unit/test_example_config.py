"""The documented example configuration is valid, with its commented [[series]] and [retention] entries switched
on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import load_settings

EXAMPLE = Path(__file__).parents[2] / "config" / "bot.example.toml"


def test_example_config_loads_with_its_series(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    series = text[text.index("# [[series]]") :]
    switched_on = "\n".join(line.removeprefix("# ") if "=" in line or "# [" in line else line for line in series.splitlines())
    config = tmp_path / "bot.toml"
    config.write_text(text[: text.index("# [[series]]")] + switched_on, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_CONFIG", str(config))

    settings = load_settings(env_file=None)

    assert settings.homeserver == "https://matrix.eslov.se"
    assert settings.language == "sv"
    [seed] = settings.series
    assert seed.name == "Örat mot marken"
    assert seed.schedule == "weekly tuesday 09:00"
    assert seed.reminders == ("1d", "1h")
    assert settings.retention.actions == "5 år" and str(settings.retention.export_dir) == "/archive/samverkan"
    assert sorted(settings.retention.periods()) == ["actions", "agenda_items", "meetings", "observations", "walks"]
