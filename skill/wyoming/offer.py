"""Offering a whole practice on a Kindly speaker over MQTT (`kindly wyoming` on its own).

Publishes the documented command `{"action": "start", "practice": ID, "ask_first": true}`
on `kindly/<device_id>/command`: the speaker asks ("Would you like ...?") and starts only
on a yes. Only the practice id is published: never the transcript, never anything about a
safety response. The broker is the configured one; connecting never blocks.
"""

from __future__ import annotations

import json
import logging

from skill.config import MqttConfig
from skill.mqtt.client import KEEPALIVE, QOS, make_client
from skill.mqtt.discovery import topics_for

log = logging.getLogger(__name__)


def offer_payload(practice: str) -> str:
    return json.dumps({"action": "start", "practice": practice, "ask_first": True})


class MqttOffer:
    """Callable with a practice id; connected in the background (paho's own thread)."""

    def __init__(self, config: MqttConfig) -> None:
        self.config = config
        self.topic = topics_for(config).command
        self._client = make_client(config, f"kindly-{config.device_id}-wyoming")
        self._client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._started = False

    def start(self) -> None:
        assert self.config.host is not None
        log.info("Wyoming: offers go to the Kindly speaker on %s", self.topic)
        self._client.connect_async(self.config.host, self.config.port, keepalive=KEEPALIVE)
        self._client.loop_start()
        self._started = True

    def __call__(self, practice: str) -> None:
        info = self._client.publish(self.topic, offer_payload(practice), qos=QOS)
        if info.rc != 0:
            log.warning("Wyoming: the offer of %s was not sent (MQTT not connected)", practice)

    def stop(self) -> None:
        if self._started:
            self._client.disconnect()
            self._client.loop_stop()
            self._started = False
