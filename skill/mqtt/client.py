"""paho-mqtt 2.x clients for Kindly: credentials, TLS (certificates checked unless
`tls_insecure`), paho's log at debug level; and `forget`, the one-shot client behind
`kindly mqtt forget`. Library code: raises MqttError, never prints."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.config import MqttConfig
from skill.errors import MqttError
from skill.mqtt.discovery import discovery_topics, practice_titles, topics_for

try:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
except ImportError:  # pragma: no cover - paho comes with the `voice` extra
    mqtt = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from paho.mqtt.client import MQTTMessage
    from paho.mqtt.reasoncodes import ReasonCode

log = logging.getLogger("skill.mqtt.bridge")
paho_log = logging.getLogger("skill.mqtt.paho")

KEEPALIVE = 30
QOS = 1


def tls_context(config: MqttConfig) -> ssl.SSLContext:
    """Certificates are checked unless `tls_insecure` says otherwise."""
    if config.ca_file and not Path(config.ca_file).is_file():
        raise MqttError(f"mqtt.ca_file {config.ca_file}: no such file")
    try:
        context = ssl.create_default_context(cafile=config.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise MqttError(f"mqtt.ca_file {config.ca_file}: not a usable CA file ({exc})") from None
    if config.tls_insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _paho_log(client: mqtt.Client, userdata: Any, level: int, message: str) -> None:
    """paho's own log: a callback error at error level, the rest (packets sent and received,
    sizes only; "not connected" on every retry) at debug level."""
    if level == mqtt.MQTT_LOG_ERR and message.startswith("Caught exception"):
        paho_log.error("%s", message)
    else:
        paho_log.debug("%s", message)


def no_delay(client: mqtt.Client) -> None:
    """Send small packets at once: with Nagle's algorithm a state published right after an
    acknowledgement can wait ~40 ms for the broker's delayed ACK."""
    setsockopt = getattr(client.socket(), "setsockopt", None)
    try:
        if setsockopt is not None:
            setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        log.debug("MQTT: cannot set TCP_NODELAY")


def make_client(config: MqttConfig, client_id: str) -> mqtt.Client:
    """A paho client with credentials and TLS set; not connected."""
    if mqtt is None:
        raise MqttError("MQTT needs paho-mqtt: pip install 'kindly[voice]'")
    if not config.host:
        raise MqttError("no MQTT broker configured (mqtt.host or --mqtt HOST[:PORT])")
    if not 0 < config.port < 65536:
        raise MqttError(f"mqtt.port {config.port} is not a port number")
    # MQTT 5: the broker says why it refuses a publish (an ACL) in its acknowledgement,
    # where MQTT 3.1.1 drops the message without a word. Sessions are never kept (the
    # session expiry is 0), as with a 3.1.1 clean session.
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.on_log = _paho_log
    client.suppress_exceptions = True  # a callback error is logged, the thread goes on
    if config.username:
        client.username_pw_set(config.username, config.password)
    if config.tls or config.ca_file:
        client.tls_set_context(tls_context(config))
        if config.tls_insecure:
            log.warning("MQTT: TLS certificate checking is OFF (mqtt.tls_insecure)")
    return client


def forget(
    config: MqttConfig, practices: Mapping[str, str] | Iterable[str], timeout: float = 10.0
) -> list[str]:
    """Remove Kindly from Home Assistant: an empty retained message on every discovery topic
    Kindly announces, and on any other retained discovery config of this device found on
    the broker (say, of a practice that has since been removed). Returns the topics."""
    topics = topics_for(config)
    wanted = set(discovery_topics(config, practice_titles(practices)))
    client = make_client(config, f"kindly-{config.device_id}-forget")
    connected, subscribed = threading.Event(), threading.Event()
    found_lock = threading.Lock()
    refused: list[str] = []

    def on_connect(c: mqtt.Client, u: Any, f: Any, reason: ReasonCode, p: Any) -> None:
        if reason.is_failure:
            refused.append(str(reason))
        else:
            c.subscribe(topics.discovery_filter, QOS)
        connected.set()

    def on_subscribe(c: mqtt.Client, u: Any, mid: int, codes: Any, p: Any) -> None:
        subscribed.set()

    def on_message(c: mqtt.Client, u: Any, message: MQTTMessage) -> None:
        if message.payload:
            with found_lock:
                wanted.add(message.topic)

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    assert config.host is not None
    try:
        client.connect(config.host, config.port, keepalive=KEEPALIVE)
    except OSError as exc:
        raise MqttError(f"cannot reach MQTT broker {config.host}:{config.port}: {exc}") from None
    client.loop_start()
    try:
        if not connected.wait(timeout):
            raise MqttError(f"MQTT broker {config.host}:{config.port} did not answer")
        if refused:
            raise MqttError(f"MQTT broker {config.host}:{config.port} refused: {refused[0]}")
        if subscribed.wait(timeout):
            threading.Event().wait(0.5)  # retained configs arrive right after the SUBACK
        with found_lock:
            cleared = sorted(wanted)
        infos = [client.publish(t, b"", qos=QOS, retain=True) for t in cleared]
        try:
            for info in infos:
                info.wait_for_publish(timeout)
        except (RuntimeError, ValueError) as exc:
            raise MqttError(f"MQTT broker {config.host}:{config.port}: {exc}") from None
        if not all(info.is_published() for info in infos):
            raise MqttError(f"MQTT broker {config.host}:{config.port} did not confirm in time")
    finally:
        client.disconnect()
        client.loop_stop()
    return cleared
