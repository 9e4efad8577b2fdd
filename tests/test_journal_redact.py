"""Credentials never reach the journal: the patterns, and the bytes on disk."""

from __future__ import annotations

import json

import pytest

from tui.journal.redact import MASK, redact, redact_data

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7s3cr3t\nq1w2e3r4\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize("text, secret", [
    ("curl -H 'Authorization: Bearer eyJhbGciOi.abc123XYZ' http://svc", "eyJhbGciOi.abc123XYZ"),
    ("authorization: bearer 0123456789abcdef", "0123456789abcdef"),
    ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ("psql password=hunter2 host=db", "hunter2"),
    ("url?token=tok_live_123&page=2", "tok_live_123"),
    ("SECRET=shh-its-a-secret", "shh-its-a-secret"),
    ('{"password": "correct horse battery"}', "correct horse battery"),
    ("db_password: 'p@ss w0rd'", "p@ss w0rd"),
    ("api_key=AbCdEf0123456789", "AbCdEf0123456789"),
    ("kubectl --token=k8s-token-value get pods", "k8s-token-value"),
    ("vault login --password s3kr1t", "s3kr1t"),
    ("key id AKIAIOSFODNN7EXAMPLE in the log", "AKIAIOSFODNN7EXAMPLE"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    (f"AWS creds: {AWS_SECRET}", AWS_SECRET),
    (f"before\n{PRIVATE_KEY}\nafter", "MIIEowIBAAKCAQEA7s3cr3t"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE (output cut here)", "b3BlbnNzaC1rZXktdjE"),
    ("https://bob:pa55word@prometheus.example:9090/api/v1", "pa55word"),
    ("export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz012345", "sk-proj-abcdefghijklmnopqrstuvwxyz012345"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("slack xoxb-1234567890-abcdefghij", "xoxb-1234567890-abcdefghij"),
])
def test_credentials_are_redacted(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert "REDACTED" in out


def test_private_key_block_is_replaced_whole_and_text_around_it_kept() -> None:
    out = redact(f"before\n{PRIVATE_KEY}\nafter")
    assert out == "before\n[REDACTED PRIVATE KEY]\nafter"


def test_the_name_of_a_secret_stays_so_the_reader_knows_what_was_there() -> None:
    assert redact("password=hunter2") == f"password={MASK}"
    assert redact("https://bob:pw123456@host/x") == f"https://bob:{MASK}@host/x"


@pytest.mark.parametrize("text", [
    "max_tokens=512 temperature=0.2",
    "prompt_tokens: 1834, completion_tokens: 96",
    "the token validation failed after the deploy",
    "refusal_rate is 12.4%, above the 5% critical line",
    "kubectl rollout undo deployment/support-assistant -n ml-prod",
    "https://grafana.example/d/abc?orgId=1",
])
def test_ordinary_incident_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_known_secret_values_are_removed_verbatim() -> None:
    assert redact("header X-Thing: opaque-value-9", literals=["opaque-value-9"]) == f"header X-Thing: {MASK}"


def test_redact_data_walks_nested_data_and_secret_named_keys() -> None:
    data = {"argv": ["curl", "-H", "Authorization: Bearer abcdefgh12345678"],
            "env": {"DB_PASSWORD": "hunter2", "REGION": "eu-west-1"},
            "output": "ok password=swordfish", "exit": 0, "ratio": float("nan"), "tags": ("a", "b")}
    out = redact_data(data)
    dumped = json.dumps(out, allow_nan=False)  # also JSON-safe: NaN became null, the tuple a list
    for secret in ("abcdefgh12345678", "hunter2", "swordfish"):
        assert secret not in dumped
    assert out["env"]["REGION"] == "eu-west-1" and out["exit"] == 0 and out["tags"] == ["a", "b"]
    assert out["ratio"] is None
    assert data["env"]["DB_PASSWORD"] == "hunter2"  # the input is not modified


def test_nothing_secret_is_written_to_the_local_or_shared_journal(make_journal, journal_paths) -> None:
    journal = make_journal("alice", secrets=["prom-token-value-42"])
    inc = journal.new_incident("Outage; db password=titleSecret1")
    journal.add_event(inc.id, "command", "curl -H 'Authorization: Bearer bearerSecret99' http://svc/metrics",
                      {"output": f"{PRIVATE_KEY}\nAKIAIOSFODNN7EXAMPLE", "env": {"API_TOKEN": "tokenSecret77"},
                       "url": "http://admin:urlSecret55@svc"})
    journal.add_event(inc.id, "note", "the prometheus token prom-token-value-42 was in the config dump")
    journal.set_fields(inc.id, impact="users saw errors; aws_secret_access_key=" + AWS_SECRET,
                       params={"dsn": "postgres://app:paramSecret3@db/prod"})
    journal.add_action_item(inc.id, "Rotate secret=actionSecret8", "bob", "2026-12-01")
    assert journal.last_sync is not None and journal.last_sync.ok
    stored = journal_paths.local("alice").read_bytes() + journal_paths.shared.read_bytes()
    for secret in ("titleSecret1", "bearerSecret99", "MIIEowIBAAKCAQEA7s3cr3t", "AKIAIOSFODNN7EXAMPLE",
                   "tokenSecret77", "urlSecret55", "prom-token-value-42", AWS_SECRET, "paramSecret3",
                   "actionSecret8"):
        assert secret.encode() not in stored, secret
    assert b"REDACTED" in stored
    # and what is shown back is the redacted text too
    assert all("bearerSecret99" not in e.text for e in journal.events(inc.id))


def test_a_lone_surrogate_is_written_as_a_replacement_character(tmp_path) -> None:
    """A pasted lone surrogate cannot be encoded as UTF-8: the journal would fail to write the note."""
    from tui.config import Settings
    from tui.journal import open_journal

    settings = Settings(journal_path=tmp_path / "j.json", user="alice")
    with open_journal(settings, sync_on_write="off") as journal:
        incident = journal.new_incident("Outage")
        event = journal.add_event(incident.id, "note", "broken \ud800 paste", {"out": "x\udfffy"})
    assert event.text == "broken \ufffd paste" and event.data["out"] == "x\ufffdy"
    assert "\ufffd" in (tmp_path / "j.json").read_text(encoding="utf-8")
