"""The Wyoming handle service: `Describe` → `Info`, `Transcript` → `Handled`/`NotHandled`.

Each connection is a non-blocking socket on the event loop (`skill.wyoming.connection`),
read as soon as it is accepted, in the wyoming package's wire format (`skill.wyoming.wire`):
no task, transport, stream, await or log call per request, and each reply is one send of
bytes encoded once. Every reply is decided by the Agent: on the event loop for a
spoken-length line, on one worker thread for a long text, so a long text never stalls the
other connections. A client that sends garbage, disconnects mid-event or sends too large an
event only ends its own connection; nothing it sent is logged. A practice offer for the
Kindly speaker is sent once the satellite has had time to say the short form, and is
dropped if a safety response comes first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlparse

from wyoming.info import Attribution, HandleModel, HandleProgram, Info

from skill import __version__
from skill.errors import KindlyError
from skill.wyoming.advertise import Advertiser
from skill.wyoming.agent import Agent, Reply
from skill.wyoming.connection import Listener
from skill.wyoming.wire import encode

log = logging.getLogger(__name__)

DESCRIPTION = "Kindly: short self-compassion practices, safety first (English)"
ATTRIBUTION = Attribution(
    name="Kindly, after Kristin Neff's self-compassion practices",
    url="https://self-compassion.org",
)
BACKLOG = 1024  # connections waiting to be accepted: a crowd of satellites at once
WORDS_PER_SECOND = 2.5  # a calm text-to-speech voice
OfferSink = Callable[[str], None]


class WyomingError(KindlyError):
    """The Wyoming service cannot start (bad URI, port in use)."""


def info() -> Info:
    """What `Describe` answers: one handle program, "kindly", English."""
    model = HandleModel(
        name="kindly",
        attribution=ATTRIBUTION,
        installed=True,
        description=DESCRIPTION,
        version=__version__,
        languages=["en"],
    )
    program = HandleProgram(
        name="kindly",
        attribution=ATTRIBUTION,
        installed=True,
        description=DESCRIPTION,
        version=__version__,
        models=[model],
        supports_handled_streaming=False,
        supports_home_control=False,
    )
    return Info(handle=[program])


def speaking_seconds(text: str) -> float:
    """About how long a satellite takes to say `text` (plus its text-to-speech start)."""
    return 1.0 + len(text.split()) / WORDS_PER_SECOND


class Service:
    """Shared by every connection: the agent, its worker thread and pending offers."""

    def __init__(
        self,
        agent: Agent,
        offer: OfferSink | None = None,
        *,
        offer_delay: Callable[[str], float] = speaking_seconds,
    ) -> None:
        self.agent = agent
        self.offer = offer
        self.offer_delay = offer_delay
        self.info_bytes = encode(info().event())
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kindly-wyoming")
        self.pending: set[asyncio.TimerHandle] = set()
        self.answered = 0

    def reply_now(self, text: str, context: object) -> Reply:
        """The reply, worked out here (on the event loop)."""
        return self.replied(self.agent.reply(text, context if isinstance(context, dict) else None))

    def reply_later(self, text: str, context: object) -> asyncio.Future[Reply]:
        """The reply, worked out on the worker thread; pass it to `replied` when done."""
        ctx = context if isinstance(context, dict) else None
        return asyncio.get_running_loop().run_in_executor(self.worker, self.agent.reply, text, ctx)

    def replied(self, reply: Reply) -> Reply:
        """After each reply, on the event loop: offers to send or to drop."""
        self.answered += 1
        if reply.kind == "safety":
            self.cancel_offers()  # never ask about a practice after a safety response
        elif reply.offer and self.offer is not None:
            self._schedule(asyncio.get_running_loop(), reply)
        return reply

    def _schedule(self, loop: asyncio.AbstractEventLoop, reply: Reply) -> None:
        assert reply.offer is not None
        practice = reply.offer

        def send() -> None:
            self.pending.discard(handle)
            if self.offer is None:
                return
            try:
                self.offer(practice)
            except Exception as exc:  # a broken sink must never stop the service
                log.warning("could not offer %s on the Kindly speaker: %s", practice, exc)

        handle = loop.call_later(max(0.0, self.offer_delay(reply.text)), send)
        self.pending.add(handle)

    def cancel_offers(self) -> None:
        for handle in self.pending:
            handle.cancel()
        self.pending.clear()

    def close(self) -> None:
        self.cancel_offers()
        self.worker.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class Endpoint:
    """Where the service listens: a TCP host and port, or a Unix socket path."""

    uri: str
    host: str | None = None
    port: int = 0
    path: str | None = None


def endpoint_for(uri: str) -> Endpoint:
    """`tcp://HOST:PORT` (port 0: any free one) or `unix:///PATH`; WyomingError if not."""
    try:
        parsed = urlparse(uri)
        port = parsed.port
    except ValueError as exc:
        raise WyomingError(f"--uri {uri}: {exc}") from None
    if parsed.scheme == "tcp":
        if not parsed.hostname or port is None:
            raise WyomingError(f"--uri {uri}: give a host and a port, as tcp://0.0.0.0:10700")
        return Endpoint(uri, host=parsed.hostname, port=port)
    if parsed.scheme == "unix" and (parsed.netloc or parsed.path):
        return Endpoint(uri, path=parsed.netloc + parsed.path)
    raise WyomingError(f"--uri {uri}: only tcp://HOST:PORT or unix://PATH")


def _bound(endpoint: Endpoint) -> list[socket.socket]:
    """Listening sockets for the endpoint: every address a TCP host name has (IPv6 only
    on IPv6, as asyncio does), or the Unix socket (a stale one at that path is replaced)."""
    if endpoint.path is not None:
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISSOCK(os.stat(endpoint.path).st_mode):
                os.remove(endpoint.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(endpoint.path)
            sock.listen(BACKLOG)
        except OSError:
            sock.close()
            raise
        return [sock]
    found = socket.getaddrinfo(
        endpoint.host, endpoint.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


async def listen(service: Service, endpoint: Endpoint) -> Listener:
    """Listening, and answering each connection as it comes (skill.wyoming.connection)."""
    try:
        sockets = _bound(endpoint)
    except OSError as exc:
        raise WyomingError(f"cannot listen on {endpoint.uri}: {exc.strerror or exc}") from None
    return Listener(sockets, service, asyncio.get_running_loop())


def tcp_address(uri: str) -> tuple[str, int] | None:
    """(host, port) of a tcp:// URI, else None."""
    parsed = urlparse(uri)
    if parsed.scheme != "tcp" or parsed.hostname is None or parsed.port is None:
        return None
    return parsed.hostname, parsed.port


async def serve(
    service: Service,
    uri: str,
    *,
    stop: asyncio.Event,
    ready: Callable[[int | None], object] | None = None,
    zeroconf_name: str | None = None,
) -> None:
    """Serve until `stop` is set. `ready` is called with the TCP port (None for a Unix
    socket) once it listens. With a `zeroconf_name` a tcp:// service is advertised on the
    local network meanwhile."""
    endpoint = endpoint_for(uri)
    listener = await listen(service, endpoint)
    port = int(listener.sockets[0].getsockname()[1]) if endpoint.host is not None else None
    advertiser = None
    if zeroconf_name is not None and endpoint.host is not None and port is not None:
        advertiser = Advertiser(zeroconf_name, endpoint.host, port)
    try:
        if advertiser is not None:
            await advertiser.start()
        if ready is not None:
            ready(port)
        await stop.wait()
    finally:
        if advertiser is not None:
            await advertiser.stop()
        listener.close()
        service.close()


class BackgroundServer:
    """The service on its own thread and event loop, beside `kindly run`'s loop."""

    def __init__(self, service: Service, uri: str, zeroconf_name: str | None = None) -> None:
        self.service = service
        self.uri = uri
        self.zeroconf_name = zeroconf_name
        self.port: int | None = None
        self.failed: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._listening = False
        self._thread = threading.Thread(target=self._run, name="kindly-wyoming", daemon=True)

    def start(self, timeout: float = 10.0) -> bool:
        """Start listening; True once it listens, False (logged) if it cannot."""
        self._thread.start()
        self._ready.wait(timeout)
        return self._listening

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except KindlyError as exc:
            self.failed = str(exc)
            log.error("Wyoming: %s", exc)
        except Exception as exc:
            self.failed = type(exc).__name__
            log.error("Wyoming service stopped: %s", type(exc).__name__)
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()

        def listening(port: int | None) -> None:
            self.port = port
            self._listening = True
            log.info("Wyoming: Kindly answers Home Assistant Assist on %s", self.uri)
            self._ready.set()

        await serve(
            self.service,
            self.uri,
            stop=self._stop,
            ready=listening,
            zeroconf_name=self.zeroconf_name,
        )

    def stop(self, timeout: float = 5.0) -> None:
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread.is_alive():
            self._thread.join(timeout)
