"""Scrub credentials from text before it is stored, exported or shown.

The journal is shared with every responder and pasted into reviews, so anything
that looks like a secret is replaced before it reaches the disk (the journal, the
shared file, the report, run logs).

Where the patterns come from:

- detect-secrets (Yelp), a maintained secret scanner: every regex-based plugin's
  `denylist` (AWS, Stripe, Slack, GitHub, GitLab, JWT, SendGrid, Twilio, npm, basic
  auth in URLs, ...), as installed, so a new release brings its new plugins. It is
  imported at the first redaction, not at import (~75 ms; the journal CLI starts
  fast). Not used: its public-IP plugin (an address is not a credential), its
  high-entropy plugins (every git commit, image digest and trace id would go) and
  its keyword plugin (see `_scanner_rules`).
- `_SUPPLEMENT` below, for what detect-secrets misses in shell lines, logs and
  HTTP dumps: unquoted `X_PASS=`/`X_TOKEN=`/`X_SECRET=` assignments, `--password`
  and `--token` flags, mysql's `-pPASSWORD`, `Authorization:`/`Cookie:`/
  `Set-Cookie:` headers, URL user-info, AWS secret access keys without quotes,
  newer token formats (GitHub `github_pat_`, OpenAI `sk-proj-`, Stripe test keys),
  and whole private-key blocks across lines.

A match is widened to the end of the token it starts (detect-secrets' fixed
lengths would otherwise leave the tail of a longer key). Names stay, so a reader
knows what was there: `password=[REDACTED]`. `redact_data` does the same through
nested data and makes it JSON-safe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, NamedTuple, cast

MASK = "[REDACTED]"
KEY_MASK = "[REDACTED PRIVATE KEY]"


class _Rule(NamedTuple):
    pattern: re.Pattern[str]
    group: int | str | None  # the part of a match that is the secret; None: find it (_scanner_span)
    mask: str = MASK
    accept: Callable[[re.Match[str]], bool] | None = None  # a further test a match must pass


def _secret_name(match: re.Match[str]) -> bool:
    return is_secret_key(match.group("k"))


def _not_a_capital_word(match: re.Match[str]) -> bool:
    word = match.group().strip(_TRIM)
    return not (word.isalpha() and word.isupper())


# A key whose name ends in one of these words holds a secret ("max_tokens" does not: it ends in "tokens";
# "pass" counts only as a word of its own, DB_PASS but not bypass).
_SECRET_WORD = (r"(?:password|passwd|passphrase|pwd|(?<![a-z0-9])pass|token|secret|api[_-]?key|apikey"
                r"|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth)")
_KEY_NAME = re.compile(rf"(?i)^[\w.-]*?{_SECRET_WORD}$")
_TOKEN_TAIL = re.compile(r"(?:[\w+/=-]|\.(?=[\w-]))*")  # the rest of a token a match stopped inside
_TRIM = " \t\r\n=:\"'`"

# Every repetition that can restart at many places is bounded ({0,64}), so a long hostile line
# costs linear time, not quadratic.
_SUPPLEMENT: tuple[_Rule, ...] = (
    # PEM private keys, the whole block; one cut off by a truncated output runs to the end.
    _Rule(re.compile(r"-{4,5} ?BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY((?: BLOCK)?) ?-{4,5}.*?"
                     r"(?:-{4,5} ?END \1PRIVATE KEY\2 ?-{4,5}|\Z)", re.DOTALL), 0, KEY_MASK),
    _Rule(re.compile(r"PuTTY-User-Key-File-\d+:.*?(?:Private-MAC: *\S+|\Z)", re.DOTALL), 0, KEY_MASK),
    # HTTP headers: the value up to the end of the line or a closing quote; the auth scheme stays.
    _Rule(re.compile(r"""(?im)\b(?:proxy-authorization|authorization|set-cookie|cookie|x-api-key|x-auth-token)
                         ["']?[ \t]{0,8}:[ \t]{0,8}["']?
                         (?:(?:bearer|basic|token|digest|negotiate|apikey)[ \t]+)?
                         (?P<v>[^\s"'][^\r\n"']*)""", re.VERBOSE), "v"),
    _Rule(re.compile(r"(?i)\bbearer\s{1,8}(?P<v>(?=[A-Za-z._~+/-]{0,64}[0-9])[A-Za-z0-9\-._~+/]{8,}=*)"), "v"),
    # URL user-info: the password, or a user part long enough to be a token (https://ghp_...@github.com).
    _Rule(re.compile(r"(?i)\b[a-z][a-z0-9+.-]{0,30}://[^/\s:@]{0,256}:(?P<v>[^/\s@]{1,256})@"), "v"),
    _Rule(re.compile(r"(?i)\b[a-z][a-z0-9+.-]{0,30}://(?P<v>[\w.~%-]{16,256})@"), "v"),
    # mysql -pPASSWORD (no space; `-p 8080`, or `-P3306` in the same command, stay).
    _Rule(re.compile(r"(?i:\b(?:mysql\w{0,16}|mariadb\w{0,16}))\b[^\n;|&]{0,400}?\s-p"
                     r"(?P<v>'[^'\n]*'|\"[^\"\n]*\"|[^\s'\"]+)"), "v"),
    # --password=X, --token X; and key=value, key: value, "key": "value", dict["key"] = "value" (JSON,
    # YAML, env files, `export X_PASS=`): every name is matched whole, then kept if it names a secret.
    _Rule(re.compile(r"--(?P<k>[\w-]{1,64})(?:=|[ \t]{1,8})(?!-)(?P<v>\S+)"), "v", accept=_secret_name),
    _Rule(re.compile(r"""(?x)(?<![\w.-])(?P<k>[\w.-]{1,128})["']?\]?[ \t]{0,8}[=:][ \t]{0,8}
                         (?P<q>["']?)(?P<v>(?<=")[^"\n]*(?=")|(?<=')[^'\n]*(?=')|[^\s"',;&]+)(?P=q)"""), "v",
          accept=_secret_name),  # a quoted value keeps its quotes: "password": "[REDACTED]"
    _Rule(re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}\b"), 0),
    _Rule(re.compile(r"(?i)aws.{0,30}?(?<![A-Za-z0-9/+=])(?P<v>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"), "v"),
    _Rule(re.compile(r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"   # OpenAI / Anthropic API keys
                     r"|github_pat_[A-Za-z0-9_]{30,}|gh[pousr]_[A-Za-z0-9]{30,}"
                     r"|[rs]k_(?:live|test)_[0-9a-zA-Z]{16,}"      # Stripe
                     r"|xox[a-z]-[A-Za-z0-9-]{10,}"                # Slack
                     r"|AIza[0-9A-Za-z_\-]{35}"                     # Google API keys
                     r"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"), 0),  # JWTs
)

_NOT_CREDENTIALS = {"IPPublicDetector"}  # detect-secrets plugins whose findings are no secret
_NOT_WORDS = {"ArtifactoryDetector"}  # its `AP[0-9A-F]...` also fits a plain word such as APACHEKAFKA
# detect-secrets' own patterns were written for source lines and some backtrack quadratically on a long
# hostile line (npm's `//.+/:_authToken`), so they run over windows of this size, overlapping by enough
# for any key's recognisable start; a key that runs on past a window is widened in the whole text.
_WINDOW, _OVERLAP = 1024, 256


@cache
def _scanner_rules() -> tuple[_Rule, ...]:
    """The `denylist` of every regex plugin of detect-secrets, as installed.

    Its keyword plugin is left out: its patterns backtrack quadratically inside one long word
    (8 s on 10 kB) and the supplement's bounded `name = value` rule finds the same assignments."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    plugins: list[type] = list(get_mapping_from_secret_type_to_class().values())
    return tuple(_Rule(pattern, None, accept=_not_a_capital_word if plugin.__name__ in _NOT_WORDS else None)
                 for plugin in plugins
                 if issubclass(plugin, RegexBasedDetector) and plugin.__name__ not in _NOT_CREDENTIALS
                 for pattern in cast("Iterable[re.Pattern[str]]", plugin.denylist))  # a class attribute


class _TokenEnds:
    """Where the token around a position ends in `text`; remembers the last token, so that many finds
    inside one long token (`eyJa.eyJa.eyJa...`) scan it once, not once each."""

    def __init__(self, text: str) -> None:
        self.text, self.start, self.end = text, -1, -1

    def __call__(self, pos: int) -> int:
        if not self.start <= pos <= self.end:
            tail = _TOKEN_TAIL.match(self.text, pos)  # matches at least the empty string
            self.start, self.end = pos, tail.end() if tail else pos
        return self.end


def _scanner_span(match: re.Match[str], token_end: _TokenEnds, offset: int) -> tuple[int, int]:
    """The secret in a detect-secrets match in `text[offset:]`: its widest group when that is a value after
    a name or a scheme (`://user:(pw)@`), else the whole match (a group like `(ghp|gho)` is only the
    token's kind) trimmed and widened to the end of its token."""
    window = match.string
    groups = [match.span(i) for i in range(1, match.re.groups + 1) if match.start(i) >= 0]
    start, end = max(groups, key=lambda span: span[1] - span[0], default=(0, 0))
    if match.start() < start < end and token_end(offset + end) == offset + end:
        return offset + start, offset + end
    start, end = match.span()
    while start < end and window[start] in _TRIM:
        start += 1
    while end > start and window[end - 1] in _TRIM:
        end -= 1
    return offset + start, token_end(offset + end)


def _spans(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for rule in _SUPPLEMENT:
        for match in rule.pattern.finditer(text):
            start, end = match.span(rule.group or 0)
            if start < end and (rule.accept is None or rule.accept(match)):
                spans.append((start, end, rule.mask))
    rules, token_end = _scanner_rules(), _TokenEnds(text)
    for offset in range(0, max(len(text) - _OVERLAP, 1), _WINDOW - _OVERLAP):
        window = text[offset:offset + _WINDOW]
        for rule in rules:
            for match in rule.pattern.finditer(window):
                if rule.accept is None or rule.accept(match):
                    start, end = _scanner_span(match, token_end, offset)
                    if start < end:
                        spans.append((start, end, rule.mask))
    return spans


_SURROGATE = re.compile("[\ud800-\udfff]")


def redact(text: str, literals: Iterable[str] = ()) -> str:
    """`text` with every credential replaced by [REDACTED]; `literals` are known secrets to remove verbatim.

    The result is always encodable as UTF-8: a lone surrogate (pasted, or decoded from a broken file) becomes
    U+FFFD, since everything redacted is about to be written to the journal, a log or a report.
    """
    if not text:
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    for secret in literals:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    out, pos = [], 0
    spans = sorted(_spans(text))
    i = 0
    while i < len(spans):  # overlapping finds become one mask; a private key's mask wins
        start, end, mask = spans[i]
        i += 1
        while i < len(spans) and spans[i][0] < end:
            end = max(end, spans[i][1])
            mask = KEY_MASK if KEY_MASK in (mask, spans[i][2]) else mask
            i += 1
        out += [text[pos:start], mask]
        pos = end
    out.append(text[pos:])
    return "".join(out)


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
