"""Apprise targets as the config writes them: a URL that holds no secret, `env:NAME` or `file:PATH`.

A URL with a secret in it (a password, a webhook token, `?token=`) is refused in the config text: it would
sit in a file people share and copy. `env:NAME` reads the URL from that environment variable when it is
used, `file:PATH` from that file. What the journal records is always the target as written, never the URL
it resolves to; the resolved URLs are also struck from anything recorded (`secrets`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tui.errors import OncallError
from tui.journal.redact import is_secret_key, redact


@dataclass(frozen=True)
class Target:
    written: str  # as the config has it: what the journal records
    url: str  # what Apprise is given (may hold a secret when it came from env: or file:)

    @property
    def secret(self) -> bool:
        return self.written != self.url


def _apprise_plugin(url: str) -> Any:
    import apprise  # lazily: app start-up does not pay for it

    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def holds_secret(url: str) -> bool:
    """True when the URL carries a credential: Apprise's private view of it differs, or it has a password
    or a secret-named query value, or the journal's redactor would strike part of it."""
    try:
        parts = urlsplit(url)
        if parts.password:
            return True
        if any(is_secret_key(k) and v for k, v in parse_qsl(parts.query)):
            return True
    except ValueError:
        return True
    if redact(url) != url:
        return True
    plugin = _apprise_plugin(url)
    return plugin is not None and plugin.url(privacy=True) != plugin.url(privacy=False)


def check_written(written: str, where: str) -> None:
    """Refuse an inline secret in the config: one sentence naming where it is and what to write instead."""
    if written.startswith(("env:", "file:")):
        if not written.split(":", 1)[1].strip():
            raise OncallError(f"{where}: {written!r} names no variable or file; write env:NAME or file:PATH.")
        return
    if "://" not in written:
        raise OncallError(f"{where}: {_short(written)} is not an Apprise URL; write one such as json://host/path, "
                          "or env:NAME to read it from the environment.")
    if holds_secret(written):
        raise OncallError(f"{where}: a target holds a secret inline ({_scheme(written)}://…); put the URL in an "
                          "environment variable and write env:NAME (or file:PATH) instead.")


def resolve(written: str, env: dict[str, str] | None = None) -> Target:
    """The URL a written target stands for; a sentence when the variable or file is missing."""
    env = dict(os.environ) if env is None else env
    if written.startswith("env:"):
        name = written[4:].strip()
        url = env.get(name, "").strip()
        if not url:
            raise OncallError(f"The environment variable {name} (target {written}) is not set; export it and retry.")
        return Target(written, url)
    if written.startswith("file:"):
        path = Path(written[5:].strip()).expanduser()
        try:
            url = path.read_text().strip()
        except OSError as exc:
            raise OncallError(f"Cannot read the target file {path}: {exc.strerror}; fix the path in config.yaml.") from None
        if not url:
            raise OncallError(f"The target file {path} is empty; write the Apprise URL into it.")
        return Target(written, url)
    return Target(written, written)


def target_secrets(targets: list[Target]) -> tuple[str, ...]:
    """What must never be recorded: each resolved secret URL and the credential parts inside it."""
    out: list[str] = []
    for t in targets:
        if not t.secret:
            continue
        out.append(t.url)
        try:
            parts = urlsplit(t.url)
            out += [p for p in (parts.password, parts.username) if p]
            out += [seg for seg in parts.path.split("/") if len(seg) >= 8]  # webhook tokens live in the path
            out += [v for k, v in parse_qsl(parts.query) if v and len(v) >= 4]
        except ValueError:
            pass
    return tuple(dict.fromkeys(out))


def _scheme(url: str) -> str:
    return url.split("://", 1)[0][:20]


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def notify_url(url: str, body: str, title: str, secrets: tuple[str, ...] = ()) -> tuple[bool, str]:
    """Send one message to one Apprise URL: (it took it, why not, redacted). Blocks within Apprise's timeouts."""
    import logging

    import apprise

    box = apprise.Apprise()
    if not box.add(url):
        return False, "Apprise does not know this kind of URL"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:  # type: ignore[no-untyped-call]
        ok = bool(box.notify(body=body, title=title))
    if ok:
        return True, ""
    said = " ".join(log.getvalue().split()) or "it did not take it"
    return False, redact(said, secrets)[:200].rstrip(".")
