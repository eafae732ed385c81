"""What the broker said, told once: refused logins and connections, an unreachable broker,
and publishes an ACL refuses (MQTT 5 acknowledgements carry the reason; 3.1.1 drops such
a message without a word)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paho.mqtt.reasoncodes import ReasonCode

log = logging.getLogger("skill.mqtt.bridge")

MAX_PENDING = 1000  # acknowledgements awaited; older ids are forgotten


class Problems:
    """Connection problems, each logged once while it lasts; repeats go to debug."""

    def __init__(self, where: str, username: str | None) -> None:
        self.where = where
        self.username = username
        self._last: str | None = None

    def clear(self) -> None:
        """Connected: the next problem is news again."""
        self._last = None

    def log(self, level: int, problem: str) -> None:
        if problem != self._last:
            self._last = problem
            log.log(level, "%s", problem)
        else:
            log.debug("%s", problem)

    def refused(self, reason: ReasonCode) -> None:
        """The broker answered the connect with a failure."""
        name = str(reason)
        lowered = name.lower()
        if "password" in lowered or "authori" in lowered:
            who = f"user {self.username!r}" if self.username else "no username"
            problem = (
                f"MQTT: broker {self.where} refused the login ({name}, {who}); "
                "check mqtt.username and mqtt.password. Retrying in the background."
            )
        else:
            problem = f"MQTT: broker {self.where} refused the connection ({name}); retrying"
        self.log(logging.ERROR, problem)

    def unreachable(self, error: BaseException | None, retry_max: int) -> None:
        """The connection could not be made (paho's `on_connect_fail`)."""
        why = f"{type(error).__name__}: {error}" if error else "unknown error"
        self.log(
            logging.WARNING,
            f"MQTT: cannot reach broker {self.where} ({why}); "
            f"retrying in the background (at most every {retry_max} s)",
        )


class Acks:
    """QoS 1 publishes awaiting the broker's acknowledgement, and the report of a refusal."""

    def __init__(self, where: str, username: str | None, base: str) -> None:
        self.where = where
        self.username = username
        self.base = base
        self._pending: dict[int, str] = {}  # message id -> topic
        self._lock = threading.Lock()  # publishes on the loop's thread, acks on paho's

    def sent(self, mid: int, topic: str) -> None:
        with self._lock:
            self._pending[mid] = topic
            while len(self._pending) > MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))

    def acknowledged(self, mid: int, reason: ReasonCode) -> None:
        """The broker's PUBACK: a failure reason (an ACL's "Not authorized") is an error."""
        with self._lock:
            topic = self._pending.pop(mid, "?")
        if reason.is_failure:
            who = f"user {self.username!r}" if self.username else "anonymous"
            log.error(
                "MQTT: broker %s refused Kindly's message on %s (%s); let %s publish under "
                "%s/# in the broker's ACL",
                self.where,
                topic,
                reason,
                who,
                self.base,
            )
