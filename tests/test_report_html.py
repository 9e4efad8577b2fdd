"""The HTML report: one self-contained page, outside text kept as text (in the page and in its SVG), and
rendered by a real browser (headless Chromium) into a picture that is not blank."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

from tests.fixtures.browser import render_png
from tests.fixtures.servers import require_binaries
from tui.report.build import Written, assemble, write_report
from tui.report.impact import Curve, Span, measure
from tui.runbook.model import Command, Metric, Runbook

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
HOSTILE = '<script>alert(1)</script> & "x" \x1b]0;pwned\x07'
METRIC = Metric("error_ratio", f"Errors {HOSTILE}", "q", unit="percent-ratio", warn=0.02, crit=0.05)
RUNBOOK = Runbook("checkout", "Checkout", 1, "s", "infrastructure", "high", "a", {},
                  commands={"rollback": Command("rollback", f"Roll back {HOSTILE}", run=("echo",), danger=True)})


def _ms(minutes: float) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


def _incident(make_journal):
    clock = {"m": 10.0}
    journal = make_journal("alice", shared=False, now_ms=lambda: _ms(clock["m"]))
    inc = journal.new_incident(f"Checkout {HOSTILE}", runbook="checkout", alert="CheckoutErrors")
    clock["m"] = 11
    journal.note(inc.id, f"saw <img src=x onerror=alert(1)> in the logs {HOSTILE}")
    clock["m"] = 20
    journal.add_event(inc.id, "command", "ran rollback", {"command": "rollback", "runbook": "checkout", "danger": True,
                                                          "status": "ok", "exit_code": 0, "display": f"echo {HOSTILE}"})
    clock["m"] = 21
    journal.set_fields(inc.id, status="contained", impact=f"checkout failed for 1 in 7 {HOSTILE}")
    clock["m"] = 30
    journal.set_fields(inc.id, status="resolved")
    values = [0.005] * 5 + [0.15] * 15 + [0.15 * 0.7 ** i for i in range(1, 12)] + [0.005] * 10
    curve = Curve(METRIC, "checkout", "q", tuple((_ms(i) / 1000, v) for i, v in enumerate(values)))
    now = _ms(45) / 1000
    incident = journal.incident(inc.id)
    impact = measure(incident, [curve], Span(_ms(0) / 1000, now), now)
    return assemble(journal, incident, (RUNBOOK,), impact, now)


def test_the_page_is_self_contained_and_outside_text_stays_text(make_journal, tmp_path: Path) -> None:
    report = _incident(make_journal)
    html = report.html()
    assert "<script" not in html and "<img" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "\x1b" not in html and "\x07" not in html
    assert html.count("<svg ") == 1 and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    svg = report.svgs["checkout.error_ratio"][1]
    root = ElementTree.fromstring(svg)  # well-formed XML: the hostile title is text inside it
    texts = "".join(root.itertext())
    assert "Errors <script>alert(1)</script>" in texts and "␛]0;pwned␇" in texts
    written = write_report(report, "html", tmp_path / "a" / "b" / "page.html")
    assert written == Written(tmp_path / "a" / "b" / "page.html", "html", 1, measured=True)
    assert written.sentence == f"Wrote the report as one HTML page to {written.path} with 1 chart inline."


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the raw (filtered) scanlines of a PNG: enough to tell a blank picture."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_chromium_renders_the_page_into_a_picture_with_the_chart(make_journal, tmp_path: Path) -> None:
    require_binaries("chromium")
    report = _incident(make_journal)
    page = tmp_path / "report.html"
    write_report(report, "html", page)
    png = tmp_path / "report.png"
    done = render_png(page, png, (1000, 2400))
    assert png.exists(), done.stderr[-2000:]
    width, height, pixels = _png_pixels(png.read_bytes())
    assert (width, height) == (1000, 2400)
    assert png.stat().st_size > 40_000  # text, tables and a chart: far more than a blank page compresses to
    assert len(set(pixels)) > 64  # many shades: text and colour, not one flat fill
    non_white = sum(1 for b in pixels if b < 200) / len(pixels)
    assert non_white > 0.01, non_white
    assert re.search(r"<h2>Impact</h2>", page.read_text())
