"""Shared test set-up. Fixture modules live in tests/fixtures/ and are listed here."""

pytest_plugins = [
    "tests.fixtures.isolation",
    "tests.fixtures.servers",
    "tests.fixtures.fault_server",
    "tests.fixtures.journal",
    "tests.fixtures.receiver",
    "tests.fixtures.incidents",
]
