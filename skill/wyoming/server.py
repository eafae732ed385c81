"""The Wyoming handle service: `Describe` → `Info`, `Transcript` → `Handled`/`NotHandled`.

Built on the `wyoming` package's AsyncServer and AsyncEventHandler. Every reply is decided
by the Agent: on the event loop for a spoken-length line (a tenth of a millisecond), on one
worker thread for a long text, so a long text never stalls the other connections. A
client that sends garbage, disconnects mid-event or sends a huge text only ends its own
connection; nothing it sent is logged. A practice offer for the Kindly speaker is sent
once the satellite has had time to say the short form, and is dropped if a safety
response comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from wyoming.asr import Transcript
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Attribution, Describe, HandleModel, HandleProgram, Info
from wyoming.ping import Ping, Pong
from wyoming.server import AsyncEventHandler, AsyncServer, AsyncTcpServer

from skill import __version__
from skill.errors import KindlyError
from skill.wyoming.advertise import Advertiser
from skill.wyoming.agent import Agent, Reply

log = logging.getLogger(__name__)

DESCRIPTION = "Kindly: short self-compassion practices, safety first (English)"
ATTRIBUTION = Attribution(
    name="Kindly, after Kristin Neff's self-compassion practices",
    url="https://self-compassion.org",
)
# Understanding a spoken-length line takes about 0.1 ms: done on the event loop. Longer
# text (up to the agent's MAX_CHARS, ~20 ms) goes to a worker thread, so one long line
# never holds up the other connections.
INLINE_CHARS = 200
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
        self.info_event = info().event()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kindly-wyoming")
        self.pending: set[asyncio.TimerHandle] = set()
        self.answered = 0

    async def reply(self, text: str, context: object) -> Reply:
        loop = asyncio.get_running_loop()
        ctx = context if isinstance(context, dict) else None
        if len(text) <= INLINE_CHARS:  # ~0.1 ms: a thread hop (and the GIL) would cost more
            reply = self.agent.reply(text, ctx)
        else:
            reply = await loop.run_in_executor(self.worker, self.agent.reply, text, ctx)
        self.answered += 1
        if reply.kind == "safety":
            self.cancel_offers()  # never ask about a practice after a safety response
        elif reply.offer and self.offer is not None:
            self._schedule(loop, reply)
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


class _OneWrite:
    """Collects what the library writes for one event and sends it in one go: on loopback
    every separate write is a system call and a wake-up of the reader."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def writelines(self, data: Iterable[bytes]) -> None:
        self.parts.extend(data)

    async def drain(self) -> None:
        self.writer.write(b"".join(self.parts))
        self.parts.clear()
        await self.writer.drain()


class Handler(AsyncEventHandler):
    """One client connection."""

    def __init__(
        self, service: Service, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        super().__init__(reader, writer)
        self.service = service
        self._one_write = _OneWrite(writer)

    async def write_event(self, event: Event) -> None:
        await async_write_event(event, self._one_write)  # type: ignore[arg-type]

    async def run(self) -> None:
        # A client gone mid-event, or a header that is no event (no JSON line, no "type",
        # data that is no object), ends this connection: the library raises for those.
        # Only the kind of problem is logged, never what was sent.
        try:
            await super().run()
        except (ConnectionError, EOFError, ValueError):
            pass
        except Exception as exc:
            log.info("Wyoming: dropped a client that sent no valid event (%s)", type(exc).__name__)

    async def handle_event(self, event: Event) -> bool:
        try:
            if Describe.is_type(event.type):
                await self.write_event(self.service.info_event)
            elif Transcript.is_type(event.type):
                text = event.data.get("text")
                if not isinstance(text, str):
                    await self._error("a transcript needs its text", "bad-transcript")
                else:
                    reply = await self.service.reply(text, event.data.get("context"))
                    await self.write_event(reply.event())
            elif Ping.is_type(event.type):
                await self.write_event(Pong(text=event.data.get("text")).event())
            # Anything else (audio, other programs' events) is not for a handle service.
            return True
        except ConnectionError:
            return False
        except Exception as exc:  # never the event's content in the log, only its kind
            log.error("Wyoming: failed on a %s event: %s", event.type, type(exc).__name__)
            with contextlib.suppress(Exception):
                await self._error("Kindly could not handle that", "internal")
            return False

    async def _error(self, text: str, code: str) -> None:
        await self.write_event(Error(text=text, code=code).event())


def server_for(uri: str) -> AsyncServer:
    """The library's server for `tcp://HOST:PORT` (or unix:// / stdio://)."""
    try:
        return AsyncServer.from_uri(uri)
    except ValueError as exc:
        raise WyomingError(f"--uri {uri}: {exc}") from None


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
    ready: Callable[[AsyncServer], object] | None = None,
    zeroconf_name: str | None = None,
) -> None:
    """Serve until `stop` is set. `ready` is called once the port listens. With a
    `zeroconf_name` a tcp:// service is advertised on the local network meanwhile."""
    server = server_for(uri)
    try:
        await server.start(lambda r, w: Handler(service, r, w))
    except OSError as exc:
        raise WyomingError(f"cannot listen on {uri}: {exc.strerror or exc}") from None
    if isinstance(server, AsyncTcpServer) and server.port == 0:
        inner = getattr(server, "_server", None)
        if inner is not None and inner.sockets:
            server.port = int(inner.sockets[0].getsockname()[1])
    advertiser = None
    address = tcp_address(uri)
    if zeroconf_name is not None and address is not None:
        port = getattr(server, "port", address[1])
        advertiser = Advertiser(zeroconf_name, address[0], port)
    try:
        if advertiser is not None:
            await advertiser.start()
        if ready is not None:
            ready(server)
        await stop.wait()
    finally:
        if advertiser is not None:
            await advertiser.stop()
        await server.stop()
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
        self._thread = threading.Thread(target=self._run, name="kindly-wyoming", daemon=True)

    def start(self, timeout: float = 10.0) -> bool:
        """Start listening; True once it listens, False (logged) if it cannot."""
        self._thread.start()
        self._ready.wait(timeout)
        return self.port is not None

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

        def listening(server: AsyncServer) -> None:
            self.port = getattr(server, "port", None)
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
