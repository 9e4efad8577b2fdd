"""The redactor's patterns: detect-secrets' plugins with their own examples, the supplement for what
they miss in shell lines and HTTP dumps, and incident text that must stay as it is."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.journal.redact import KEY_MASK, MASK, redact

# Example strings from detect-secrets' own test suite (github.com/Yelp/detect-secrets, tests/plugins/).
DETECT_SECRETS_EXAMPLES = [
    ("StripeDetector", "sk_live_ReTllpYQYfIZu2Jnf2lAPFjD"),
    ("StripeDetector", "rk_live_5TcWfjKmJgpql9hjpRnwRXbT"),
    ("SlackDetector", "xoxp-523423-234243-234233-e039d02840a0b9379c"),
    ("SlackDetector", "xoxb-34532454-e039d02840a0b9379c"),
    ("SlackDetector", "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c"),
    ("SlackDetector", "https://hooks.slack.com/services/Txxxxxxxx/Bxxxxxxxx/xxxxxxxxxxxxxxxxxxxxxxxx"),
    ("AWSKeyDetector", "AKIAZZZZZZZZZZZZZZZZ"),
    ("BasicAuthDetector", "https://username:password@yelp.com"),
    ("JwtTokenDetector", ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"
                          "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")),
    ("GitHubTokenDetector", "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"),
    ("GitLabTokenDetector", "glpat-hellOworld380_testin"),
    ("GitLabTokenDetector", "gldt-HwllOuhfw-wu0rlD_yep"),
    ("GitLabTokenDetector", "glsoat-PREfix_helloworld380_testin_pretty_long_token_long"),
    ("TwilioKeyDetector", "SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("TwilioKeyDetector", "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("NpmDetector", "//registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002"),
    ("DiscordBotTokenDetector", "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"),
    ("SendGridDetector", "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"),
    ("TelegramBotTokenDetector", "bot110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw"),
    ("MailchimpDetector", "343ea45721923ed956e2b38c31db76aa-us30"),
    ("SquareOAuthDetector", "square_oauth = sq0csp-ABCDEFGHIJK_LMNOPQRSTUVWXYZ-0123456789\\abcd"),
    ("OpenAIDetector", "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"),
    ("ArtifactoryDetector", "artifactory = AP6xxxxxxxxxx"),
    ("ArtifactoryDetector", "X-JFrog-Art-Api: AKCxxxxxxxxxx"),
]


def _plugin(name: str):
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    return next(cls for cls in get_mapping_from_secret_type_to_class().values() if cls.__name__ == name)()


@pytest.mark.parametrize("plugin, line", DETECT_SECRETS_EXAMPLES)
def test_what_detect_secrets_finds_in_its_own_examples_is_redacted(plugin: str, line: str) -> None:
    found = [value for value in _plugin(plugin).analyze_string(line) if value]
    assert found, f"detect-secrets' {plugin} no longer flags its example"
    out = redact(f"output: {line} (end)")
    assert MASK in out and out.startswith("output: ") and out.endswith(" (end)")
    for value in found:
        assert value not in out


AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret access key


@pytest.mark.parametrize("text, secret", [
    ("export DB_PASS=hunter2xyz", "hunter2xyz"),
    ("export GRAFANA_TOKEN=glsa_abc123", "glsa_abc123"),
    ("X_SECRET='two words'", "two words"),
    ("mysql -uroot -phunter2 -h db prod", "hunter2"),
    ("mysqldump -h db -P3306 -u app -p'my pw' shop", "my pw"),
    ("curl --password=xyz123 -s http://svc", "xyz123"),
    ("vault login --token s.abcdef0123 -method=token", "s.abcdef0123"),
    ("curl -H 'Cookie: session=abc123; csrf=xyz789' http://svc", "session=abc123; csrf=xyz789"),
    ("< Set-Cookie: sid=38afes7a8; HttpOnly; Path=/", "sid=38afes7a8"),
    ('{"Authorization": "Bearer abcdef123456"}', "abcdef123456"),
    ("Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201", "Credential=AKIDEXAMPLE"),
    ("https://bob:pw@prometheus.example:9090/api/v1", "pw"),
    ("git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r", "ghp_abcdefghij"),
    ("sk_live_" + "a1B2c3D4" * 12, "a1B2c3D4" * 3),  # a live key longer than the scanner's 24 characters
    ("rk_live_5TcWfjKmJgpql9hjpRnwRXbT", "5TcWfjKmJgpql9hjpRnwRXbT"),
    ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
    ("slack token xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"),
    ("xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4OTAxMjMtNDU2Nzg5", "Mi0yLTEyMzQ1Njc4OTAxMjMtNDU2Nzg5"),
    ("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EXTRA", "EXTRA"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH", "abcdefghijklmnop"),
    ("key id AKIAIOSFODNN7EXAMPLE in the log", "AKIAIOSFODNN7EXAMPLE"),
    ("role ASIAY34FZKBOKMUTVV7A assumed", "ASIAY34FZKBOKMUTVV7A"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    (f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
    (f'"SecretAccessKey": "{AWS_SECRET}"', AWS_SECRET),
    ('the_password= "{{h}o)p${e]nob(ody[finds>-_$#thisone}}"', "thisone"),  # detect-secrets' keyword example
    ('some_dict["secret"] = "hopenobodyfindsthisone"', "hopenobodyfindsthisone"),
])
def test_the_supplement_catches_what_the_scanner_misses(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize("block", [
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7s3cr3t\nq1w2e3r4\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----",
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF8AAAAB\n-----END PGP PRIVATE KEY BLOCK-----",
    "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPrivate-Lines: 1\nAAAAgQCkeyLines\nPrivate-MAC: 8f2e1b",
])
def test_a_private_key_is_replaced_from_its_first_line_to_its_last(block: str) -> None:
    body = block.splitlines()[-2]
    out = redact(f"cat id_key\n{block}\n$ next command")
    assert out == f"cat id_key\n{KEY_MASK}\n$ next command"
    assert body not in out


def test_a_key_longer_than_the_scanners_window_is_redacted_whole() -> None:
    jwt_tail = "x" * 3000
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." + jwt_tail
    out = redact("a" * 900 + " " + token + " done")
    assert jwt_tail[:50] not in out and out.endswith(f" {MASK} done")


@pytest.mark.parametrize("text", [
    "p99 latency is 2.3s, p50 0.4s",
    "kubectl -n prod rollout status deploy/api",
    "docker run -p 8080:80 -e MODE=canary img:1.2",
    "ssh -p 2222 ops@bastion",
    "commit 3f806f11e56f2ed4695c39cd6e55ba87a48c66b7 reverted",
    "image sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "model gpt-4o-mini and llama-3.1-70b-instruct, claude-3-5-sonnet-20241022",
    "bypass=true compass: north passenger=12",
    "bearer authentication failed for 3 clients",
    "ssh://git@github.com/org/repo.git",
    "APACHEKAFKA broker 3 is down; APAC traffic shifted",
    "node 10.0.0.12 and 8.8.8.8 unreachable",
    "mysql -h db -P 3306 -u app shop",
    "max_tokens=512 temperature=0.2 top_p=0.9",
    "request_id=01HF3Z8Q2K9V7X5N4M6B1C0D2E path=/v1/chat status=200",
    "https://grafana.example/d/abc?orgId=1&from=now-1h",
])
def test_ordinary_incident_text_is_not_redacted(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize("text", [
    "export DB_PASS=hunter2xyz and Cookie: a=b",
    "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----",
    "https://u:p@h/ AKIAZZZZZZZZZZZZZZZZ --token t0k3n",
])
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_detect_secrets_is_imported_only_when_something_is_redacted() -> None:
    code = ("import sys, tui.journal, tui.journal.redact as r\n"
            "before = 'detect_secrets' in sys.modules\n"
            "r.redact('export DB_PASS=x1')\n"
            "print(before, 'detect_secrets' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "True"], result.stderr


SECRETS_IN_CONTEXT = [
    ("export DB_PASS=hunter2xyz", "hunter2xyz"),
    ("mysql -uroot -phunter2xyz db", "hunter2xyz"),
    ("Cookie: session=abc123xyz", "abc123xyz"),
    ("https://bob:pa55word@db.example/x", "pa55word"),
    ("sk_live_ReTllpYQYfIZu2Jnf2lAPFjD", "ReTllpYQYfIZu2Jnf2lAPFjD"),
    ("AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (f"aws_secret_access_key={AWS_SECRET}", AWS_SECRET),
    ("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", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"),
]


@settings(max_examples=150, deadline=None)
@given(prefix=st.text(max_size=300), suffix=st.text(max_size=300), pick=st.sampled_from(SECRETS_IN_CONTEXT))
def test_a_secret_on_its_own_line_is_redacted_whatever_surrounds_it(prefix: str, suffix: str,
                                                                    pick: tuple[str, str]) -> None:
    line, secret = pick
    out = redact(f"{prefix}\n{line}\n{suffix}")
    assert secret not in out or secret in prefix + suffix
    assert redact(out) == out
