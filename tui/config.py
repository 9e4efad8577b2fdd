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


# A name a person types to confirm (protected environments) and reads on screen: short and plain.
ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}\Z")
VAR_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")  # like a parameter's, so `${env.NAME}` reads like `${name}`
BUILTIN_VARS = ("name", "prometheus_url", "alertmanager_url")  # ${env.name} ... given by oncall itself


@dataclass(frozen=True)
class Environment:
    """One entry of config.yaml's `environments:`: where commands and metrics act, and how carefully."""

    name: str
    match: Mapping[str, str] = field(default_factory=dict)  # alert labels that mean this environment
    protected: bool = False  # danger commands need the environment's name typed (--confirm NAME)
    read_only: bool = False
    prometheus_url: str | None = None
    prometheus_headers: Mapping[str, str] = field(default_factory=dict)
    alertmanager_url: str | None = None
    vars: Mapping[str, str] = field(default_factory=dict)  # ${env.NAME} in commands and queries
    env: Mapping[str, str] = field(default_factory=dict)  # exported to every command

    def matches(self, labels: Mapping[str, str]) -> bool:
        return bool(self.match) and all(labels.get(k) == v for k, v in self.match.items())


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
    environments: Mapping[str, Environment] = field(default_factory=dict)  # config.yaml's `environments:`
    environment: str | None = None  # the one in effect (--env, ONCALL_ENV, or an alert's labels); None: none
    # Derived by load_settings, not read from anywhere (metadata "derived"):
    # chosen by --env/ONCALL_ENV/`environment:`: an incident whose alert is another environment's refuses danger
    env_pinned: bool = field(default=False, metadata={"derived": True})
    # the fields a flag set: an environment never overrides those
    given: frozenset[str] = field(default=frozenset(), metadata={"derived": True})

    @property
    def active_environment(self) -> Environment | None:
        return self.environments.get(self.environment) if self.environment else None
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


_ENV_KEYS = ("match", "protected", "read_only", "prometheus_url", "prometheus_headers", "alertmanager_url",
             "vars", "env")
_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _string_map(value: Any, where: str, key: re.Pattern[str] | None = None, what: str = "names") -> dict[str, str]:
    """A mapping of text to text; YAML's numbers and booleans as values are taken as the text they read as."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a mapping of {what} to values; see the README's Environments section.")
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or (key is not None and not key.match(k)):
            raise UsageError(f"{where}: {_shown(k)} is not a valid name; use letters, digits and _.")
        if isinstance(v, bool):
            v = "true" if v else "false"
        if isinstance(v, int | float):
            v = str(v)
        if not isinstance(v, str) or "\x00" in v:
            raise UsageError(f"{where}: the value of {k} must be text.")
        out[k] = v
    return out


def _environments(value: Any, name: str) -> dict[str, Environment]:
    """config.yaml's `environments:` (see the README): name -> what it sets."""
    if not isinstance(value, dict):
        raise UsageError(f"{name} must map environment names to their settings; see the README's Environments section.")
    out = {}
    for env_name, body in value.items():
        where = f"{name}, environment {_shown(env_name)}"
        if not isinstance(env_name, str) or not ENV_NAME.match(env_name):
            raise UsageError(f"{where}: a name is letters, digits, '.', '_' and '-', up to 63; rename it.")
        body = {} if body is None else body
        if not isinstance(body, dict):
            raise UsageError(f"{where} must be a mapping (match, protected, vars, env, ...).")
        unknown = sorted(str(k) for k in body if k not in _ENV_KEYS)
        if unknown:
            raise UsageError(f"{where}: unknown key {unknown[0]!r}; known keys are {', '.join(_ENV_KEYS)}.")
        variables = _string_map(body.get("vars"), f"{where}: vars", VAR_NAME, "lowercase names")
        builtin = [v for v in variables if v in BUILTIN_VARS]
        if builtin:
            raise UsageError(f"{where}: vars.{builtin[0]} is set by oncall itself (${{env.{builtin[0]}}}); "
                             "rename the variable.")
        urls = {k: _text(body[k], f"{where}: {k}") for k in ("prometheus_url", "alertmanager_url") if body.get(k)}
        out[env_name] = Environment(
            name=env_name, match=_string_map(body.get("match"), f"{where}: match", _ENV_VAR, "label names"),
            protected=parse_bool(body.get("protected", False), f"{where}: protected"),
            read_only=parse_bool(body.get("read_only", False), f"{where}: read_only"),
            prometheus_headers=parse_headers(body.get("prometheus_headers") or {}, f"{where}: prometheus_headers"),
            vars=variables, env=_string_map(body.get("env"), f"{where}: env", _ENV_VAR, "variable names"), **urls)
    return out
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
    Setting("environments", "environments", None, None, _environments),
    Setting("environment", "environment", "ONCALL_ENV", "env", _text),
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
    urls = [getattr(settings, "prometheus_url", None), getattr(settings, "alertmanager_url", None)]
    for env in (getattr(settings, "environments", None) or {}).values():  # any of them may be worked in
        urls += [env.prometheus_url, env.alertmanager_url]
        values += secret_header_values(env.prometheus_headers)
    for url in urls:
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
    given = frozenset(s.field for s in SETTINGS if s.flag is not None and s.flag in flags)
    settings = replace(Settings(), **values, given=given)
    if settings.environment:
        settings = with_environment(replace(settings, environment=None), settings.environment, pinned=True)
    return settings


# --- environments -----------------------------------------------------------------------------

def with_environment(settings: Settings, name: str, *, pinned: bool = False) -> Settings:
    """The settings for working in environment `name`: its Prometheus, Alertmanager and headers over the
    global ones (a flag still wins), read-only when either says so. The one place an environment overrides."""
    env = settings.environments.get(name)
    if env is None:
        known = ", ".join(sorted(settings.environments)) or "none are defined in config.yaml"
        raise UsageError(f"There is no environment {name!r} (known: {known}); pick one of them with --env NAME.")
    overrides: dict[str, Any] = {"environment": name, "env_pinned": pinned or settings.env_pinned,
                                 "read_only": settings.read_only or env.read_only}
    for key in ("prometheus_url", "alertmanager_url"):
        value = getattr(env, key)
        if value and key not in settings.given:
            overrides[key] = value
    if env.prometheus_headers:  # name by name over the global ones (a header's name is case-insensitive)
        mine = {k.lower() for k in env.prometheus_headers}
        overrides["prometheus_headers"] = (*((k, v) for k, v in settings.prometheus_headers if k.lower() not in mine),
                                           *env.prometheus_headers.items())
    return replace(settings, **overrides)


def for_incident(settings: Settings, environment: str | None) -> Settings:
    """The settings an incident is worked with: the environment oncall is pinned to (--env), else the
    incident's own (its alert's), else none."""
    if settings.env_pinned or not environment or environment == settings.environment:
        return settings
    if environment not in settings.environments:
        return settings  # a teammate's environment this config does not know: no vars, no URLs of its own
    return with_environment(settings, environment)


def environment_for_labels(settings: Settings, labels: Mapping[str, str]) -> str | None:
    """The environment an alert's labels mean: the one whose `match:` they all satisfy, the most specific
    first (ties by name); None when none matches."""
    found = sorted((-len(e.match), e.name) for e in settings.environments.values() if e.matches(labels))
    return found[0][1] if found else None


def environment_values(settings: Settings) -> dict[str, str]:
    """The values of `${env.NAME}`: the environment's vars, and its name and URLs as oncall uses them."""
    env = settings.active_environment
    values = {f"env.{k}": v for k, v in (env.vars if env else {}).items()}
    builtin = {"name": settings.environment, "prometheus_url": settings.prometheus_url,
               "alertmanager_url": settings.alertmanager_url}
    values.update({f"env.{k}": v for k, v in builtin.items() if v})
    return values


def command_environment(settings: Settings) -> dict[str, str]:
    """Exported to every command: the environment's `env:` map, then where oncall itself points
    (ONCALL_ENV, ONCALL_PROMETHEUS_URL, ONCALL_ALERTMANAGER_URL) and the Prometheus headers that are not
    credentials (ONCALL_PROMETHEUS_HEADERS, "Name: value" lines: a Mimir tenant's X-Scope-OrgID), so a
    diagnostic script queries the same Prometheus as the screen. Credentials stay in oncall."""
    env = settings.active_environment
    out = dict(env.env) if env else {}
    for key, value in (("ONCALL_ENV", settings.environment), ("ONCALL_PROMETHEUS_URL", settings.prometheus_url),
                       ("ONCALL_ALERTMANAGER_URL", settings.alertmanager_url)):
        if value:
            out[key] = value
    secret = set(secret_header_values(settings.prometheus_headers))
    # always set, so a credential header given to oncall itself this way is not inherited by the command
    out["ONCALL_PROMETHEUS_HEADERS"] = "\n".join(f"{k}: {v}" for k, v in settings.prometheus_headers if v not in secret)
    return out
