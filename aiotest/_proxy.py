"""TCPProxy: a loopback TCP proxy that slows, rewrites, drops and breaks connections on demand."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Literal

from yarl import URL

from ._clock import loop_monotonic
from ._messages import (
    PROXY_DELAY_NEGATIVE,
    PROXY_NOT_STARTED,
    PROXY_PORT_NOT_AN_INT,
    PROXY_PORT_OUT_OF_RANGE,
    PROXY_PROCESSOR_FAILED,
    PROXY_PROCESSOR_NOT_BYTES,
)
from ._server import _family_and_url_host, get_port_socket

__all__ = ["ContentProcessor", "ProxyConnection", "TCPProxy"]

#: Rewrites one chunk of bytes on its way through the proxy; may be sync or async.
ContentProcessor = Callable[[bytes], bytes | Awaitable[bytes]]

_Direction = Literal["read", "write"]

log = logging.getLogger("aiotest.proxy")

_CHUNK_SIZE = 64 * 1024
# How long a graceful close waits for a peer to take the bytes still buffered for it
# before the connection is aborted instead: a peer that never reads must not hang close().
_CLOSE_GRACE = 1.0
# SO_LINGER on, timeout 0: close() sends RST at once instead of FIN.
_LINGER_RESET = struct.pack("ii", 1, 0)


def _check_delay(value: float) -> float:
    # "not >= 0" also rejects NaN, which would make every comparison false.
    if not value >= 0:
        raise ValueError(PROXY_DELAY_NEGATIVE.format(value=value))
    return float(value)


def _set_reset_on_close(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)


def _set_no_delay(writer: asyncio.StreamWriter) -> None:
    # asyncio turns Nagle's algorithm off only for sockets made with IPPROTO_TCP, and the
    # listening socket is made with protocol 0: without this, small writes to the client
    # wait for a delayed ACK, tens of milliseconds each.
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _StopForwarding(Exception):
    """A pipe ended abnormally; the connection must be reset on both sides."""


class ProxyConnection:
    """One client connection through a :class:`TCPProxy` and its connection to the target.

    ``client_reader``/``client_writer`` face the client; ``server_reader``/``server_writer``
    face the target (None until the target accepted, and always None for a connection
    accepted while the proxy was blackholed).
    """

    def __init__(
        self,
        proxy: TCPProxy,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
    ) -> None:
        self._proxy = proxy
        self.client_reader = client_reader
        self.client_writer = client_writer
        self.server_reader: asyncio.StreamReader | None = None
        self.server_writer: asyncio.StreamWriter | None = None
        #: True once the connection swallows bytes instead of forwarding them.
        self.blackholed = proxy.blackholed
        self._reset_requested = False
        self._life: asyncio.Task[None] | None = None
        self._handler: asyncio.Task[Any] | None = None

    def __repr__(self) -> str:
        peer = self.client_writer.get_extra_info("peername")
        target = f"{self._proxy.target_host}:{self._proxy.target_port}"
        state = " blackholed" if self.blackholed else ""
        return f"<ProxyConnection {peer} => {target}{state}>"

    async def _serve(self) -> None:
        """Run the connection to its end; never raises, so asyncio's server has nothing to log."""
        self._life = asyncio.get_running_loop().create_task(self._live())
        # Waiting without awaiting the task itself: a disconnect cancels the task, and that
        # cancellation must not escape into the server's connection callback.
        await asyncio.wait({self._life})
        if not self._life.cancelled() and self._life.exception() is not None:
            log.debug("%r ended with %r", self, self._life.exception())

    async def _live(self) -> None:
        try:
            if self.blackholed:
                await self._swallow()
                return
            try:
                reader, writer = await asyncio.open_connection(
                    self._proxy.target_host, self._proxy.target_port
                )
            except OSError as exc:
                # Nothing listens there: the client sees its connection end, not a hang.
                log.debug("%r could not reach the target: %r", self, exc)
                return
            self.server_reader, self.server_writer = reader, writer
            if not self._proxy.buffered:
                writer.transport.set_write_buffer_limits(high=0)
                self.client_writer.transport.set_write_buffer_limits(high=0)
            await self._forward(reader, writer)
        except _StopForwarding:
            self._reset_requested = True
        finally:
            await self._close_transports()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        upstream = loop.create_task(self._pipe(self.client_reader, writer, "read"))
        downstream = loop.create_task(self._pipe(reader, self.client_writer, "write"))
        pending = {upstream, downstream}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is not None:
                        raise _StopForwarding from task.exception()
                # A blackholed connection has no answer to wait for once its client is gone.
                if upstream in done and self.blackholed:
                    break
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: _Direction
    ) -> None:
        proxy = self._proxy
        while True:
            chunk = await reader.read(_CHUNK_SIZE)
            if not chunk:
                break
            await proxy._wait_delay(direction)
            if self.blackholed:
                continue
            chunk = await self._process(direction, chunk)
            if chunk:
                writer.write(chunk)
                await writer.drain()
        # A blackholed connection passes on nothing, not even the end of the stream.
        if not self.blackholed and writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()

    async def _process(self, direction: _Direction, chunk: bytes) -> bytes:
        processor = self._proxy._processors[direction]
        if processor is None:
            return chunk
        try:
            result = processor(chunk)
            if inspect.isawaitable(result):
                result = await result
            if not isinstance(result, (bytes, bytearray, memoryview)):
                raise TypeError(
                    PROXY_PROCESSOR_NOT_BYTES.format(
                        direction=direction, type_name=type(result).__name__
                    )
                )
        except Exception as exc:
            # A processor is test code: its bug belongs to the test, through the loop's
            # exception handler (which catch_loop_exceptions turns into a failure).
            asyncio.get_running_loop().call_exception_handler(
                {
                    "message": PROXY_PROCESSOR_FAILED.format(direction=direction),
                    "exception": exc,
                    "proxy": self._proxy,
                }
            )
            raise _StopForwarding from exc
        return bytes(result)

    async def _swallow(self) -> None:
        while await self.client_reader.read(_CHUNK_SIZE):
            pass

    def _blackhole(self) -> None:
        self.blackholed = True

    async def _close_transports(self) -> None:
        writers = [w for w in (self.client_writer, self.server_writer) if w is not None]
        for writer in writers:
            if self._reset_requested:
                _set_reset_on_close(writer)
                writer.transport.abort()
            else:
                writer.close()
        for writer in writers:
            try:
                await asyncio.wait_for(writer.wait_closed(), _CLOSE_GRACE)
            except (OSError, asyncio.TimeoutError):
                writer.transport.abort()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    async def close(self) -> None:
        """End the connection: the client and the target each see the stream end (EOF)."""
        await self._stop(reset=False)

    async def reset(self) -> None:
        """End the connection with a TCP reset (RST) to the client and to the target."""
        await self._stop(reset=True)

    async def _stop(self, *, reset: bool) -> None:
        life = self._life
        if life is None:
            return
        if reset:
            self._reset_requested = True
        life.cancel()
        await asyncio.wait({life})


def _target_port(port: object) -> int:
    """Check the proxy's target port when it is given, not when a client first connects."""
    if not isinstance(port, int) or isinstance(port, bool):
        raise TypeError(PROXY_PORT_NOT_AN_INT.format(type_name=type(port).__name__, value=port))
    if not 1 <= port <= 65535:
        raise ValueError(PROXY_PORT_OUT_OF_RANGE.format(value=port))
    return port


class TCPProxy:
    """A TCP proxy on loopback in front of ``target_host:target_port``, for fault injection.

    It forwards bytes both ways and can slow them down (:meth:`slowdown`), rewrite them
    (:meth:`set_content_processors`), close connections (:meth:`disconnect_all`), reset
    them (:meth:`reset_all`), swallow them (:meth:`blackhole`) and refuse new ones
    (:meth:`refuse_connections`). "read" is the client-to-target direction, "write" the
    target-to-client one. The listening socket is bound once, on a port the kernel picks,
    by :meth:`start`.

    With ``buffered=False`` each chunk is handed to the kernel before the next one is read,
    so the proxy holds no bytes of its own; by default it buffers up to the transport's
    high-water mark per direction.
    """

    #: Seconds ``async with`` allows for starting and for closing the proxy.
    DEFAULT_TIMEOUT = 30.0

    def __init__(
        self,
        target_host: str,
        target_port: int,
        listen_host: str = "127.0.0.1",
        buffered: bool = True,
    ) -> None:
        self.target_host = target_host
        self.target_port = _target_port(target_port)
        self.proxy_host = listen_host
        self.buffered = buffered
        #: The live connections through the proxy.
        self.clients: set[ProxyConnection] = set()
        #: Seconds each chunk waits on its way to the target (see :meth:`set_delay`).
        self.read_delay = 0.0
        #: Seconds each chunk waits on its way back to the client.
        self.write_delay = 0.0
        self._processors: dict[_Direction, ContentProcessor | None] = {
            "read": None,
            "write": None,
        }
        #: True while new connections are blackholed (see :meth:`set_blackhole`).
        self.blackholed = False
        self._port: int | None = None
        self._server: asyncio.Server | None = None
        self._retired_servers: list[asyncio.Server] = []
        # Holds the port while new connections are refused: bound, not listening.
        self._placeholder: socket.socket | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._own_clients: list[asyncio.StreamWriter] = []
        self._delay_waiters: set[asyncio.Future[None]] = set()
        # disconnect_all()/reset_all() tasks under way: the loop keeps only weak references,
        # and one that nobody awaits must not be collected before it has run.
        self._stoppers: set[asyncio.Task[None]] = set()
        self._closing = False

    def __repr__(self) -> str:
        port = self._port if self._port is not None else "?"
        return (
            f"<TCPProxy tcp://{self.proxy_host}:{port} => "
            f"tcp://{self.target_host}:{self.target_port}>"
        )

    @property
    def proxy_port(self) -> int:
        """The port the proxy listens on, chosen by the kernel when it started."""
        if self._port is None:
            raise RuntimeError(PROXY_NOT_STARTED)
        return self._port

    @property
    def started(self) -> bool:
        """True between :meth:`start` and :meth:`close`."""
        return self._port is not None

    @property
    def refusing(self) -> bool:
        """True while new connections are refused (see :meth:`refuse_connections`)."""
        return self._placeholder is not None

    async def start(self, timeout: float | None = None) -> None:
        """Bind a port chosen by the kernel and start accepting; a second call does nothing."""
        if self._port is not None:
            return
        family, _ = _family_and_url_host(self.proxy_host)
        sock = get_port_socket(self.proxy_host, 0, family)
        try:
            self._server = await asyncio.wait_for(self._listen(sock), timeout)
        except BaseException:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        log.debug("started %r", self)

    async def _listen(self, sock: socket.socket) -> asyncio.Server:
        sock.listen(socket.SOMAXCONN)
        return await asyncio.start_server(self._handle_client, sock=sock)

    async def close(self, timeout: float | None = None) -> None:
        """Close every connection and stop listening; a second call does nothing."""
        if self._port is None:
            return
        try:
            await asyncio.wait_for(self._close(), timeout)
        finally:
            self._port = None

    async def _close(self) -> None:
        self._closing = True
        self._stop_listening()
        try:
            # A connection accepted just before the listener closed has its callback
            # scheduled but not started: let it run (it closes at once), then wait for it.
            await asyncio.sleep(0)
            while self._handlers:
                await self._stop_all(reset=False)
                if self._handlers:
                    await asyncio.wait(set(self._handlers))
            await self._close_own_clients()
        finally:
            if self._placeholder is not None:
                self._placeholder.close()
                self._placeholder = None
            servers, self._retired_servers = self._retired_servers, []
            for server in servers:
                await server.wait_closed()
            self._closing = False
        log.debug("closed %r", self)

    async def __aenter__(self) -> TCPProxy:
        await self.start(timeout=self.DEFAULT_TIMEOUT)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close(timeout=self.DEFAULT_TIMEOUT)

    def make_url(self, path: str = "/", scheme: str = "http") -> URL:
        """Return the URL of ``path`` on the target as reached through the proxy."""
        _, url_host = _family_and_url_host(self.proxy_host)
        return URL(f"{scheme}://{url_host}:{self.proxy_port}").join(URL(path))

    async def create_client(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Open a connection to the target through the proxy.

        Close the writer when done; one still open is closed with the proxy.
        """
        reader, writer = await asyncio.open_connection(self.proxy_host, self.proxy_port)
        self._own_clients.append(writer)
        return reader, writer

    async def _close_own_clients(self) -> None:
        writers, self._own_clients = self._own_clients, []
        for writer in writers:
            writer.close()
        for writer in writers:
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    # Delays and content processors ------------------------------------------------------

    def set_delay(self, read_delay: float, write_delay: float = 0) -> None:
        """Delay each chunk by this many seconds: client to target (read), back (write).

        The delays apply at once to live connections, a chunk already waiting included,
        and to future ones.
        """
        # Both are checked before either changes: a bad value leaves the delays as they were.
        read_delay, write_delay = _check_delay(read_delay), _check_delay(write_delay)
        self.read_delay, self.write_delay = read_delay, write_delay
        waiters, self._delay_waiters = self._delay_waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    @contextlib.contextmanager
    def slowdown(self, read_delay: float = 0, write_delay: float = 0) -> Iterator[TCPProxy]:
        """Apply :meth:`set_delay` for the ``with`` block, then restore the previous delays."""
        previous = self.read_delay, self.write_delay
        self.set_delay(read_delay, write_delay)
        try:
            yield self
        finally:
            self.set_delay(*previous)

    async def _wait_delay(self, direction: _Direction) -> None:
        loop = asyncio.get_running_loop()
        # Measured on the monotonic clock, not loop.time(): some loops (uvloop) keep
        # time in whole milliseconds and fire timers up to one early. On virtual time the
        # loop's own clock is the one to follow.
        arrived = loop_monotonic(loop)
        while True:
            delay = self.read_delay if direction == "read" else self.write_delay
            remaining = arrived + delay - loop_monotonic(loop)
            if remaining <= 0:
                return
            # Woken early by set_delay(), which may have shortened or lengthened the delay.
            waiter: asyncio.Future[None] = loop.create_future()
            self._delay_waiters.add(waiter)
            timer = loop.call_later(remaining, _resolve, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._delay_waiters.discard(waiter)

    def set_content_processors(
        self, read: ContentProcessor | None, write: ContentProcessor | None
    ) -> None:
        """Rewrite each chunk: ``read`` on its way to the target, ``write`` on its way back.

        Each is a sync or async callable taking and returning bytes, or None to pass the
        bytes through. They apply to live and future connections. A processor that raises
        resets its connection and reports the error to the loop's exception handler.
        """
        self._processors = {"read": read, "write": write}

    # Faults ----------------------------------------------------------------------------

    def disconnect_all(self) -> asyncio.Task[None]:
        """Close every live connection: clients and target both see the stream end (EOF).

        Returns a task already under way; await it to wait until they are closed. A call
        nobody awaits (``loop.call_soon(proxy.disconnect_all)`` from a content processor,
        say) still closes them.
        """
        return self._start_stopping(reset=False)

    def reset_all(self) -> asyncio.Task[None]:
        """Reset every live connection (TCP RST): clients get ``ConnectionResetError``.

        Returns a task already under way, as :meth:`disconnect_all` does.
        """
        return self._start_stopping(reset=True)

    def _start_stopping(self, *, reset: bool) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self._stop_all(reset=reset))
        self._stoppers.add(task)
        task.add_done_callback(self._stoppers.discard)
        return task

    async def _stop_all(self, *, reset: bool) -> None:
        connections = list(self.clients)
        if connections:
            log.debug(
                "%s %d connection(s) of %r",
                "resetting" if reset else "closing",
                len(connections),
                self,
            )
        await asyncio.gather(*(c._stop(reset=reset) for c in connections))
        # Their server callbacks end right after them, taking them out of self.clients.
        # Connections accepted meanwhile are not waited for: they are not being stopped.
        handlers = {c._handler for c in connections if c._handler is not None}
        if handlers:
            await asyncio.wait(handlers)

    def set_blackhole(self, enabled: bool) -> None:
        """Swallow bytes instead of forwarding them, on live and new connections.

        A blackholed connection accepts whatever its client sends and never answers or
        closes, so the client's own timeout is what ends the wait. Turning the blackhole
        off lets new connections through again; connections it caught stay blackholed,
        since the bytes they lost cannot be replayed.
        """
        self.blackholed = enabled
        if enabled:
            for connection in self.clients:
                connection._blackhole()

    @contextlib.contextmanager
    def blackhole(self) -> Iterator[TCPProxy]:
        """Apply :meth:`set_blackhole` for the ``with`` block."""
        previous = self.blackholed
        self.set_blackhole(True)
        try:
            yield self
        finally:
            self.set_blackhole(previous)

    async def set_refusing(self, enabled: bool) -> None:
        """Refuse new connections (``ConnectionRefusedError``) while live ones carry on.

        The proxy stops listening but keeps its port bound, so nothing else can take the
        port, and listens on it again when ``enabled`` is False.
        """
        if self._port is None:
            raise RuntimeError(PROXY_NOT_STARTED)
        if enabled and self._placeholder is None:
            self._stop_listening()
            self._placeholder = await self._hold_port()
        elif not enabled and self._placeholder is not None:
            sock, self._placeholder = self._placeholder, None
            try:
                self._server = await self._listen(sock)
            except BaseException:
                sock.close()
                raise

    @contextlib.asynccontextmanager
    async def refuse_connections(self) -> AsyncIterator[TCPProxy]:
        """Apply :meth:`set_refusing` for the ``async with`` block."""
        await self.set_refusing(True)
        try:
            yield self
        finally:
            if self.started:
                await self.set_refusing(False)

    def _stop_listening(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            self._retired_servers.append(server)

    async def _hold_port(self) -> socket.socket:
        assert self._port is not None
        family, _ = _family_and_url_host(self.proxy_host)
        # Some loops release the listening socket one iteration after server.close().
        for _attempt in range(10):
            try:
                return get_port_socket(self.proxy_host, self._port, family)
            except OSError:
                await asyncio.sleep(0)
        return get_port_socket(self.proxy_host, self._port, family)

    async def _handle_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        _set_no_delay(writer)
        try:
            if self._closing:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return
            connection = ProxyConnection(self, reader, writer)
            connection._handler = task
            self.clients.add(connection)
            try:
                await connection._serve()
            finally:
                self.clients.discard(connection)
        finally:
            self._handlers.discard(task)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
