"""One HTTP request within bounds, for the Prometheus and Alertmanager clients.

- One deadline covers the whole request: the wait for a pooled connection,
  connecting, the headers and every byte of the body. httpx's own timeout is per
  read, so a server dripping one byte a second would otherwise hold oncall forever.
- The body is read as it streams and capped twice: at most MAX_COMPRESSED_BYTES
  as sent when it is compressed, at most MAX_BODY_BYTES once decoded (an
  uncompressed body is capped at MAX_BODY_BYTES as sent). oncall decompresses
  gzip/deflate itself, a bounded piece at a time, so a gzip bomb stops at the cap
  instead of inflating a whole chunk first.
- A reply that breaks a bound is a `ReplyFault` whose `reason` the client puts in
  its own sentence; a timeout is the builtin `TimeoutError`.
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from typing import Any

import httpx

MIB = 1024 * 1024
MAX_COMPRESSED_BYTES = 8 * MIB
# 5,000 series x 120 points of range data is ~20 MB of JSON; more than this is not one screen's worth.
MAX_BODY_BYTES = 32 * MIB
# Only what this module can decode itself with a bounded output (no brotli or zstd, even if installed).
ACCEPT_ENCODING = "gzip, deflate"
_GZIP_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + zlib.MAX_WBITS}
# Inflated a piece at a time, so even a bomb's first chunk never holds much more than the cap in memory.
_INFLATE_PIECE = 1 * MIB
# Bodies larger than this are parsed off the event loop (tui.metrics.offload); smaller ones cost less than that.
OFFLOAD_BYTES = 64 * 1024


class ReplyFault(Exception):
    """The reply cannot be used; `reason` completes "sent a reply …" in the client's sentence."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


def too_large_reason() -> str:
    return (f"larger than {MAX_BODY_BYTES // MIB} MiB ({MAX_COMPRESSED_BYTES // MIB} MiB compressed), "
            "which oncall does not read")


@dataclass(frozen=True)
class Reply:
    status: int
    reason: str
    body: bytes  # decoded; b"" for an error status whose body broke a bound (the status says enough)


async def fetch(http: httpx.AsyncClient, method: str, url: str, *, deadline: float, **options: Any) -> Reply:
    """One request, all of it within `deadline` seconds; raises TimeoutError, httpx.HTTPError or ReplyFault."""
    async with asyncio.timeout(deadline):
        request = http.build_request(method, url, **options)
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        response = await http.send(request, stream=True)
        try:
            try:
                body = await read_body(response)
            except ReplyFault:
                if response.status_code < 400:
                    raise
                body = b""
        finally:
            await response.aclose()
        return Reply(response.status_code, response.reason_phrase, body)


def _declared_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


async def read_body(response: httpx.Response) -> bytes:
    """The decoded body, never more than the caps in memory."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower() or "identity"
    if encoding != "identity" and encoding not in _GZIP_WBITS:
        raise ReplyFault(f"in an encoding oncall does not decode ({encoding[:40]})")
    inflater = zlib.decompressobj(_GZIP_WBITS[encoding]) if encoding in _GZIP_WBITS else None
    wire_cap = MAX_COMPRESSED_BYTES if inflater is not None else MAX_BODY_BYTES
    declared = _declared_length(response)
    if declared is not None and declared > wire_cap:
        raise ReplyFault(too_large_reason(), too_large=True)
    body = bytearray()
    wire = 0
    async for chunk in response.aiter_raw():
        wire += len(chunk)
        if wire > wire_cap:
            raise ReplyFault(too_large_reason(), too_large=True)
        if inflater is None:
            body += chunk
        else:
            _inflate(inflater, chunk, body)
    if inflater is not None and wire:
        body += inflater.flush()
        if len(body) > MAX_BODY_BYTES:
            raise ReplyFault(too_large_reason(), too_large=True)
        if not inflater.eof:
            raise ReplyFault("compressed, and cut off before its end")
    return bytes(body)


def _inflate(inflater: Any, data: bytes, body: bytearray) -> None:
    """Append what `data` inflates to, asking zlib for a piece at a time and never past the cap's next byte."""
    try:
        while data and not inflater.eof:
            piece = inflater.decompress(data, min(_INFLATE_PIECE, MAX_BODY_BYTES - len(body) + 1))  # always >= 1
            body += piece
            if len(body) > MAX_BODY_BYTES:
                raise ReplyFault(too_large_reason(), too_large=True)
            if not piece and len(inflater.unconsumed_tail) == len(data):
                break  # no progress: nothing more will come out of this input
            data = inflater.unconsumed_tail
    except zlib.error:
        raise ReplyFault("compressed, but not in valid gzip or deflate") from None
