"""The MQTT bridge: Kindly's state and events out, commands in (paho-mqtt 2.x).

Optional by design: with no broker configured nothing here runs, and a configured broker
that is down, unreachable or refusing the login never blocks or stops the loop. paho's
network thread (`loop_start`) connects in the background (`connect_async`), reconnects
with backoff (1 s doubling to 30 s) and runs the callbacks; the loop's thread calls
`publish`. Subscriptions, availability, discovery and the latest state are (re)sent in the
connect handler, so they all come back after every reconnect. Beside it: `commands` turns
a command payload into a session Command (or says why not); `problems` reports what the
broker refused, once.

Privacy: only the session's public state and the known event types are published; never
a transcript, never anything about a safety response. Logs never hold a password or a
command payload (a payload is anyone's bytes), only why it was ignored.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from skill import __version__
from skill.config import MqttConfig
from skill.core.events import Command, PublishEvent, PublishState
from skill.mqtt.client import KEEPALIVE, QOS, make_client, no_delay
from skill.mqtt.commands import BadCommand, parse_command
from skill.mqtt.discovery import (
    EVENTS,
    STATES,
    Message,
    discovery_messages,
    practice_titles,
    title_from_id,
    topics_for,
)
from skill.mqtt.problems import Acks, Problems

try:
    import paho.mqtt.client as mqtt
except ImportError:  # pragma: no cover - paho comes with the `voice` extra
    mqtt = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from paho.mqtt.client import ConnectFlags, DisconnectFlags, MQTTMessage
    from paho.mqtt.properties import Properties
    from paho.mqtt.reasoncodes import ReasonCode

    from skill.content.model import Catalogue

log = logging.getLogger(__name__)

RECONNECT_MIN = 1
RECONNECT_MAX = 30
MAX_QUEUED = 200  # QoS 1 messages paho may hold while a connection is being lost
# State and events go at QoS 0: they are only sent while connected and the latest state is
# sent again on every connect, so nothing is missing after a reconnect, and paho cannot
# replay stale states (after the fresh one) or minutes-old events the way it does QoS 1.
QOS_LIVE = 0


Publisher = Callable[[PublishState | PublishEvent], None]


class Attachable(Protocol):
    """What the bridge attaches to (the app's Loop): publishers out, commands in."""

    publishers: list[Publisher]

    def put(self, event: Command) -> None:
        """Hand a command to the session (thread-safe)."""


class MqttBridge:
    """Publishes Kindly's state and events and turns command messages into session events.

    `attach(loop)` wires it to a Loop (publisher + command sink); `start()` connects in the
    background and returns at once; `stop()` says `offline` and disconnects.
    """

    def __init__(
        self,
        config: MqttConfig,
        practices: Mapping[str, str] | Iterable[str],
        *,
        on_command: Callable[[Command], None] | None = None,
    ) -> None:
        self.config = config
        self.topics = topics_for(config)
        self.practices = practice_titles(practices)
        self.on_command = on_command
        self.discovery: list[Message] = discovery_messages(config, self.practices, __version__)
        self._client = make_client(config, f"kindly-{config.device_id}")
        self._client.will_set(self.topics.availability, "offline", qos=QOS, retain=True)
        self._client.reconnect_delay_set(min_delay=RECONNECT_MIN, max_delay=RECONNECT_MAX)
        self._client.max_queued_messages_set(MAX_QUEUED)
        self._client.on_connect = self._on_connect
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._client.on_publish = self._on_publish
        where, user = f"{config.host}:{config.port}", config.username
        self._acks = Acks(where, user, self.topics.base)  # publishes the broker may refuse
        self._problems = Problems(where, user)
        self._lock = threading.Lock()  # orders state publishing against (re)connects
        self._connected = False
        self._state: PublishState | None = None
        self._started = False
        self.connects = 0  # successful connections so far
        self.ready = threading.Event()  # connected and subscribed

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    @property
    def connected(self) -> bool:
        return self._connected

    # -- lifecycle ---------------------------------------------------------------------------

    def attach(self, loop: Attachable) -> None:
        """Publish what `loop` publishes; hand commands to it."""
        loop.publishers.append(self.publish)
        self.on_command = loop.put

    def start(self) -> None:
        """Connect in the background; never blocks, never raises for an unreachable broker."""
        if self._started:
            return
        self._started = True
        log.info("MQTT: connecting to %s as device %s", self.where, self.config.device_id)
        assert self.config.host is not None
        host, port = self.config.host, self.config.port
        self._client.connect_async(host, port, keepalive=KEEPALIVE, clean_start=True)
        self._client.loop_start()

    def stop(self, timeout: float = 2.0) -> None:
        """Say `offline` (retained), disconnect cleanly and stop the network thread."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            was_connected, self._connected = self._connected, False
        if was_connected:
            info = self._client.publish(self.topics.availability, "offline", qos=QOS, retain=True)
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError):
                pass  # the connection went meanwhile: the will says offline instead
        self._client.disconnect()
        self._client.loop_stop()
        self.ready.clear()
        log.info(
            "MQTT: %s %s",
            "disconnected from" if was_connected else "stopped; never reached",
            self.where,
        )

    def wait_ready(self, timeout: float) -> bool:
        """Wait until connected and subscribed (True), or `timeout` seconds (False)."""
        return self.ready.wait(timeout)

    # -- out: state and events -----------------------------------------------------------------

    def publish(self, action: PublishState | PublishEvent) -> None:
        """A Loop publisher: state retained, events not; nothing while disconnected."""
        if isinstance(action, PublishState):
            if action.state not in STATES:
                log.warning("MQTT: not publishing unknown state %r", action.state)
                return
            with self._lock:
                self._state = action
                if self._connected:
                    self._send_state(action)
            return
        if action.type not in EVENTS:
            log.warning("MQTT: not publishing unknown event type %r", action.type)
            return
        with self._lock:
            if self._connected:
                event = json.dumps(action.to_json())
                self._send(self.topics.event, event, retain=False, qos=QOS_LIVE)
            else:
                log.debug("MQTT: not connected; event %s not sent", action.type)

    def _send_state(self, state: PublishState) -> None:
        payload = json.dumps(state.to_json())
        self._send(self.topics.state, payload, retain=True, qos=QOS_LIVE)

    def _send(self, topic: str, payload: str, *, retain: bool, qos: int = QOS) -> None:
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.debug("MQTT: publish to %s not queued (%s)", topic, mqtt.error_string(info.rc))
        elif qos > 0:  # the broker's acknowledgement says if it took it
            self._acks.sent(info.mid, topic)

    def _on_publish(
        self, client: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode, props: Any
    ) -> None:
        self._acks.acknowledged(mid, reason)  # MQTT 5: an ACL's refusal is reported

    def announce(self) -> None:
        """(Re)send the Home Assistant discovery configs, retained."""
        for message in self.discovery:
            self._send(message.topic, message.payload, retain=True)
        log.debug("MQTT: announced %d discovery configs", len(self.discovery))

    # -- paho callbacks (network thread) ---------------------------------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        try:
            if reason.is_failure:
                self._problems.refused(reason)
                return
            no_delay(client)
            client.subscribe([(self.topics.command, QOS), (self.topics.ha_status, QOS)])
            with self._lock:
                if not self._started:
                    return  # stopping: stop() says offline and disconnects
                self._connected = True
                self._send(self.topics.availability, "online", retain=True)
                self.announce()
                if self._state is not None:
                    self._send_state(self._state)
            self.connects += 1
            self._problems.clear()
            again = "re" if self.connects > 1 else ""
            log.info("MQTT: %sconnected to %s (%s)", again, self.where, self.topics.base)
        except Exception:
            log.exception("MQTT: connect handler failed")

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        # Called inside paho's `except OSError` block: the exception says what went wrong.
        self._problems.unreachable(sys.exc_info()[1], RECONNECT_MAX)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        try:
            refused = [str(r) for r in reasons if r.is_failure]
            if refused:
                log.error("MQTT: broker %s refused a subscription: %s", self.where, refused[0])
            self.ready.set()
        except Exception:
            log.exception("MQTT: subscribe handler failed")

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        try:
            with self._lock:
                was_connected, self._connected = self._connected, False
            self.ready.clear()
            if was_connected and self._started:
                log.warning("MQTT: lost connection to %s (%s); reconnecting", self.where, reason)
        except Exception:
            log.exception("MQTT: disconnect handler failed")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: MQTTMessage) -> None:
        try:
            if message.topic == self.topics.command and message.retain:
                # Replayed at every (re)connect: a retained "start" would start a practice
                # at each boot. Home Assistant's buttons never retain.
                log.warning(
                    "MQTT: ignored a retained command on %s (commands must not be retained; "
                    "clear it with `mosquitto_pub -r -n -t %s`)",
                    message.topic,
                    message.topic,
                )
            elif message.topic == self.topics.command:
                self._command(bytes(message.payload))
            elif message.topic == self.topics.ha_status and message.payload == b"online":
                log.info("MQTT: Home Assistant is online; announcing Kindly again")
                with self._lock:
                    self.announce()
                    if self._state is not None:
                        self._send_state(self._state)
        except Exception:
            log.exception("MQTT: message handler failed")

    def _command(self, payload: bytes) -> None:
        try:
            command = parse_command(payload, self.practices)
        except BadCommand as exc:
            log.warning("MQTT: ignored a command on %s: %s", self.topics.command, exc)
            return
        log.info(
            "MQTT: command %s%s", command.action, f" {command.practice}" if command.practice else ""
        )
        if self.on_command is None:
            log.warning("MQTT: no loop attached; command %s dropped", command.action)
            return
        self.on_command(command)


def bridge_for(config: MqttConfig, catalogue: Catalogue) -> MqttBridge:
    """The bridge for a catalogue's practices (titles included)."""
    return MqttBridge(
        config, {p.id: p.title or title_from_id(p.id) for p in catalogue.practices.values()}
    )
