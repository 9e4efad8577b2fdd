"""Settings: flags override environment variables, which override the config file.

The config file is `$XDG_CONFIG_HOME/oncall/config.yaml`. Secrets (the Prometheus
token) come only from the environment or a file the config names, never from the
config file itself.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.errors import OncallError

APP_NAME = "oncall"
BUNDLED_RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"

# config.yaml keys and their types; anything else is an error naming the key.
_FILE_KEYS: dict[str, type | tuple[type, ...]] = {
    "runbooks": list,
    "prometheus_url": str,
    "prometheus_token_file": str,
    "prometheus_username": str,
    "prometheus_password_file": str,
    "prometheus_ca_file": str,
    "prometheus_insecure": bool,
    "alertmanager_url": str,
    "journal": str,
    "shared_journal": str,
    "user": str,
    "read_only": bool,
    "poll_interval": (int, float),
    "theme": str,
}


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_NAME


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


def _default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "responder"


@dataclass(frozen=True)
class Settings:
    runbook_dirs: tuple[Path, ...] = (BUNDLED_RUNBOOKS,)
    prometheus_url: str | None = None
    prometheus_token: str | None = field(default=None, repr=False)
    prometheus_username: str | None = None
    prometheus_password: str | None = field(default=None, repr=False)
    prometheus_ca_file: str | None = None
    prometheus_insecure: bool = False
    alertmanager_url: str | None = None
    journal_path: Path = field(default_factory=lambda: data_dir() / "journal.json")
    shared_journal: Path | None = None
    user: str = field(default_factory=_default_user)
    read_only: bool = False
    poll_interval: float = 5.0
    theme: str | None = None

    @property
    def runs_dir(self) -> Path:
        """Full command output logs live beside the journal."""
        return self.journal_path.parent / "runs"


def settings_secrets(settings: Any) -> tuple[str, ...]:
    """oncall's own secret values, to be struck from everything it records: the Prometheus token and
    password, and a password written into a configured URL (http://user:PASSWORD@host)."""
    values = [getattr(settings, "prometheus_token", None), getattr(settings, "prometheus_password", None)]
    for url in (getattr(settings, "prometheus_url", None), getattr(settings, "alertmanager_url", None)):
        try:
            values.append(urlsplit(url).password if url else None)
        except ValueError:  # not a URL at all; the client says so when it is used
            pass
    return tuple(dict.fromkeys(v for v in values if v))


def _read_secret_file(path: str, what: str) -> str:
    try:
        return Path(path).expanduser().read_text().strip()
    except OSError as exc:
        raise OncallError(f"Cannot read the {what} file {path}: {exc.strerror}; fix the path in config.yaml.") from None


def _load_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise OncallError(f"Cannot read {path}: {str(exc).splitlines()[0]}; fix or remove the file.") from None
    if not isinstance(data, dict):
        raise OncallError(f"{path} must be a mapping of settings; fix or remove the file.")
    for key, value in data.items():
        expected = _FILE_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(_FILE_KEYS))
            raise OncallError(f"{path}: unknown setting {key!r}; known settings are {known}.")
        wrong = not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool)
        if key == "runbooks" and not wrong:
            wrong = not all(isinstance(item, str) for item in value)
        if wrong:
            raise OncallError(f"{path}: setting {key!r} has the wrong type; see the README for its format.")
    return data


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(flags: dict[str, Any] | None = None, env: dict[str, str] | None = None,
                  config_path: Path | None = None) -> Settings:
    """Build settings from the config file, then the environment, then flags (None = not given)."""
    env = dict(os.environ) if env is None else env
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != []}
    if config_path is None:
        base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        config_path = Path(base) / APP_NAME / "config.yaml"
    file = _load_file(config_path)
    s = Settings()
    if env.get("XDG_DATA_HOME"):
        s = replace(s, journal_path=Path(env["XDG_DATA_HOME"]) / APP_NAME / "journal.json")

    # config file
    if "runbooks" in file:
        s = replace(s, runbook_dirs=tuple(Path(p).expanduser() for p in file["runbooks"]))
    for key in ("prometheus_url", "alertmanager_url", "prometheus_username", "prometheus_ca_file", "theme"):
        if key in file:
            s = replace(s, **{key: file[key]})
    if "prometheus_insecure" in file:
        s = replace(s, prometheus_insecure=file["prometheus_insecure"])
    if "prometheus_token_file" in file:
        s = replace(s, prometheus_token=_read_secret_file(file["prometheus_token_file"], "Prometheus token"))
    if "prometheus_password_file" in file:
        s = replace(s, prometheus_password=_read_secret_file(file["prometheus_password_file"], "Prometheus password"))
    if "journal" in file:
        s = replace(s, journal_path=Path(file["journal"]).expanduser())
    if "shared_journal" in file:
        s = replace(s, shared_journal=Path(file["shared_journal"]).expanduser())
    if "user" in file:
        s = replace(s, user=file["user"])
    if "read_only" in file:
        s = replace(s, read_only=file["read_only"])
    if "poll_interval" in file:
        s = replace(s, poll_interval=float(file["poll_interval"]))

    # environment
    if env.get("ONCALL_RUNBOOKS"):
        s = replace(s, runbook_dirs=tuple(Path(p).expanduser() for p in env["ONCALL_RUNBOOKS"].split(":") if p))
    if env.get("ONCALL_PROMETHEUS_URL"):
        s = replace(s, prometheus_url=env["ONCALL_PROMETHEUS_URL"])
    if env.get("ONCALL_PROMETHEUS_TOKEN"):
        s = replace(s, prometheus_token=env["ONCALL_PROMETHEUS_TOKEN"])
    if env.get("ONCALL_ALERTMANAGER_URL"):
        s = replace(s, alertmanager_url=env["ONCALL_ALERTMANAGER_URL"])
    if env.get("ONCALL_JOURNAL"):
        s = replace(s, journal_path=Path(env["ONCALL_JOURNAL"]).expanduser())
    if env.get("ONCALL_SHARED_JOURNAL"):
        s = replace(s, shared_journal=Path(env["ONCALL_SHARED_JOURNAL"]).expanduser())
    if env.get("ONCALL_USER"):
        s = replace(s, user=env["ONCALL_USER"])
    if env.get("ONCALL_READ_ONLY"):
        s = replace(s, read_only=_truthy(env["ONCALL_READ_ONLY"]))

    # flags
    if flags.get("runbooks"):
        s = replace(s, runbook_dirs=tuple(Path(p).expanduser() for p in flags["runbooks"]))
    if flags.get("prometheus"):
        s = replace(s, prometheus_url=flags["prometheus"])
    if flags.get("alertmanager"):
        s = replace(s, alertmanager_url=flags["alertmanager"])
    if flags.get("journal"):
        s = replace(s, journal_path=Path(flags["journal"]).expanduser())
    if flags.get("shared"):
        s = replace(s, shared_journal=Path(flags["shared"]).expanduser())
    if flags.get("user"):
        s = replace(s, user=flags["user"])
    if flags.get("read_only"):
        s = replace(s, read_only=True)
    return s
