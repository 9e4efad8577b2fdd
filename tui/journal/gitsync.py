"""Sync through a git remote: the journal travels as files in a repository every responder can push to.

`--shared git+file:///srv/ir.git` (or git+ssh://, git+https://; `#branch` picks the
branch, `oncall-journal` by default, so the journal stays out of whatever `main` holds).

Layout, on that branch: `journal/<incident id>/<responder>.jsonl`, one file per
responder per incident. A file starts with a header line naming its format and
author; every later line is an event or an incident's registers, and a writer only
ever appends lines to its own file. Concurrent pushes therefore touch different
files, so git never has a text conflict to resolve, and content is decided by the
journal's CRDT (tui/journal/merge.py): events are a grow-only set, registers last
writer wins. A line holds what the remote lacked when it was written: an event no
file had yet (ours, or one we took from elsewhere), or the registers where our
incident was newer than the remote's.

One pass, under a lock on the local clone (a bare repository under the journal's
folder, so nothing but oncall reads or writes it):
  fetch the branch; read every file whose blob we have not read yet (blobs never
  change: parsed once per process); check every entry against the journal's schema
  (refusals are quarantined, never merged); take what the local journal lacks;
  then, if the remote lacks something, build one commit on top of the fetched tip
  with `git fast-import` (no work tree, no index, no merge) and push it. A rejected
  push means someone pushed first: fetch, read, rebuild, retry.
Offline, the pass fails with one sentence and everything stays in the local
journal, which is durable before any write returns; the next pass pushes it.
Files we cannot read (not UTF-8, a foreign header, over the size cap) and other
responders' files are never rewritten: we only ever write our own file, and if
our own file is garbage we leave it and append to a fresh one beside it.

Why the git CLI (subprocess) and not dulwich or pygit2: `git` is on every machine a
responder works from, already holds their ssh keys, credential helpers and proxy
settings, and speaks every transport; pygit2 needs libgit2 with its own ssh/https
setup, dulwich reimplements the transports. Plumbing (fetch, ls-tree, cat-file,
fast-import, push) keeps each pass to a handful of processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from filelock import FileLock, Timeout

from tui.config import is_git_remote
from tui.errors import OncallError
from tui.journal import clock
from tui.journal.merge import Refusal, State, merge_incident, merge_register
from tui.journal.model import event_sort_key
from tui.journal.store import LogStorage
from tui.journal.sync import MAX_SHARED_BYTES, SyncStatus, absorb, authors_of, failed_status, take_event, take_incident

FORMAT = "oncall-git-journal"
VERSION = 1
DEFAULT_BRANCH = "oncall-journal"
GIT_TIMEOUT = 60.0  # seconds for one git process (a fetch over a slow link)
PUSH_TRIES = 16  # rejected pushes (someone pushed first) before the pass gives up until the next one
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SAFE = re.compile(r"[^0-9A-Za-z._-]+")


def check_git_remote(value: str) -> str:
    """`value` when it is a git remote oncall can use; an OncallError that says the forms otherwise."""
    if not is_git_remote(value):
        raise OncallError(f"{shown_remote(value)} is not a git remote oncall can use; write git+file:///PATH, "
                          "git+ssh://HOST/PATH or git+https://HOST/PATH.")
    return value


def shown_remote(value: str) -> str:
    """The remote without a password or token written into it, fit for a message."""
    try:
        parts = urlsplit(value)
        if parts.password is not None or (parts.username and parts.scheme.endswith("https")):
            host = parts.hostname or ""
            netloc = f"{parts.username}:***@{host}" if parts.password else f"***@{host}"
            if parts.port:
                netloc += f":{parts.port}"
            return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        pass
    return value


def _safe_name(name: str) -> str:
    """A file-name form of a responder or incident id: readable, and unique by a short hash of the original."""
    readable = _SAFE.sub("_", name)[:48].strip("._") or "x"
    return f"{readable}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


@dataclass
class _Blob:
    """What one file of the remote held (blobs never change, so this is read once)."""

    state: State
    author: str | None  # the header's author; None when the file is not ours to read
    problem: str | None = None  # why the whole file was refused


@dataclass
class GitRemote:
    """One responder's view of a git remote: its URL, branch and the local clone."""

    spec: str  # as configured: git+file:///srv/ir.git#branch
    clone: Path  # a bare repository under the journal's folder
    blobs: dict[str, _Blob] = field(default_factory=dict)
    absorbed: set[str] = field(default_factory=set)  # blob ids already taken into the local journal

    @classmethod
    def for_journal(cls, spec: str, journal_path: Path) -> GitRemote:
        check_git_remote(spec)
        digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
        return cls(spec, journal_path.parent / "git" / f"{digest}.git")

    @property
    def url(self) -> str:
        return self.spec.split("#", 1)[0][len("git+"):]

    @property
    def branch(self) -> str:
        _, _, branch = self.spec.partition("#")
        return branch or DEFAULT_BRANCH

    @property
    def shown(self) -> str:
        return shown_remote(self.spec)


class GitError(Exception):
    """A git process failed; the message is its first useful line of stderr."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # a pass runs in the background: never wait on a password prompt
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=10")
    env["LC_ALL"] = "C"  # git's messages in English, so a rejected push is recognised
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):  # from a hook or a shell inside a repository
        env.pop(name, None)
    return env


def _git(remote: GitRemote, *args: str, data: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(["git", "--git-dir", str(remote.clone), *args], input=data, capture_output=True,
                              env=_env(), timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took over {GIT_TIMEOUT:.0f} s") from None
    if check and done.returncode != 0:
        raise GitError(_reason(done.stderr))
    return done


def _reason(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    useful = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:"))] or lines or ["no reason given"]
    text = useful[0].removeprefix("fatal: ").removeprefix("error: ").rstrip(".")
    return text[:200]


# ---- the local clone ---------------------------------------------------------------------

def _prepare_clone(remote: GitRemote) -> None:
    if not (remote.clone / "HEAD").exists():
        remote.clone.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "--bare", "-q", str(remote.clone)], capture_output=True, env=_env(),
                       timeout=GIT_TIMEOUT, check=True)
    _git(remote, "config", "remote.origin.url", remote.url)
    _git(remote, "config", "remote.origin.fetch", f"+refs/heads/{remote.branch}:refs/remotes/origin/{remote.branch}")
    # Left by a git process killed mid-update (we hold the clone's lock: no other pass is using it).
    for lock in [*remote.clone.glob("*.lock"), *(remote.clone / "refs").rglob("*.lock")]:
        with contextlib.suppress(OSError):
            lock.unlink()


def _fetch(remote: GitRemote) -> str | None:
    """Fetch the branch; the tip's commit id, None when the remote has no such branch yet."""
    ref = f"refs/remotes/origin/{remote.branch}"
    heads = _git(remote, "ls-remote", "--heads", "origin", f"refs/heads/{remote.branch}").stdout.split()
    if not heads:
        with contextlib.suppress(GitError):
            _git(remote, "update-ref", "-d", ref)
        return None
    _git(remote, "fetch", "-q", "--no-tags", "--no-write-fetch-head", "origin",
         f"+refs/heads/{remote.branch}:{ref}")
    return _git(remote, "rev-parse", "--verify", "-q", ref).stdout.decode().strip() or None


def _tree(remote: GitRemote, tip: str) -> dict[str, tuple[str, int]]:
    """path -> (blob id, size) of every journal file at `tip`."""
    out = _git(remote, "ls-tree", "-r", "-l", "-z", tip, "--", "journal/").stdout.decode("utf-8", "replace")
    files = {}
    for entry in out.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 4 and parts[1] == "blob" and path.endswith(".jsonl"):
            size = int(parts[3]) if parts[3].isdigit() else 0
            files[path] = (parts[2], size)
    return files


def _read_blobs(remote: GitRemote, ids: list[str]) -> dict[str, bytes]:
    if not ids:
        return {}
    out = _git(remote, "cat-file", "--batch", data="".join(i + "\n" for i in ids).encode()).stdout
    blobs, at = {}, 0
    for _ in ids:
        end = out.index(b"\n", at)
        head = out[at:end].split()
        at = end + 1
        if len(head) != 3:  # "<id> missing"
            continue
        size = int(head[2])
        blobs[head[0].decode()] = out[at:at + size]
        at += size + 1
    return blobs


# ---- one file --------------------------------------------------------------------------

def header(author: str, incident_id: str) -> bytes:
    return (_encode({"format": FORMAT, "version": VERSION, "author": author, "incident": incident_id}) + "\n").encode()


def parse_file(path: str, data: bytes, now_ms: int) -> _Blob:
    """The entries of one responder's file, each checked by the schema; a file that is not one is refused whole."""
    state = State()

    def refuse(why: str) -> _Blob:
        state.refused.append(Refusal("file", why, {"path": path, "sha256": hashlib.sha256(data).hexdigest()}))
        return _Blob(state, None, why)

    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return refuse("it is not UTF-8 text")
    try:
        head = json.loads(lines[0])
    except ValueError:
        return refuse("its first line is not JSON")
    if not isinstance(head, dict) or head.get("format") != FORMAT or not isinstance(head.get("author"), str):
        return refuse("it is not an oncall journal file")
    if not isinstance(head.get("version"), int) or head["version"] > VERSION:
        return refuse("it was written by a newer oncall")
    for n, raw in enumerate(lines[1:], 2):
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            state.refused.append(Refusal("line", "it is not JSON", {"path": path, "line": n, "text": raw[:4096]}))
            continue
        if isinstance(doc, dict) and "fields" in doc and "incident_id" not in doc:
            take_incident(state, doc, raw, now_ms)
        else:
            take_event(state, doc, raw, now_ms)
    return _Blob(state, head["author"])


def _my_path(remote: GitRemote, files: dict[str, tuple[str, int]], writer: str, incident_id: str) -> str:
    """Our file for this incident: the first of `<me>.jsonl`, `<me>.2.jsonl`, ... that is absent or ours and sound.

    A file we did not write, or one holding an entry the schema refuses, is never written again."""
    base = f"journal/{_safe_name(incident_id)}/{_safe_name(writer)}"
    n = 1
    while True:
        path = f"{base}.jsonl" if n == 1 else f"{base}.{n}.jsonl"
        entry = files.get(path)
        if entry is None:
            return path
        blob = remote.blobs.get(entry[0])
        if blob is not None and blob.author == writer and blob.problem is None and not blob.state.refused:
            return path  # ours and sound: append; a file holding anything refused is left exactly as it is
        n += 1


# ---- one pass ----------------------------------------------------------------------------

@dataclass
class _Remote:
    """The remote's journal as of one fetch: what it holds, and the files it is made of."""

    tip: str | None
    files: dict[str, tuple[str, int]]
    events: set[str]
    incidents: dict[str, dict[str, Any]]


def _read_remote(remote: GitRemote, store: LogStorage, now_ms: int,
                 refused: Callable[[list[Refusal]], None] | None) -> tuple[_Remote, int, int]:
    tip = _fetch(remote)
    files = _tree(remote, tip) if tip else {}
    unread = [sha for sha, size in files.values() if sha not in remote.blobs and size <= MAX_SHARED_BYTES]
    contents = _read_blobs(remote, list(dict.fromkeys(unread)))
    for path, (sha, size) in files.items():
        if sha in remote.blobs:
            continue
        if size > MAX_SHARED_BYTES:
            state = State(refused=[Refusal("file", f"it is over the {MAX_SHARED_BYTES >> 20} MiB cap",
                                           {"path": path, "blob": sha})])
            remote.blobs[sha] = _Blob(state, None, "too big")
        elif sha in contents:
            remote.blobs[sha] = parse_file(path, contents[sha], now_ms)
    pulled = quarantined = 0
    events: set[str] = set()
    incidents: dict[str, dict[str, Any]] = {}
    for sha, _ in files.values():
        blob = remote.blobs.get(sha)
        if blob is None:
            continue
        if sha not in remote.absorbed:
            state = blob.state
            taken, _ = absorb(store, State(dict(state.incidents), dict(state.events), state.raw, list(state.refused)))
            pulled += taken
            if refused is not None and state.refused:
                refused(state.refused)
            quarantined += len(state.refused)
            remote.absorbed.add(sha)
        events.update(blob.state.events)
        for iid, doc in blob.state.incidents.items():
            incidents[iid] = merge_incident(incidents.get(iid), doc) or doc
    return _Remote(tip, files, events, incidents), pulled, quarantined


def _outgoing(store: LogStorage, seen: _Remote) -> dict[str, list[str]]:
    """incident id -> the lines the remote lacks (events no file holds, registers newer than the remote's)."""
    lines: dict[str, list[str]] = {}
    missing = [doc for eid, doc in store.view("events").items() if eid not in seen.events]
    for doc in sorted(missing, key=event_sort_key):
        lines.setdefault(doc["incident_id"], []).append(store.encoded("events", doc["id"]) or _encode(doc))
    for iid, doc in store.view("incidents").items():
        fields = (seen.incidents.get(iid) or {}).get("fields", {})
        newer = {k: reg for k, reg in doc.get("fields", {}).items()
                 if k not in fields or (fields[k] != reg and merge_register(fields[k], reg) is reg)}
        if newer:
            lines.setdefault(iid, []).insert(0, _encode({"id": iid, "fields": newer}))
    return lines


def _commit(remote: GitRemote, seen: _Remote, writer: str, lines: dict[str, list[str]]) -> str:
    """A commit on top of the fetched tip that appends `lines` to our files; its id."""
    changed: dict[str, bytes] = {}
    old = _read_blobs(remote, [seen.files[p][0] for iid in lines
                               if (p := _my_path(remote, seen.files, writer, iid)) in seen.files])
    for iid, new in lines.items():
        path = _my_path(remote, seen.files, writer, iid)
        before = old.get(seen.files[path][0], b"") if path in seen.files else header(writer, iid)
        if before and not before.endswith(b"\n"):
            before += b"\n"
        changed[path] = before + "".join(line + "\n" for line in new).encode()
    ident = f"{_SAFE.sub('_', writer)[:64] or 'responder'} <oncall@{_safe_name(writer)}>"
    stamp = f"{int(time.time())} +0000"
    events = sum(len(v) for v in lines.values())
    message = f"oncall: {writer} adds {events} journal line{'s' if events != 1 else ''}\n".encode()
    out = [b"reset refs/oncall/outgoing\n"]
    out += [f"commit refs/oncall/outgoing\nauthor {ident} {stamp}\ncommitter {ident} {stamp}\n".encode(),
            f"data {len(message)}\n".encode(), message]
    if seen.tip:
        out.append(f"from {seen.tip}\n".encode())
    for path, content in changed.items():
        out += [f"M 100644 inline {path}\ndata {len(content)}\n".encode(), content, b"\n"]
    out.append(b"done\n")
    _git(remote, "fast-import", "--quiet", "--done", "--force", data=b"".join(out))
    return _git(remote, "rev-parse", "refs/oncall/outgoing").stdout.decode().strip()


# What git says when another push got there first: behind the tip, or racing it for the ref's lock.
_MOVED_ON = ("[rejected]", "fetch first", "non-fast-forward", "stale info", "failed to update ref", "cannot lock ref")


def _push(remote: GitRemote, commit: str) -> bool:
    """Push `commit` as the branch's new tip; False when the remote moved on first (fetch and try again)."""
    done = _git(remote, "push", "--porcelain", "-q", "origin", f"{commit}:refs/heads/{remote.branch}", check=False)
    if done.returncode == 0:
        _git(remote, "update-ref", f"refs/remotes/origin/{remote.branch}", commit)
        return True
    said = (done.stdout + done.stderr).decode("utf-8", "replace")
    if any(sign in said for sign in _MOVED_ON):
        return False
    raise GitError(_reason(done.stderr) if done.stderr.strip() else "the push was refused")


def git_pass(store: LogStorage, remote: GitRemote, writer: str, *, lock_timeout: float = 10.0,
             now_ms: Callable[[], int] = clock.wall_ms,
             refused: Callable[[list[Refusal]], None] | None = None) -> SyncStatus:
    """Merge the local journal and the git remote both ways. Never raises for an expected fault."""
    saved = "your entries are saved locally"
    pulled = quarantined = 0
    pushed = False
    try:
        remote.clone.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(remote.clone) + ".lock", timeout=lock_timeout, thread_local=False):
            _prepare_clone(remote)
            for attempt in range(PUSH_TRIES):
                if attempt:  # someone pushed first: let the crowd thin out before fetching again
                    time.sleep(random.uniform(0, min(1.0, 0.02 * 2 ** attempt)))
                seen, taken, bad = _read_remote(remote, store, now_ms(), refused)
                pulled, quarantined = pulled + taken, quarantined + bad
                lines = _outgoing(store, seen)
                if not lines:
                    break
                if _push(remote, _commit(remote, seen, writer, lines)):
                    pushed = True
                    break
            else:
                return failed_status(f"The shared journal {remote.shown} kept moving while we pushed ({PUSH_TRIES} tries), "
                               f"so {saved} and the next sync will push them.", store)
    except GitError as exc:
        return failed_status(f"The shared journal {remote.shown} cannot be reached or updated ({exc}), so {saved} and will "
                       "be pushed when it answers.", store)
    except Timeout:
        return failed_status(f"Another oncall on this machine held the clone of {remote.shown} for {lock_timeout:.0f} s, "
                       f"so {saved} and the next sync will retry.", store)
    except (OSError, subprocess.SubprocessError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return failed_status(f"The local clone of {remote.shown} at {remote.clone} cannot be used ({reason}), so {saved}; "
                       "check the folder's permissions and free space.", store)
    except OncallError as exc:  # the local journal itself failed
        return SyncStatus(ok=False, message=str(exc))
    return SyncStatus(ok=True, synced_at=clock.iso_utc(), responders=authors_of(store.view("events")), pulled=pulled, pushed=pushed,
                      quarantined=quarantined)

