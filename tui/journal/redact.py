"""Scrub credentials from text before it is stored, exported or shown.

The journal is shared with every responder and pasted into reviews, so anything
that looks like a secret is replaced before it reaches the disk: bearer tokens,
`password=`/`token=`/`secret=`-style values, AWS keys, private key blocks, the
password in `scheme://user:password@host`, and a few well-known token formats.
`redact_data` does the same through nested data and makes it JSON-safe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "[REDACTED]"

# A key whose name ends in one of these words holds a secret ("max_tokens" does not: it ends in "tokens").
_SECRET_WORD = (r"(?:password|passwd|passphrase|pwd|token|secret|api[_-]?key|apikey|access[_-]?key"
                r"|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth)")
_KEY_NAME = re.compile(rf"(?i)^[\w.-]*?{_SECRET_WORD}$")

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY((?: BLOCK)?)-----.*?(?:-----END \1PRIVATE KEY\2-----|\Z)", re.S)
_BEARER = re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{8,}=*")
_AUTH_HEADER = re.compile(r"(?i)\b(authorization:\s*(?:basic|token|digest))(\s+)[^\s\"']{4,}")
_URL_AUTH = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s:@]*):([^/\s@]+)@")
# key=value, key: value, "key": "value" (also inside JSON, YAML, env files and CLI flags).
_ASSIGNMENT = re.compile(
    rf"""(?ix)
    (?P<key>\b[\w.-]*?{_SECRET_WORD})      # a name ending in a secret word
    (?P<sep>["']?\s*[=:]\s*)             # = or : (optionally after the key's closing quote)
    (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s"',;&]+)
    """)
_FLAG = re.compile(rf"(?i)(--[\w-]*?{_SECRET_WORD})(=|\s+)(?!-)(\S+)")
_AWS_ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}\b")
_AWS_SECRET = re.compile(r"(?i)(aws.{0,30}?)(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")
_KNOWN_TOKENS = re.compile(
    r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"        # OpenAI / Anthropic style API keys
    r"|gh[pousr]_[A-Za-z0-9]{30,}"                      # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abeprs]-[A-Za-z0-9-]{10,}"                   # Slack tokens
    r"|glpat-[A-Za-z0-9_\-]{20,}"                       # GitLab tokens
    r"|AIza[0-9A-Za-z_\-]{35}"                          # Google API keys
    r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})")  # JWTs


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if value in {MASK, f'"{MASK}"', f"'{MASK}'"}:
        return match.group(0)
    quote = value[0] if value[:1] in {'"', "'"} else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{MASK}{quote}"


def redact(text: str, literals: Iterable[str] = ()) -> str:
    """`text` with every credential replaced by [REDACTED]; `literals` are known secrets to remove verbatim."""
    if not text:
        return text
    for secret in literals:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _PRIVATE_KEY.sub("[REDACTED PRIVATE KEY]", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _URL_AUTH.sub(lambda m: f"{m.group(1)}{m.group(2)}:{MASK}@", text)
    text = _AWS_ACCESS_KEY.sub(MASK, text)
    text = _AWS_SECRET.sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _KNOWN_TOKENS.sub(MASK, text)
    text = _FLAG.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _ASSIGNMENT.sub(_mask_value, text)
    return text


def is_secret_key(name: str) -> bool:
    """True for a mapping key such as "password", "api_key", "X-Auth-Token"."""
    return bool(_KEY_NAME.match(name))


def redact_data(obj: Any, literals: Iterable[str] = ()) -> Any:
    """A JSON-safe copy of `obj` with secrets removed from every string and every secret-named key's value."""
    literals = tuple(literals)
    return _walk(obj, literals)


def _walk(obj: Any, literals: tuple[str, ...]) -> Any:
    if obj is None or isinstance(obj, (bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None  # NaN and Infinity are not JSON
    if isinstance(obj, str):
        return redact(obj, literals)
    if isinstance(obj, Mapping):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            key = str(key)
            if is_secret_key(key) and value not in (None, "", False) and not isinstance(value, (Mapping, list, tuple)):
                out[key] = MASK
            else:
                out[key] = _walk(value, literals)
        return out
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_walk(item, literals) for item in obj]
    return redact(str(obj), literals)  # paths, datetimes, enums: stored as their text
