"""Run logs (`runs/*.log`): redacted like the journal on whole lines, even when a secret is split
between two reads, and capped in size with the cap said in the log."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests import test_run_cli
from tests.test_launch_process import SAFETY
from tests.test_run_cli import oncall
from tui.launch import Launch
from tui.launch.runlog import LOG_CAP, RunLog

home = test_run_cli.home  # the fixture: runbooks, config and journal in tmp_path

KEY = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzZ1pQ9k3mQfJw0Xy7Rr\nqP2bVb0vO3j8Kf5s0aTn\n"
       "-----END RSA PRIVATE KEY-----\n")


def write_in_pieces(log: RunLog, text: bytes, size: int) -> None:
    for start in range(0, len(text), size):
        log.write(text[start:start + size])
    log.close()


def test_a_secret_split_between_reads_is_still_redacted(tmp_path: Path) -> None:
    text = (b"connecting with password=hunter2-very-secret to db\n"
            b"token tok-123456789 printed\nAuthorization: Bearer abcdefghijklmnop\n" + KEY.encode()
            + b"last line without newline password=tail-secret")
    for size in (1, 3, 7, 64):
        path = tmp_path / f"run-{size}.log"
        log = RunLog.open(path, secrets=["tok-123456789"])
        assert log is not None
        write_in_pieces(log, text, size)
        saved = path.read_text()
        for secret in ("hunter2", "tok-123456789", "abcdefghijklmnop", "MIIEowIBAAKCAQEA", "qP2bVb0v",
                       "tail-secret"):
            assert secret not in saved, (size, saved)
        assert saved.startswith("connecting with password=[REDACTED] to db\n")
        assert "printed\n" in saved and saved.endswith("password=[REDACTED]")


def test_the_log_stops_at_its_cap_and_says_how_much_was_left_out(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    log = RunLog.open(path, cap=1000)
    assert log is not None
    line = b"x" * 99 + b"\n"
    write_in_pieces(log, line * 100, 250)
    lines = path.read_bytes().splitlines(keepends=True)
    kept = [piece for piece in lines if piece == line]
    assert len(kept) == 10 and lines[:10] == kept
    assert lines[10].decode().startswith("--- oncall: this log stops at its cap of 1,000 bytes;")
    assert lines[11].decode() == "--- oncall: 9,000 bytes of output were left out of this log after its cap of 1,000 bytes ---\n"
    assert len(lines) == 12


async def test_a_flood_of_output_keeps_a_log_of_the_cap(tmp_path: Path) -> None:
    flood = LOG_CAP + (8 << 20)
    code = f"import sys\nw=sys.stdout.buffer.write\nfor _ in range({flood // 4096}): w(b'y' * 4095 + b'\\n')"
    job = Launch([sys.executable, "-c", code], log_path=tmp_path / "runs" / "flood.log")
    result = await asyncio.wait_for(job.run(), SAFETY)
    assert result.exit_code == 0 and result.log_path == tmp_path / "runs" / "flood.log"
    size = result.log_path.stat().st_size
    assert LOG_CAP - 4096 < size < LOG_CAP + 1024
    with result.log_path.open("rb") as f:
        f.seek(size - 300)
        tail = f.read().decode()
    assert "this log stops at its cap of 16 MiB" in tail
    assert f"({flood - LOG_CAP:,} bytes) of output were left out" in tail


def test_oncall_run_keeps_its_token_and_printed_credentials_out_of_the_log(home, tmp_path: Path) -> None:
    token = "prom-token-5f3a9c1e"
    done = oncall({**home, "ONCALL_PROMETHEUS_TOKEN": token}, "cli-test", "echo",
                  "--param", f"value=token {token} and DB_PASSWORD=s3cr3t-pw")
    assert done.returncode == 0 and token in done.stdout  # the terminal shows what the command printed
    logs = list((tmp_path / "data" / "oncall" / "runs").glob("*.log"))
    assert len(logs) == 1
    saved = logs[0].read_text()
    assert token not in saved and "s3cr3t-pw" not in saved
    assert saved == "token [REDACTED] and DB_PASSWORD=[REDACTED]\n"
