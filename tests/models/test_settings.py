import pytest

from models.settings import SETTINGS, Settings, SettingsError


def test_defaults_put_sqlite_in_the_instance_folder(tmp_path):
    settings = Settings.from_env({"RETOMBEES_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'retombees.db'}"
    assert settings.port == 5000
    assert settings.obey_robots is True


def test_environment_values_are_typed():
    settings = Settings.from_env({"RETOMBEES_PORT": "8080", "RETOMBEES_OBEY_ROBOTS": "non"})
    assert settings.port == 8080
    assert settings.obey_robots is False


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RETOMBEES_PORT", "huit", "RETOMBEES_PORT must be a whole number"),
        ("RETOMBEES_OBEY_ROBOTS", "peut-être", "RETOMBEES_OBEY_ROBOTS must be true or false"),
        ("RETOMBEES_LANGUAGE", "de", "RETOMBEES_LANGUAGE must be fr or en"),
    ],
)
def test_wrong_values_are_refused_with_the_variable_named(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({variable: value})


def test_child_process_environment_round_trips(tmp_path):
    settings = Settings.from_env({"RETOMBEES_INSTANCE_PATH": str(tmp_path), "RETOMBEES_PORT": "81"})
    assert Settings.from_env(settings.to_env()) == settings


def test_every_setting_has_help_and_a_field():
    fields = set(Settings.__dataclass_fields__)
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name
        assert setting.name in fields


def test_secret_key_is_generated_once_and_kept(tmp_path):
    settings = Settings.from_env({"RETOMBEES_INSTANCE_PATH": str(tmp_path)})
    key = settings.resolved_secret_key()
    assert len(key) >= 32
    assert settings.resolved_secret_key() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
