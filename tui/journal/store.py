"""The local journal: TinyDB on a durable, append-only JSON-lines log.

TinyDB's own JSONStorage rewrites the whole file on every insert and truncates it
in place (slow at 10,000 events, and a kill can leave it unparsable). This storage
instead appends one line per changed document and fsyncs before it returns, so an
acknowledged write survives a crash, and an append costs the same at 10 events
or 10,000.

File format: a header line, then records, one JSON object a line:
    {"t": TABLE, "k": KEY, "d": DOC}     put DOC under KEY (replacing any older one)
    {"t": TABLE, "k": KEY, "del": true}  delete KEY
Replaying the records in order gives the database.

Several processes may share one local journal (the app and `oncall run
--incident`). Appends need no lock: one O_APPEND write per batch lands whole and
is never interleaved with another on a local filesystem. The file lock guards the
rest: creating the file, read-modify-write of a document, and compaction (which
rewrites the log atomically and copies over anything appended meanwhile; an
appender that finds the file renamed under it appends again to the new one).
A crash can leave a torn last line; it is never acknowledged, readers skip it,
and a record glued to it by a later append is recovered.

TinyDB is used through its public extension points only: `LogStorage` is a
`Storage` subclass (read/write/close), `LogTable` overrides the public
insert methods so an insert appends one record instead of handing the whole
database to write(). TinyDB's storage interface is whole-database, so read()
hands out copies (a TinyDB query on 10,000 events copies them; the journal's
own reads use `view()`, which does not) and write() persists only the
documents that differ from that read. Two processes updating the same
document through TinyDB at once: the later write wins, as with any TinyDB
storage; the journal's own read-modify-writes hold `transaction()`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from tui.atomic import atomic_write, fsync_dir, not_a_file
from tui.errors import OncallError

HEADER = {"format": "oncall-journal-log", "version": 1}
_RECORD_START = '{"t":'
_DOC_START = ',"d":'  # cannot occur inside a JSON string (its quote would be escaped)
_HEADER_LINE = json.dumps(HEADER).encode() + b"\n"
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

StampOf = Callable[[str, Mapping[str, Any]], str | None]

Tables = dict[str, dict[str, dict[str, Any]]]
_Op = tuple[str, str, "dict[str, Any] | None", "str | None"]  # table, key, document (None: delete), its JSON


def encode_doc(doc: Mapping[str, Any]) -> str:
    return _encode(doc)


def record_put(table: str, key: str, encoded_doc: str) -> str:
    return '{"t":' + _encode(table) + ',"k":' + _encode(key) + _DOC_START + encoded_doc + "}\n"


def record_delete(table: str, key: str) -> str:
    return '{"t":' + _encode(table) + ',"k":' + _encode(key) + ',"del":true}\n'


def _as_record(obj: Any) -> dict[str, Any] | None:
    if (isinstance(obj, dict) and isinstance(obj.get("t"), str) and isinstance(obj.get("k"), str)
            and (isinstance(obj.get("d"), dict) or obj.get("del") is True)):
        return obj
    return None


def parse_line(raw: str) -> tuple[dict[str, Any] | None, int]:
    """The record in one line and where it starts; (None, 0) when the line is garbage.

    A torn line (a crash mid-write) followed by a later append reads as
    `<fragment><record>`: the record is recovered from its last well-formed start.
    """
    try:
        rec = _as_record(json.loads(raw))
        if rec is not None:
            return rec, 0
    except ValueError:
        pass
    pos = len(raw)
    while (pos := raw.rfind(_RECORD_START, 0, pos)) > 0:
        try:
            rec = _as_record(json.loads(raw[pos:]))
        except ValueError:
            continue
        if rec is not None:
            return rec, pos
    return None, 0


_READ_BLOCK = 4 << 20
_NO_DATA: dict[str, Any] = {}  # every event without data shares this one (documents are never mutated)
_SHARED_VALUES = ("author", "kind", "incident_id")
# Events are most of a journal: keeping each one's JSON too would add a third to a long incident's memory,
# and re-encoding them when the shared file is written costs less than that.
_UNCACHED = frozenset({"events"})


class ForeignFileError(OncallError):
    pass


class LogStorage(Storage):
    """A TinyDB storage on an append-only log. Thread-safe; safe across processes on one machine."""

    def __init__(self, path: str | os.PathLike[str], *, stamp_of: StampOf | None = None,
                 lock_timeout: float = 15.0, compact_min_garbage: int = 1000) -> None:
        self.path = Path(path)
        self._stamp_of = stamp_of
        self._mutex = threading.RLock()
        self._flock = FileLock(str(self.path) + ".lock", timeout=lock_timeout, thread_local=False)
        self._tables: Tables = {}
        self._encoded: dict[str, dict[str, str]] = {}  # each live document's JSON, reused by sync
        self._ino = -1
        self._offset = 0  # bytes of complete lines already applied
        self._records = 0  # record lines in the file (live or superseded), for compaction
        self._fd = -1
        self._fd_ino = -1
        self._handed = threading.local()  # per thread: the documents the last read() handed to TinyDB
        self.skipped = 0  # garbage lines seen (torn writes); informative
        self.max_stamp = ""
        self.generation = 0  # bumps whenever the data changes; lets callers cache derived views
        # Bumps when documents may have gone or been reordered (a reload, a removal): until it does, a table
        # only grows, and its new keys come last, so a derived view can take in just the tail.
        self.epoch = 0
        self._compact_min_garbage = compact_min_garbage
        self._open()

    # ---- locking -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            try:
                self._flock.acquire()
            except Timeout:
                raise OncallError(f"The journal {self.path} stayed locked for {self._flock.timeout:.0f} s by another "
                                  "oncall process; close it or try again.") from None
            except OSError as exc:
                raise self._os_error(exc, "lock") from None
            try:
                yield
            finally:
                self._flock.release()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock across a read-modify-write (after catching up with other processes)."""
        with self._locked():
            self._catch_up()
            yield

    def _os_error(self, exc: OSError, action: str) -> OncallError:
        return OncallError(f"Cannot {action} the journal {self.path}: {exc.strerror or exc}; "
                           "check the disk, or point --journal or ONCALL_JOURNAL elsewhere.")

    # ---- opening, reading and catching up ------------------------------------------------

    def _open(self) -> None:
        try:
            kind = not_a_file(os.stat(self.path).st_mode)
        except OSError:
            kind = None
        if kind:  # never read a FIFO or /dev/zero, never replace a device node (nor lock beside it)
            raise ForeignFileError(f"The journal {self.path} is {kind}, not a file; point --journal or "
                                   "ONCALL_JOURNAL at a file.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._os_error(exc, "create the folder of") from None
        with self._locked():
            try:
                size = os.stat(self.path).st_size
            except FileNotFoundError:
                size = 0
            except OSError as exc:
                raise self._os_error(exc, "open") from None
            if size == 0:
                try:
                    atomic_write(self.path, _HEADER_LINE)
                except OSError as exc:
                    raise self._os_error(exc, "create") from None
            self._reload()
            self._reopen_append()
            if os.fstat(self._fd).st_size > self._offset:  # a torn last line: end it so appends start clean
                self._write_all(b"\n")
            if self._records - self._live() > max(self._compact_min_garbage, self._live()):
                self._compact_locked()

    def _live(self) -> int:
        return sum(len(t) for t in self._tables.values())

    def _reopen_append(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise self._os_error(exc, "open") from None
        self._fd_ino = os.fstat(self._fd).st_ino

    def _reload(self) -> None:
        """Read the whole log again, a block at a time: a 100,000-event log is never held, nor decoded, whole."""
        try:
            with open(self.path, "rb") as fh:
                ino = os.fstat(fh.fileno()).st_ino
                data = fh.read(_READ_BLOCK)
                first_end = data.find(b"\n")
                if data:
                    self._check_header(data[:first_end] if first_end >= 0 else None)
                self._tables = {}
                self._encoded = {}
                self._records = 0
                self.max_stamp = ""
                self._ino = ino
                offset = first_end + 1 if first_end >= 0 else 0
                data = data[offset:]
                while True:
                    used = self._apply_chunk(data)
                    offset += used
                    more = fh.read(_READ_BLOCK)
                    if not more:
                        break
                    data = data[used:] + more
        except OSError as exc:
            raise self._os_error(exc, "read") from None
        self._offset = offset
        self.generation += 1
        self.epoch += 1

    def _check_header(self, line: bytes | None) -> None:
        try:
            head = json.loads(line) if line is not None else None
        except ValueError:
            head = None
        if not isinstance(head, dict) or head.get("format") != HEADER["format"]:
            raise ForeignFileError(f"{self.path} is not an oncall journal; move it away or point "
                                   "--journal or ONCALL_JOURNAL at another file.")
        if not isinstance(head.get("version"), int) or head["version"] > HEADER["version"]:
            raise ForeignFileError(f"{self.path} was written by a newer oncall; upgrade oncall to open it.")

    def _catch_up(self) -> None:
        """Apply what other processes appended since we last looked (a stat when nothing changed)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise OncallError(f"The journal {self.path} was deleted while in use; "
                              "restart oncall to start a new one.") from None
        except OSError as exc:
            raise self._os_error(exc, "read") from None
        if st.st_ino != self._ino:
            self._reload()
            return
        if st.st_size <= self._offset:
            return
        try:
            with open(self.path, "rb") as fh:
                if os.fstat(fh.fileno()).st_ino != self._ino:  # compacted between stat and open
                    self._reload()
                    return
                fh.seek(self._offset)
                chunk = fh.read()
        except OSError as exc:
            raise self._os_error(exc, "read") from None
        used = self._apply_chunk(chunk)
        if used:
            self._offset += used
            self.generation += 1

    def _apply_chunk(self, chunk: bytes) -> int:
        """Apply the complete lines of `chunk`; returns the bytes used (a trailing partial line is left)."""
        end = chunk.rfind(b"\n")
        if end < 0:
            return 0
        for raw in chunk[:end].decode("utf-8", errors="replace").split("\n"):
            if not raw.strip():
                continue
            rec, start = parse_line(raw)
            if rec is None:
                self.skipped += 1
                continue
            self._records += 1
            if rec.get("del"):
                self._apply(rec["t"], rec["k"], None, None)
                continue
            at = raw.find(_DOC_START, start)  # our writer puts "d" last, so the rest of the line is the document
            encoded = raw[at + len(_DOC_START):-1] if at > 0 and raw.endswith("}") else None
            doc, key = rec["d"], rec["k"]
            if isinstance(doc, dict):
                # json makes new key strings for every line: share them (a third of a big journal's memory)
                doc = {sys.intern(k): v for k, v in doc.items()}
                if doc.get("id") == key:
                    key = doc["id"]  # one string for the key and the id
                if doc.get("data") == {}:
                    doc["data"] = _NO_DATA
            self._apply(rec["t"], key, doc, encoded)
        return end + 1

    def _apply(self, table: str, key: str, doc: dict[str, Any] | None, encoded: str | None) -> None:
        docs = self._tables.setdefault(table, {})
        encs = self._encoded.setdefault(table, {})
        if doc is None:
            if docs.pop(key, None) is not None:
                self.epoch += 1
            encs.pop(key, None)
            return
        if table == "events":  # the same few names on every event: one string each, not one per event
            for name in _SHARED_VALUES:
                value = doc.get(name)
                if type(value) is str:
                    doc[name] = sys.intern(value)
        docs[key] = doc
        if encoded is None or table in _UNCACHED:
            encs.pop(key, None)
        else:
            encs[key] = encoded
        if self._stamp_of is not None:
            stamp = self._stamp_of(table, doc)
            if stamp and stamp > self.max_stamp:
                self.max_stamp = stamp

    # ---- TinyDB's storage interface ------------------------------------------------------

    def read(self) -> Tables | None:
        """The whole database as copies TinyDB may change; write() then persists only what it changed."""
        with self._mutex:
            self._catch_up()
            handed = {name: dict(table) for name, table in self._tables.items()}  # our documents are never mutated
            self._handed.tables = handed
            return {name: {k: self._copy(name, k, d) for k, d in table.items()} for name, table in handed.items()}

    def _copy(self, table: str, key: str, doc: dict[str, Any]) -> dict[str, Any]:
        encoded = self._encoded.get(table, {}).get(key)
        return json.loads(encoded) if encoded is not None else copy.deepcopy(doc)  # loads: the faster deep copy

    def write(self, data: Tables) -> None:
        """Persist what TinyDB changed in `data` since the read() it came from (it hands over the whole database).

        Diffing against that read, not against the newest state, means a document another process
        changed in between is not written back stale; a document both changed: the later write wins.
        """
        base: Tables | None = getattr(self._handed, "tables", None)
        self._handed.tables = None
        with self.transaction():
            live = self._tables
            ref = live if base is None else base
            ops: list[_Op] = []
            for name, table in data.items():
                old = ref.get(name, {})
                for key, doc in table.items():
                    if old.get(str(key)) != doc:
                        doc = copy.deepcopy(dict(doc))
                        ops.append((name, str(key), doc, encode_doc(doc)))
                gone = old.keys() - {str(k) for k in table}
                ops.extend((name, k, None, None) for k in gone if k in live.get(name, {}))
            for name in ref.keys() - data.keys():
                ops.extend((name, k, None, None) for k in ref[name] if k in live.get(name, {}))
            self._commit(ops)

    def close(self) -> None:
        with self._mutex:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    # ---- the fast path -------------------------------------------------------------------

    def view(self, table: str) -> dict[str, dict[str, Any]]:
        """A snapshot of `table` after catching up: key -> document (documents are shared: never mutate them)."""
        with self._mutex:
            self._catch_up()
            return dict(self._tables.get(table, {}))

    def refresh(self) -> int:
        """Catch up with other processes; returns the generation (it changes whenever the data does)."""
        with self._mutex:
            self._catch_up()
            return self.generation

    def encoded(self, table: str, key: str) -> str | None:
        """The JSON of a stored document as it is on disk (None if not at hand): saves sync re-encoding it."""
        return self._encoded.get(table, {}).get(key)

    def put(self, table: str, items: Iterable[tuple[str, Mapping[str, Any]]],
            encoded: Iterable[str] | None = None) -> None:
        """Store documents by key: one write and one fsync for the batch, no lock. Durable on return.

        The store keeps the documents it is given: callers must not change them afterwards.
        `encoded`, when given, is each document's JSON (from the shared file), used as is.
        """
        items = list(items)
        if not items:
            return
        encs = list(encoded) if encoded is not None else [encode_doc(d) for _, d in items]
        self._commit([(table, str(k), d if isinstance(d, dict) else dict(d), e) for (k, d), e in zip(items, encs)])

    def delete(self, table: str, keys: Iterable[str]) -> None:
        """Remove documents by key: one write and one fsync. Durable on return."""
        self._commit([(table, str(k), None, None) for k in keys])

    def rescan_stamps(self) -> str:
        """Recompute `max_stamp` from the live documents (after entries were removed); returns it."""
        with self._mutex:
            self.max_stamp = ""
            if self._stamp_of is not None:
                for name, table in self._tables.items():
                    for doc in table.values():
                        stamp = self._stamp_of(name, doc)
                        if stamp and stamp > self.max_stamp:
                            self.max_stamp = stamp
            return self.max_stamp

    def _commit(self, ops: list[_Op]) -> None:
        """Append the records for `ops` (put when a document is given, delete otherwise) and fsync."""
        if not ops:
            return
        data = "".join(record_put(t, k, e) if d is not None else record_delete(t, k)  # type: ignore[arg-type]
                       for t, k, d, e in ops).encode()
        with self._mutex:
            if self._fd < 0:
                raise OncallError(f"The journal {self.path} is closed; open it again.")
            before = self._offset
            clean = os.fstat(self._fd).st_size == before  # else another process wrote: read it all back after
            self._write_all(data)
            # A compaction may have renamed a new log into place while we wrote: append again there.
            while True:
                try:
                    ino = os.stat(self.path).st_ino
                except OSError as exc:
                    raise self._os_error(exc, "write") from None
                if ino == self._fd_ino:
                    break
                self._reopen_append()
                self._write_all(data)
                clean = False
            if clean and os.fstat(self._fd).st_size == before + len(data):
                # Nobody else wrote in between: apply our own records without reading them back.
                for t, k, d, e in ops:
                    self._apply(t, k, d, e)
                self._records += len(ops)
                self._offset += len(data)
                self.generation += 1
            else:
                self._catch_up()

    def _write_all(self, data: bytes) -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
        except OSError as exc:
            raise self._os_error(exc, "write to") from None

    # ---- compaction ----------------------------------------------------------------------

    def compact(self) -> None:
        """Rewrite the log with one line per live document (atomically), dropping superseded ones."""
        with self._locked():
            self._catch_up()
            self._compact_locked()

    def _compact_locked(self) -> None:
        try:
            old = open(self.path, "rb")  # noqa: SIM115 - only the open's OSError means "cannot read"; `with old` closes it
        except OSError as exc:
            raise self._os_error(exc, "read") from None
        with old:
            if os.fstat(old.fileno()).st_ino != self._ino:
                self._reload()
            body: list[str] = []
            for name, table in self._tables.items():
                encs = self._encoded.get(name, {})
                body.extend(record_put(name, k, encs.get(k) or encode_doc(d)) for k, d in table.items())
            try:
                atomic_write(self.path, _HEADER_LINE + "".join(body).encode())
            except OSError as exc:
                raise self._os_error(exc, "compact") from None
            # Lock-free appenders may have written to the old file after we read it; carry that over.
            old.seek(self._offset)
            tail = old.read()
        end = tail.rfind(b"\n")
        self._reopen_append()
        if end >= 0:
            self._write_all(tail[:end + 1])
        fsync_dir(self.path.parent)
        self._reload()


class LogTable(Table):
    """A TinyDB table whose documents are keyed by their own "id" and whose inserts append, not rewrite.

    Only public TinyDB API is overridden (insert, insert_multiple, and the documented `document_id_class`);
    updates and removals go through TinyDB's own code, which reads the whole database from the storage and
    writes it back: LogStorage.write turns that into appended records for the documents that changed.
    """

    document_id_class = str  # type: ignore[assignment]

    def insert(self, document: Mapping[str, Any]) -> str:  # type: ignore[override]
        return self.insert_multiple([document])[0]

    def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[str]:  # type: ignore[override]
        items: list[tuple[str, Mapping[str, Any]]] = []
        for doc in documents:
            if not isinstance(doc, Mapping):
                raise ValueError("Document is not a Mapping")
            # Counting ids up (TinyDB's way) would collide between processes; a random id cannot.
            key = doc.doc_id if isinstance(doc, Document) else doc.get("id") or os.urandom(8).hex()
            items.append((str(key), copy.deepcopy(dict(doc))))
        storage = self.storage
        if not isinstance(storage, LogStorage):
            raise TypeError("LogTable needs a LogStorage")
        storage.put(self.name, items)
        self.clear_cache()
        return [k for k, _ in items]


class LogDB(TinyDB):
    table_class = LogTable
    default_table_name = "events"

    def table(self, name: str, **kwargs: Any) -> Table:
        # Another process may write at any time, so TinyDB's per-table query cache would go stale.
        kwargs.setdefault("cache_size", 0)
        return super().table(name, **kwargs)
