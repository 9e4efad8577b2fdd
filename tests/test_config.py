import dataclasses
from pathlib import Path

import pytest

from tui.config import (
    SETTINGS,
    Settings,
    cache_dir,
    config_dir,
    data_dir,
    load_settings,
)
from tui.errors import OncallError, UsageError


def test_flags_override_env_override_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("prometheus_url: http://file:9090\nuser: filer\njournal: /tmp/file.json\n")
    env = {"ONCALL_PROMETHEUS_URL": "http://env:9090", "ONCALL_USER": "envy"}
    s = load_settings({}, env=env, config_path=cfg)
    assert (s.prometheus_url, s.user, s.journal_path) == ("http://env:9090", "envy", Path("/tmp/file.json"))
    s = load_settings({"prometheus": "http://flag:9090"}, env=env, config_path=cfg)
    assert s.prometheus_url == "http://flag:9090" and s.user == "envy"


def test_runbook_dirs_from_env_are_colon_separated(tmp_path: Path) -> None:
    s = load_settings({}, env={"ONCALL_RUNBOOKS": "/a:/b"}, config_path=tmp_path / "none.yaml")
    assert s.runbook_dirs == (Path("/a"), Path("/b"))


def test_token_comes_from_env_or_named_file_never_config_itself(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret\n")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"prometheus_token_file: {secret}\n")
    assert load_settings({}, env={}, config_path=cfg).prometheus_token == "s3cret"
    cfg.write_text("prometheus_token: inline\n")
    with pytest.raises(OncallError, match="unknown setting 'prometheus_token'"):
        load_settings({}, env={}, config_path=cfg)
    assert "s3cret" not in repr(load_settings({}, env={"ONCALL_PROMETHEUS_TOKEN": "s3cret"}, config_path=cfg.with_name("x")))


def test_bad_config_is_one_sentence(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("read_only: [1, 2\n")
    with pytest.raises(OncallError, match="fix or remove the file"):
        load_settings({}, env={}, config_path=cfg)
    cfg.write_text("poll_interval: fast\n")
    with pytest.raises(OncallError, match="wrong type"):
        load_settings({}, env={}, config_path=cfg)


# --- strict booleans: a gate never opens on a word oncall does not know ---

ON_WORDS = ["1", "true", "TRUE", "Yes", "on", " on "]
OFF_WORDS = ["0", "false", "No", "OFF"]
UNKNOWN_WORDS = ["enabled", "y", "2", "t", "-1", "ja", " ", "true!", "\x1b[2Joff"]


@pytest.mark.parametrize("word", ON_WORDS + OFF_WORDS)
def test_read_only_from_env_takes_the_boolean_words(tmp_path: Path, word: str) -> None:
    s = load_settings({}, env={"ONCALL_READ_ONLY": word}, config_path=tmp_path / "none.yaml")
    assert s.read_only is (word in ON_WORDS)


@pytest.mark.parametrize("word", UNKNOWN_WORDS)
def test_read_only_from_env_refuses_any_other_word(tmp_path: Path, word: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_settings({}, env={"ONCALL_READ_ONLY": word}, config_path=tmp_path / "none.yaml")
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert message.startswith(f"ONCALL_READ_ONLY is {word!r}") and "1/0, true/false, yes/no, on/off" in message
    assert "\n" not in message and "\x1b" not in message


def test_an_empty_env_variable_counts_as_not_set(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("read_only: true\n")
    assert load_settings({}, env={"ONCALL_READ_ONLY": ""}, config_path=cfg).read_only is True


@pytest.mark.parametrize("key", ["read_only", "prometheus_insecure"])
@pytest.mark.parametrize(("written", "expected"), [
    ("yes", True), ("on", True), ("'1'", True), ("1", True), ("'Off'", False), ("no", False), ("0", False),
    ("enabled", None), ("2", None), ("y", None), ("null", None), ("[true]", None), ("'t'", None)])
def test_booleans_in_config_yaml_are_strict(tmp_path: Path, key: str, written: str, expected) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"{key}: {written}\n")
    if expected is None:
        with pytest.raises(UsageError, match=rf"setting '{key}' .*(1/0, true/false, yes/no, on/off|wrong type)"):
            load_settings({}, env={}, config_path=cfg)
    else:
        assert getattr(load_settings({}, env={}, config_path=cfg), key) is expected


def test_a_flag_turns_read_only_on_over_env_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("read_only: off\n")
    assert load_settings({"read_only": True}, env={"ONCALL_READ_ONLY": "no"}, config_path=cfg).read_only is True
    assert load_settings({"read_only": None}, env={"ONCALL_READ_ONLY": "yes"}, config_path=cfg).read_only is True


def test_every_setting_is_a_row_of_the_table() -> None:
    fields = {f.name for f in dataclasses.fields(Settings) if not f.metadata.get("derived")}
    rows = [s.field for s in SETTINGS]
    assert sorted(rows) == sorted(fields), "each Settings field is read by exactly one row"
    assert {s.env for s in SETTINGS if s.env} == {
        "ONCALL_RUNBOOKS", "ONCALL_PROMETHEUS_URL", "ONCALL_PROMETHEUS_TOKEN", "ONCALL_PROMETHEUS_HEADERS",
        "ONCALL_ALERTMANAGER_URL",
        "ONCALL_JOURNAL", "ONCALL_SHARED_JOURNAL", "ONCALL_USER", "ONCALL_READ_ONLY", "ONCALL_ENV"}


# --- folders: platformdirs, with an XDG variable of the given environment winning ---

def test_folders_follow_the_xdg_variables_of_the_given_environment(tmp_path: Path) -> None:
    cfg_home = tmp_path / "cfg"
    (cfg_home / "oncall").mkdir(parents=True)
    (cfg_home / "oncall" / "config.yaml").write_text("user: from-file\n")
    env = {"XDG_CONFIG_HOME": str(cfg_home), "XDG_DATA_HOME": str(tmp_path / "data")}
    s = load_settings({}, env=env)
    assert s.user == "from-file"
    assert s.journal_path == tmp_path / "data" / "oncall" / "journal.json"
    assert s.runs_dir == tmp_path / "data" / "oncall" / "runs"
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path / "c")}) == tmp_path / "c" / "oncall"


def test_without_xdg_variables_the_folders_are_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var)
    assert config_dir() == Path(platformdirs.user_config_dir("oncall"))
    assert data_dir({}) == Path(platformdirs.user_data_dir("oncall"))
    assert cache_dir() == Path(platformdirs.user_cache_dir("oncall"))


def test_oncalls_own_secrets_come_from_one_place_and_include_a_password_in_a_url(tmp_path: Path) -> None:
    from tui.config import Settings, settings_secrets
    from tui.journal import open_journal

    settings = Settings(journal_path=tmp_path / "j.json", user="alice", prometheus_token="tok-1234",
                        prometheus_password="pw-5678", prometheus_url="http://prom:urlpw-9012@prom:9090",
                        alertmanager_url="http://[not a url")
    assert settings_secrets(settings) == ("tok-1234", "pw-5678", "urlpw-9012")
    with open_journal(settings, sync_on_write="off") as journal:
        incident = journal.new_incident("Outage")
        event = journal.add_event(incident.id, "note", "pasted: urlpw-9012 and tok-1234")
    assert "urlpw-9012" not in event.text and "tok-1234" not in event.text
