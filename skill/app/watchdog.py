"""systemd's notify protocol, and a watchdog that is petted only while audio flows.

A service with `Type=notify` tells systemd it is up (READY=1), what it is doing
(STATUS=...), that it is alive (WATCHDOG=1) and that it is shutting down (STOPPING=1) by
sending datagrams to the unix socket named in $NOTIFY_SOCKET. That is a few lines of the
stdlib socket module, so no dependency. Outside systemd (a terminal, tests) NOTIFY_SOCKET
is unset and everything here does nothing.

With `WatchdogSec=` systemd also sets $WATCHDOG_USEC. The live loop calls
`Watchdog.audio_flowing()` for every microphone chunk; that pets the watchdog at most every
WatchdogSec/3. When audio stops flowing (a hung driver, a stream that died without an
error) the pets stop, and systemd restarts the service after WatchdogSec.

Never raises: a notify message that cannot be sent is logged at debug level (once at
warning) and the loop goes on; if systemd does not hear from Kindly, it acts on its own.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

NOTIFY_SOCKET = "NOTIFY_SOCKET"
WATCHDOG_USEC = "WATCHDOG_USEC"
WATCHDOG_PID = "WATCHDOG_PID"
PETS_PER_INTERVAL = 3  # pet three times per WatchdogSec: one late pet is never fatal


def socket_address(value: str) -> str | None:
    """The address to send to for a $NOTIFY_SOCKET value, or None if unusable here.

    `/path` is a filesystem socket, `@name` an abstract one (a leading NUL on the wire).
    Other forms (systemd 253+ also knows `vsock:CID:PORT`) are not supported: None.
    """
    if value.startswith("/"):
        return value
    if value.startswith("@") and len(value) > 1:
        return "\0" + value[1:]
    return None


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """WatchdogSec in seconds as systemd passed it ($WATCHDOG_USEC), or None.

    $WATCHDOG_PID, when set, must be this process: a child that inherited the variables
    must not pet its parent's watchdog.
    """
    env = os.environ if env is None else env
    usec, pid = env.get(WATCHDOG_USEC, ""), env.get(WATCHDOG_PID, "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None


class Notifier:
    """Sends notify messages to systemd; does nothing when $NOTIFY_SOCKET is unset."""

    def __init__(self, address: str | None = None, *, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        raw = address if address is not None else env.get(NOTIFY_SOCKET, "")
        self.address = socket_address(raw) if raw else None
        if raw and self.address is None:
            log.debug("NOTIFY_SOCKET %r is not a unix socket: not notifying systemd", raw)
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._warned = False
        self.sent = 0  # messages systemd accepted (for tests and a status line)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *assignments: str) -> bool:
        """Send `KEY=VALUE` lines as one message; True if it went out."""
        if self.address is None or not assignments:
            return False
        message = "\n".join(assignments).encode("utf-8")
        with self._lock:
            try:
                if self._sock is None:
                    self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._sock.sendto(message, self.address)
            except OSError as exc:
                level = logging.DEBUG if self._warned else logging.WARNING
                self._warned = True
                log.log(level, "cannot notify systemd at %s: %s", self.address.lstrip("\0"), exc)
                return False
            self.sent += 1
        return True

    def ready(self, status: str | None = None) -> bool:
        """READY=1: start-up is done (systemd waits for this with Type=notify)."""
        return self.send("READY=1", *_status(status))

    def status(self, text: str) -> bool:
        """STATUS=...: one line shown by `systemctl status kindly`."""
        return self.send(*_status(text))

    def watchdog(self) -> bool:
        """WATCHDOG=1: alive."""
        return self.send("WATCHDOG=1")

    def stopping(self, status: str | None = None) -> bool:
        """STOPPING=1: shutting down on purpose."""
        return self.send("STOPPING=1", *_status(status))

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _status(text: str | None) -> list[str]:
    # One line: a newline would start another assignment.
    return [] if text is None else ["STATUS=" + " ".join(text.split())]


class Watchdog:
    """Pets systemd's watchdog while microphone audio flows, at most every WatchdogSec/3.

    `audio_flowing()` is cheap (a clock read and a comparison) and safe to call from the
    microphone thread for every chunk. Disabled (every call a no-op returning False) when
    systemd set no watchdog or there is no notify socket.
    """

    def __init__(
        self,
        notifier: Notifier | None = None,
        interval: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.notifier = notifier if notifier is not None else Notifier()
        self.interval = interval if interval is not None else watchdog_interval()
        self.period = self.interval / PETS_PER_INTERVAL if self.interval else None
        self._clock = clock
        self._last: float | None = None
        self._lock = threading.Lock()
        self.pets = 0

    @property
    def enabled(self) -> bool:
        return self.period is not None and self.notifier.enabled

    def audio_flowing(self) -> bool:
        """A chunk of audio arrived: pet the watchdog if a third of WatchdogSec has passed.

        Returns True when a WATCHDOG=1 went out.
        """
        if self.period is None or not self.notifier.enabled:
            return False
        now = self._clock()
        with self._lock:
            if self._last is not None and now - self._last < self.period:
                return False
            self._last = now  # also after a failed send: never a message per chunk
        sent = self.notifier.watchdog()
        if sent:
            self.pets += 1
        return sent

    def ready(self, status: str | None = "listening") -> bool:
        """Tell systemd start-up is done (models loaded, microphone open)."""
        return self.notifier.ready(status)

    def status(self, text: str) -> bool:
        return self.notifier.status(text)

    def stopping(self, status: str | None = None) -> bool:
        return self.notifier.stopping(status)

    def close(self) -> None:
        self.notifier.close()
