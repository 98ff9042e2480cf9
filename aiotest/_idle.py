"""Whether a virtual clock may jump: the rule for work in flight in real time.

A loop on virtual time has already polled its selector and found nothing ready. Work is
still in flight, and the clock must not jump, while any of these holds:

1. an executor job submitted through ``loop.run_in_executor`` has not finished;
2. a thread is alive that did not exist when the loop was made, other than the executor
   workers started for its jobs and the thread running the loop;
3. a socket or other file the loop waits on leads outside the loop: anything but a
   listening socket, an unconnected datagram socket, or a connected socket whose other
   end is a socket this same loop waits on (a test server, a proxy, a client);
4. on Linux, a socket without TCP_NODELAY holds back bytes that the other end, having read
   everything, waits for (Nagle's algorithm, released by a delayed ACK in real time);
5. a busy probe added with :meth:`InFlight.add_probe` reports work.

Everything here runs in the loop's thread except :meth:`_Job.run`, which runs in a worker.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import dataclasses
import selectors
import socket
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._watchdog import is_watchdog_thread

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["InFlight"]

BusyProbe = Callable[[], bool]

REASON_JOB = "{count} executor job(s) running"
REASON_THREAD = "thread {name!r} started after the loop is alive"
REASON_FILE = "fd {fd} waits on something outside this loop ({what})"
REASON_HELD = "fd {fd} has bytes the kernel holds back (no TCP_NODELAY)"
REASON_PROBE = "busy probe {probe!r} reports work in flight"


@dataclasses.dataclass(frozen=True)
class _Endpoint:
    """What the rule needs to know about one file the loop waits on."""

    # "peer": connected socket; "open": listening or unconnected datagram socket;
    # "other": not a socket, or a socket whose other end cannot be named.
    kind: str
    local: object = None
    peer: object = None
    # True for a TCP socket without TCP_NODELAY: the kernel may hold its bytes back.
    nagle: bool = False


_NOT_A_SOCKET = _Endpoint("other", "not a socket")


def _named(address: object) -> bool:
    # An unnamed AF_UNIX end (a socketpair) reports "" or b"": it matches nothing reliably.
    return address not in (None, "", b"")


def _describe(fd: int) -> _Endpoint:
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return _NOT_A_SOCKET
    try:
        local = sock.getsockname()
        try:
            peer = sock.getpeername()
        except OSError:
            peer = None
        if peer is not None:
            if _named(local) and _named(peer):
                return _Endpoint("peer", local, peer, _nagle(sock))
            return _Endpoint("other", "unnamed socket")
        listening = False
        if hasattr(socket, "SO_ACCEPTCONN"):
            listening = bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
        if listening or sock.type == socket.SOCK_DGRAM:
            return _Endpoint("open", local)
        return _Endpoint("other", "unconnected socket")
    except OSError:
        return _Endpoint("other", "socket without address")
    finally:
        # The loop owns the file; this object only borrowed it.
        sock.detach()


# Linux's SIOCOUTQNSD and SIOCINQ: bytes of a TCP socket not yet sent, bytes not yet read.
_NOT_SENT_REQUEST = 0x894B
_UNREAD_REQUEST = 0x541B


def _nagle(sock: socket.socket) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
        return False
    try:
        return not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    except OSError:
        return False


def _queued(fd: int, request: int) -> int:
    """Return the byte count of a socket queue, or 0 where the system cannot tell."""
    if fcntl is None or sys.platform != "linux":
        return 0
    buffer = array.array("i", [0])
    try:
        fcntl.ioctl(fd, request, buffer, True)
    except OSError:
        return 0
    return buffer[0]


class _Job:
    """One executor job, counted as in flight until its result has reached the loop."""

    def __init__(self, rule: InFlight, loop: asyncio.AbstractEventLoop, tracks_thread: bool):
        self._rule = rule
        self._loop = loop
        self._tracks_thread = tracks_thread
        self._started = False
        self._finished = False
        self._counted = True
        self._future: asyncio.Future[Any] | None = None
        rule._jobs += 1

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run ``func`` in the worker thread and tell the loop when it is over."""
        self._started = True
        if not self._counted:
            # Released as cancelled before it started, but it did start: count it again.
            self._notify(self._recount)
        try:
            return func(*args)
        finally:
            self._finished = True
            self._notify(self._check)

    def _notify(self, callback: Callable[[], None]) -> None:
        # RuntimeError: the loop is closed, and nobody is left to wait for this job.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback)

    def watch(self, future: asyncio.Future[Any]) -> None:
        """Release the job once ``future`` is done and the job's function has returned."""
        self._future = future
        future.add_done_callback(lambda _: self._check())

    def _check(self) -> None:
        future = self._future
        if not self._counted or future is None or not future.done():
            return
        # The result reached the loop only after the function returned; a cancelled job
        # may still run, unless it never started or its thread cannot be followed.
        over = self._finished or not self._tracks_thread or not self._started
        if over:
            self._counted = False
            self._rule._jobs -= 1

    def _recount(self) -> None:
        if not self._counted and not self._finished:
            self._counted = True
            self._rule._jobs += 1

    def abandon(self) -> None:
        """Stop counting a job that was never submitted."""
        if self._counted:
            self._counted = False
            self._rule._jobs -= 1


class InFlight:
    """The in-flight rule of one loop; see the module docstring for what it checks."""

    def __init__(self) -> None:
        self._baseline = frozenset(threading.enumerate())
        self._workers: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
        self._jobs = 0
        self._own_fds: set[int] = set()
        self._endpoints: dict[int, _Endpoint] = {}
        self._verdict: tuple[str | None, tuple[tuple[int, int], ...]] | None = None
        self._probes: list[BusyProbe] = []

    # Executor jobs and threads -------------------------------------------------------------

    def new_job(self, loop: asyncio.AbstractEventLoop, tracks_thread: bool) -> _Job:
        """Count one executor job about to be submitted."""
        return _Job(self, loop, tracks_thread)

    @staticmethod
    def threads() -> set[threading.Thread]:
        """Return the threads alive now."""
        return set(threading.enumerate())

    def add_workers(self, threads: Iterable[threading.Thread]) -> None:
        """Record threads an executor started while a job was submitted: they are its workers."""
        self._workers.update(threads)

    def _foreign_thread(self) -> threading.Thread | None:
        current = threading.current_thread()
        for thread in threading.enumerate():
            if (
                thread in self._baseline
                or thread is current
                or thread in self._workers
                or is_watchdog_thread(thread)
            ):
                continue
            return thread
        return None

    # Files the loop waits on -------------------------------------------------------------

    def own_file(self, fd: int) -> None:
        """Record a file of the loop itself (its self-pipe), which never counts as in flight."""
        self._own_fds.add(fd)

    def forget_file(self, fd: int) -> None:
        """Drop what is known about ``fd``: it was unregistered, or registered anew."""
        self._endpoints.pop(fd, None)
        self._verdict = None

    def _endpoint(self, fd: int) -> _Endpoint:
        found = self._endpoints.get(fd)
        if found is None:
            found = _describe(fd)
            # An unconnected socket may connect later; everything else is settled.
            if found.kind != "other" or found is _NOT_A_SOCKET:
                self._endpoints[fd] = found
        return found

    def _outside_file(self, keys: Mapping[Any, selectors.SelectorKey]) -> str | None:
        # The verdict only changes when a file is registered or unregistered, so it is
        # kept until then; the loop asks before every jump.
        if self._verdict is None:
            endpoints = [
                (key.fd, self._endpoint(key.fd))
                for key in keys.values()
                if key.fd not in self._own_fds
            ]
            verdict = self._judge(endpoints)
            held = self._nagle_pairs(endpoints)
            if all(fd in self._endpoints for fd, _ in endpoints):
                self._verdict = (verdict, held)
        else:
            verdict, held = self._verdict
        if verdict is not None:
            return verdict
        return self._held_back(held)

    @staticmethod
    def _nagle_pairs(endpoints: list[tuple[int, _Endpoint]]) -> tuple[tuple[int, int], ...]:
        """Pair each Nagle socket inside the loop with the socket of its other end."""
        by_address = {(e.local, e.peer): fd for fd, e in endpoints if e.kind == "peer"}
        return tuple(
            (fd, by_address[e.peer, e.local])
            for fd, e in endpoints
            if e.kind == "peer" and e.nagle and (e.peer, e.local) in by_address
        )

    @staticmethod
    def _held_back(pairs: tuple[tuple[int, int], ...]) -> str | None:
        # Without TCP_NODELAY the kernel holds small writes back until an ACK comes, which
        # may take a delayed-ACK interval of real time. Bytes held while the other end has
        # read everything are on their way; bytes held behind unread ones wait for the
        # other end's code, which is not the kernel's work.
        for fd, peer_fd in pairs:
            if _queued(fd, _NOT_SENT_REQUEST) and not _queued(peer_fd, _UNREAD_REQUEST):
                return REASON_HELD.format(fd=fd)
        return None

    @staticmethod
    def _judge(endpoints: list[tuple[int, _Endpoint]]) -> str | None:
        inside = {(e.local, e.peer) for _, e in endpoints if e.kind == "peer"}
        for fd, endpoint in endpoints:
            if endpoint.kind == "open":
                continue
            if endpoint.kind == "peer" and (endpoint.peer, endpoint.local) in inside:
                continue
            what = endpoint.peer if endpoint.kind == "peer" else endpoint.local
            return REASON_FILE.format(fd=fd, what=what)
        return None

    # Probes and the verdict --------------------------------------------------------------

    def add_probe(self, probe: BusyProbe) -> None:
        """Consult ``probe()`` before every jump; while it returns True the clock waits."""
        self._probes.append(probe)

    def remove_probe(self, probe: BusyProbe) -> None:
        """Stop consulting ``probe``."""
        self._probes.remove(probe)

    def reason(self, keys: Mapping[Any, selectors.SelectorKey]) -> str | None:
        """Return why work is in flight, or None when the clock may jump."""
        if self._jobs:
            return REASON_JOB.format(count=self._jobs)
        thread = self._foreign_thread()
        if thread is not None:
            return REASON_THREAD.format(name=thread.name)
        for probe in list(self._probes) + list(_GLOBAL_PROBES):
            if probe():
                return REASON_PROBE.format(probe=probe)
        return self._outside_file(keys)


# Probes every virtual loop consults, for work that only another part of aiotest can see
# (for instance the connections of its live test servers).
_GLOBAL_PROBES: list[BusyProbe] = []


def add_global_probe(probe: BusyProbe) -> None:
    """Make every virtual loop consult ``probe`` before it jumps."""
    _GLOBAL_PROBES.append(probe)


def remove_global_probe(probe: BusyProbe) -> None:
    """Undo :func:`add_global_probe`."""
    _GLOBAL_PROBES.remove(probe)
