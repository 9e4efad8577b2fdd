"""Settings: flags override environment variables, which override the config file.

The config file is `$XDG_CONFIG_HOME/oncall/config.yaml`. Secrets (the Prometheus
token) come only from the environment or a file the config names, never from the
config file itself.

Every setting is one row of `SETTINGS`: where it is read from (config key, environment
variable, flag) and the converter that turns what was written into its value. A value
that does not convert is a one-sentence usage error naming the setting, so a misspelt
gate (`ONCALL_READ_ONLY=enabled`) stops oncall instead of silently turning itself off.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.errors import OncallError, UsageError

APP_NAME = "oncall"
BUNDLED_RUNBOOKS = Path(__file__).resolve().parent.parent / "runbooks"

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
BOOLEAN_WORDS = "1/0, true/false, yes/no, on/off"


def _user_dir(kind: str, env: Mapping[str, str] | None = None) -> Path:
    """platformdirs' user folder of this kind ("config", "data", "cache") for oncall.

    An XDG variable in `env` wins when it is set: platformdirs honours it too, but reads only
    os.environ, and load_settings(env=...) must take the whole environment from its argument.
    """
    value = (os.environ if env is None else env).get(f"XDG_{kind.upper()}_HOME", "").strip()
    if value:
        return Path(value) / APP_NAME
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME, appauthor=False))


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    return _user_dir("config", env)


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    return _user_dir("data", env)


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    return _user_dir("cache", env)


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
    # Extra headers for every Prometheus request, e.g. (("X-Scope-OrgID", "tenant-a"),) for Mimir/Cortex.
    prometheus_headers: tuple[tuple[str, str], ...] = ()
    alertmanager_url: str | None = None
    journal_path: Path = field(default_factory=lambda: data_dir() / "journal.json")
    shared_journal: Path | str | None = None  # a file's path, or a git remote (git+ssh://...) as written
    user: str = field(default_factory=_default_user)
    read_only: bool = False
    poll_interval: float = 5.0
    theme: str | None = None
    # binding id -> keys ("incident.note": "N", "step.back": "backspace,b"): applied with Textual's set_keymap
    keymap: Mapping[str, str] = field(default_factory=dict)
    # audience -> Apprise targets, each a URL without secrets, `env:NAME` or `file:PATH` (tui/integrations/targets.py)
    notify: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # incident event -> argv commands or Apprise targets, run when it happens (tui/integrations/hooks.py)
    hooks: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # `approval: {severities: [critical]}`: danger commands in incidents of these severities need a second responder
    approval_severities: tuple[str, ...] = ()

    @property
    def runs_dir(self) -> Path:
        """Full command output logs live beside the journal."""
        return self.journal_path.parent / "runs"


# --- converters: (value as written, the setting's name for messages) -> value ---

Converter = Callable[[Any, str], Any]


def _shown(value: Any) -> str:
    text = repr(value)  # repr: control characters in the value come out escaped
    return text if len(text) <= 60 else text[:57] + "..."


def _wrong_type(value: Any, name: str) -> UsageError:
    return UsageError(f"{name} has the wrong type ({type(value).__name__}); see the README for its format.")


def parse_bool(value: Any, name: str) -> bool:
    """A strict yes/no: the words of BOOLEAN_WORDS in any case (and YAML's own booleans); nothing else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    word = value.strip().lower() if isinstance(value, str) else None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise UsageError(f"{name} is {_shown(value)}, which is neither yes nor no; set it to one of {BOOLEAN_WORDS}.")


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(value, name)
    return value


def _path(value: Any, name: str) -> Path:
    return Path(_text(value, name)).expanduser()


GIT_SCHEMES = ("git+file", "git+ssh", "git+https")  # the shared journal through a git remote (tui/journal/gitsync.py)


def is_git_remote(value: object) -> bool:
    if not isinstance(value, str):
        return False
    scheme, sep, rest = value.partition("://")
    return bool(sep) and scheme in GIT_SCHEMES and bool(rest.split("#", 1)[0].strip("/"))


def _shared(value: Any, name: str) -> Path | str:
    """The shared journal: a git remote stays as written (a Path would fold its //), anything else is a path."""
    text = _text(value, name).strip()
    if text.startswith("git+"):
        if not is_git_remote(text):
            raise UsageError(f"{name} is {_shown(text)}, which is not a git remote oncall can use; write "
                             "git+file:///PATH, git+ssh://HOST/PATH or git+https://HOST/PATH.")
        return text
    return _path(text, name)


def _dirs(value: Any, name: str) -> tuple[Path, ...]:
    """A colon-separated string (the environment) or a list of folders (config.yaml, repeated flags)."""
    items = value.split(":") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise _wrong_type(value, name)
    return tuple(Path(p).expanduser() for p in items if p)


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(value, name)
    return float(value)


def _keymap(value: Any, name: str) -> dict[str, str]:
    """A mapping of binding ids to keys, as `?` lists them (config.yaml only)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                              for k, v in value.items()):
        raise UsageError(f"{name} must map binding ids to keys (incident.note: N); see the README's Keys section.")
    return {k.strip(): v.replace(" ", "") for k, v in value.items()}


def _notify(value: Any, name: str) -> dict[str, tuple[str, ...]]:
    """audience -> a list of Apprise targets (config.yaml only). Secrets are checked where targets are used."""
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(t, str) and t.strip() for t in v)
            for k, v in value.items()):
        raise UsageError(f"{name} must map each audience to a list of targets (internal: [\"env:ONCALL_SLACK_URL\"]); "
                         "see the README's Updates section.")
    return {k.strip(): tuple(t.strip() for t in v) for k, v in value.items()}


HOOK_EVENTS = ("opened", "severity_changed", "contained", "resolved", "action_item")


def _hooks(value: Any, name: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """event -> one argv list, a list of argv lists, or a list of Apprise targets (each one a hook of its own)."""
    if not isinstance(value, dict):
        raise UsageError(f"{name} must map incident events ({', '.join(HOOK_EVENTS)}) to commands; see the README.")
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for event, spec in value.items():
        if event not in HOOK_EVENTS:
            raise UsageError(f"{name}: unknown event {_shown(event)}; use one of {', '.join(HOOK_EVENTS)}.")
        if isinstance(spec, list) and spec and all(isinstance(a, str) for a in spec):
            # [gh, issue, create, ...] is one command; ["json://...", "env:URL"] is a list of Apprise targets
            hooks = [(a,) for a in spec] if all(_is_target(a) for a in spec) else [tuple(spec)]
        elif isinstance(spec, list) and spec and all(isinstance(c, list) and c and all(isinstance(a, str) for a in c)
                                                     for c in spec):
            hooks = [tuple(c) for c in spec]
        else:
            raise UsageError(f"{name}: {event} must be a command as a list of words, or a list of such commands.")
        out[event] = tuple(hooks)
    return out


def _is_target(word: str) -> bool:
    return "://" in word or word.startswith(("env:", "file:"))


# RFC 9110 field names; values without control characters (a CR or LF would start a header of its own).
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")
# Headers oncall sets itself: a configured one would be overwritten or break the request.
RESERVED_HEADERS = frozenset({"host", "content-length", "content-type", "accept", "accept-encoding",
                              "transfer-encoding", "connection"})
# A header whose name says it carries a credential: its value is struck from everything recorded.
_SECRET_HEADER = re.compile(r"auth|key|token|secret|cookie|password|session", re.IGNORECASE)


def parse_headers(value: Any, name: str) -> dict[str, str]:
    """Extra HTTP headers for a Prometheus-compatible server: a mapping (config.yaml) or, in the
    environment, "Name: value" lines. The one reader of headers: every place that takes some uses it."""
    if isinstance(value, str):
        pairs = []
        for line in value.splitlines():
            if not line.strip():
                continue
            key, sep, text = line.partition(":")
            if not sep:
                raise UsageError(f"{name} has {_shown(line)}, which is not 'Name: value'; write one header a line, "
                                 "such as 'X-Scope-OrgID: tenant-a'.")
            pairs.append((key.strip(), text.strip()))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise _wrong_type(value, name)
    headers: dict[str, str] = {}
    for key, text in pairs:
        if isinstance(text, bool) or not isinstance(text, str | int):
            raise UsageError(f"{name}: the header {_shown(key)} needs a text value, such as 'tenant-a'.")
        text = str(text)
        if not isinstance(key, str) or not _HEADER_NAME.fullmatch(key):
            raise UsageError(f"{name}: {_shown(key)} is not a header name; use letters, digits and dashes, "
                             "such as X-Scope-OrgID.")
        if key.lower() in RESERVED_HEADERS:
            raise UsageError(f"{name}: oncall sets the {key} header itself; remove it.")
        if not _HEADER_VALUE.fullmatch(text):
            raise UsageError(f"{name}: the value of {key} holds a control character; write it on one line.")
        headers[key] = text
    return headers


def _header_pairs(value: Any, name: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_headers(value, name).items())  # pairs: Settings stays hashable


def secret_header_values(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The values of headers whose names say they are credentials (X-Api-Key, Authorization...)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return tuple(v for k, v in pairs if v and _SECRET_HEADER.search(k))


SEVERITY_WORDS = ("critical", "high", "medium", "low")  # the journal's SEVERITIES (tui/journal/model.py)


def _approval(value: Any, name: str) -> tuple[str, ...]:
    """`{severities: [critical, high]}`: the incident severities in which danger commands need an approval."""
    severities = value.get("severities") if isinstance(value, dict) and set(value) <= {"severities"} else None
    if not isinstance(severities, list) or not all(s in SEVERITY_WORDS for s in severities):
        raise UsageError(f"{name} must be {{severities: [...]}} with severities among {', '.join(SEVERITY_WORDS)}; "
                         "e.g. approval: {severities: [critical]}.")
    return tuple(dict.fromkeys(severities))


def _secret_file(what: str) -> Converter:
    def read(value: Any, name: str) -> str:
        path = _text(value, name)
        try:
            return Path(path).expanduser().read_text().strip()
        except OSError as exc:
            raise OncallError(f"Cannot read the {what} file {path}: {exc.strerror}; "
                              "fix the path in config.yaml.") from None
    return read


@dataclass(frozen=True)
class Setting:
    field: str  # the Settings attribute
    key: str | None  # its config.yaml key
    env: str | None  # its environment variable
    flag: str | None  # its flag, as the argparse dest
    convert: Converter
    from_file: Converter | None = None  # when config.yaml names a file that holds the value (secrets)


SETTINGS: tuple[Setting, ...] = (
    Setting("runbook_dirs", "runbooks", "ONCALL_RUNBOOKS", "runbooks", _dirs),
    Setting("prometheus_url", "prometheus_url", "ONCALL_PROMETHEUS_URL", "prometheus", _text),
    Setting("prometheus_token", "prometheus_token_file", "ONCALL_PROMETHEUS_TOKEN", None, _text,
            from_file=_secret_file("Prometheus token")),
    Setting("prometheus_username", "prometheus_username", None, None, _text),
    Setting("prometheus_password", "prometheus_password_file", None, None, _text,
            from_file=_secret_file("Prometheus password")),
    Setting("prometheus_ca_file", "prometheus_ca_file", None, None, _text),
    Setting("prometheus_insecure", "prometheus_insecure", None, None, parse_bool),
    Setting("prometheus_headers", "prometheus_headers", "ONCALL_PROMETHEUS_HEADERS", None, _header_pairs),
    Setting("alertmanager_url", "alertmanager_url", "ONCALL_ALERTMANAGER_URL", "alertmanager", _text),
    Setting("journal_path", "journal", "ONCALL_JOURNAL", "journal", _path),
    Setting("shared_journal", "shared_journal", "ONCALL_SHARED_JOURNAL", "shared", _shared),
    Setting("user", "user", "ONCALL_USER", "user", _text),
    Setting("read_only", "read_only", "ONCALL_READ_ONLY", "read_only", parse_bool),
    Setting("poll_interval", "poll_interval", None, None, _seconds),
    Setting("theme", "theme", None, None, _text),
    Setting("keymap", "keymap", None, None, _keymap),
    Setting("notify", "notify", None, None, _notify),
    Setting("hooks", "hooks", None, None, _hooks),
    Setting("approval_severities", "approval", None, None, _approval),
)

SECRET_FIELDS = ("prometheus_token", "prometheus_password")  # never shown, logged or recorded


def settings_secrets(settings: Any) -> tuple[str, ...]:
    """oncall's own secret values, to be struck from everything it records: the Prometheus token and
    password, and a password written into a configured URL (http://user:PASSWORD@host)."""
    values = [getattr(settings, "prometheus_token", None), getattr(settings, "prometheus_password", None),
              *secret_header_values(getattr(settings, "prometheus_headers", None) or ())]
    for url in (getattr(settings, "prometheus_url", None), getattr(settings, "alertmanager_url", None)):
        try:
            values.append(urlsplit(url).password if url else None)
        except ValueError:  # not a URL at all; the client says so when it is used
            pass
    return tuple(dict.fromkeys(v for v in values if v))



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
    known = {s.key for s in SETTINGS if s.key}
    for key in data:
        if key not in known:
            raise OncallError(f"{path}: unknown setting {key!r}; known settings are {', '.join(sorted(known))}.")
    return data


def _flag_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def load_settings(flags: dict[str, Any] | None = None, env: Mapping[str, str] | None = None,
                  config_path: Path | None = None) -> Settings:
    """Build settings from the config file, then the environment, then flags (None or [] = not given).

    An empty environment variable counts as not set.
    """
    env = os.environ if env is None else env
    flags = {k: v for k, v in (flags or {}).items() if v is not None and v != []}
    if config_path is None:
        config_path = config_dir(env) / "config.yaml"
    file = _load_file(config_path)
    values: dict[str, Any] = {"journal_path": data_dir(env) / "journal.json"}
    for s in SETTINGS:
        if s.key is not None and s.key in file:
            values[s.field] = (s.from_file or s.convert)(file[s.key], f"{config_path}: setting {s.key!r}")
    for s in SETTINGS:
        if s.env is not None and env.get(s.env, "") != "":
            values[s.field] = s.convert(env[s.env], s.env)
    for s in SETTINGS:
        if s.flag is not None and s.flag in flags:
            values[s.field] = s.convert(flags[s.flag], _flag_name(s.flag))
    return replace(Settings(), **values)
