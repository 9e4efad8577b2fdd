from pathlib import Path

import pytest

from tui.config import load_settings
from tui.errors import OncallError


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
