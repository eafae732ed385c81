"""Home Assistant MQTT discovery: Kindly as one device with buttons, a state sensor and an
event entity. Pure functions: topics and payloads in, no I/O.

Every config carries the device's availability topic, so Home Assistant greys Kindly out
when it goes `offline` (last will). All configs are published retained, and again whenever
Home Assistant announces itself `online` on `<prefix>/status`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from skill.config import MqttConfig
from skill.errors import MqttError

STATES = ("idle", "listening", "guiding", "paused")
EVENTS = (
    "wake",
    "timeout",
    "practice_started",
    "practice_finished",
    "practice_stopped",
    "not_understood",
)
PRACTICE_EVENTS = ("practice_started", "practice_finished", "practice_stopped")
# (action, button name, icon) for the control buttons next to the start buttons
CONTROLS = (
    ("stop", "Stop", "mdi:stop"),
    ("pause", "Pause", "mdi:pause"),
    ("resume", "Resume", "mdi:play"),
    ("listen", "Listen", "mdi:microphone"),
)
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_WILDCARDS = re.compile(r"[+#\x00]")


@dataclass(frozen=True)
class Topics:
    """The MQTT topics of one Kindly device (see DESIGN.md, "Contracts")."""

    base: str
    availability: str
    state: str
    event: str
    command: str
    ha_status: str
    discovery_filter: str  # matches every discovery config of this device


@dataclass(frozen=True)
class Message:
    """One retained discovery message."""

    topic: str
    payload: str


def check_device_id(device_id: str) -> str:
    """A device id is used in topics and Home Assistant ids: letters, digits, - and _."""
    if not _ID.match(device_id):
        raise MqttError(
            f"device id {device_id!r} must be letters, digits, '-' or '_' (e.g. 'bedroom')"
        )
    return device_id


def _check_prefix(name: str, value: str) -> str:
    value = value.strip("/")
    if not value or _WILDCARDS.search(value) or "//" in value:
        raise MqttError(f"mqtt.{name} {value!r} is not a usable topic prefix")
    return value


def node_id(device_id: str) -> str:
    """Home Assistant's node id for this device (the middle part of discovery topics)."""
    return f"kindly_{check_device_id(device_id)}"


def topics_for(config: MqttConfig) -> Topics:
    """Kindly's topics for a config: `<base_topic>/<device_id>/...`."""
    base = f"{_check_prefix('base_topic', config.base_topic)}/{check_device_id(config.device_id)}"
    prefix = _check_prefix("discovery_prefix", config.discovery_prefix)
    return Topics(
        base=base,
        availability=f"{base}/availability",
        state=f"{base}/state",
        event=f"{base}/event",
        command=f"{base}/command",
        ha_status=f"{prefix}/status",
        discovery_filter=f"{prefix}/+/{node_id(config.device_id)}/+/config",
    )


def title_from_id(practice_id: str) -> str:
    """`bedtime_reflection` -> `Bedtime reflection` (when no title is known)."""
    return practice_id.replace("_", " ").strip().capitalize() or practice_id


def practice_titles(practices: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """Practice id -> title, from a mapping, or from bare ids (titles made from them)."""
    if isinstance(practices, Mapping):
        return {str(k): str(v) for k, v in practices.items()}
    return {p: title_from_id(p) for p in practices}


def _object_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)


def _device(config: MqttConfig, version: str) -> dict[str, Any]:
    return {
        "identifiers": [node_id(config.device_id)],
        "name": f"Kindly {config.device_id}",
        "manufacturer": "Kindly",
        "model": "Self-compassion voice skill",
        "sw_version": version,
    }


def _common(config: MqttConfig, topics: Topics, version: str, key: str) -> dict[str, Any]:
    return {
        "unique_id": f"{node_id(config.device_id)}_{key}",
        "availability_topic": topics.availability,
        "payload_available": "online",
        "payload_not_available": "offline",
        "device": _device(config, version),
        "origin": {"name": "Kindly", "sw_version": version},
    }


def _command(action: str, practice: str | None = None) -> str:
    if practice is None:
        return json.dumps({"action": action})
    return json.dumps({"action": action, "practice": practice, "ask_first": False})


def discovery_configs(
    config: MqttConfig, practices: Mapping[str, str], version: str
) -> dict[str, dict[str, Any]]:
    """Discovery topic -> config, for `practices` (id -> title), in a stable order."""
    topics = topics_for(config)
    prefix = _check_prefix("discovery_prefix", config.discovery_prefix)
    node = node_id(config.device_id)
    configs: dict[str, dict[str, Any]] = {}

    def add(component: str, key: str, entity: dict[str, Any]) -> None:
        topic = f"{prefix}/{component}/{node}/{key}/config"
        configs[topic] = {**entity, **_common(config, topics, version, key)}

    add(
        "sensor",
        "state",
        {
            "name": "State",
            "icon": "mdi:meditation",
            "state_topic": topics.state,
            "value_template": "{{ value_json.state }}",
            "device_class": "enum",
            "options": list(STATES),
            "json_attributes_topic": topics.state,
            "json_attributes_template": (
                "{{ {'practice': value_json.practice, 'step': value_json.step} | to_json }}"
            ),
        },
    )
    kinds = ", ".join(f"'{kind}'" for kind in PRACTICE_EVENTS)
    add(
        "event",
        "practice",
        {
            "name": "Practice",
            "icon": "mdi:meditation",
            "state_topic": topics.event,
            "event_types": list(PRACTICE_EVENTS),
            # Only practice events reach this entity: anything else renders empty, which
            # Home Assistant ignores. The practice id becomes an attribute.
            "value_template": (
                f"{{% if value_json.type in [{kinds}] %}}"
                "{{ {'event_type': value_json.type, 'practice': value_json.practice}"
                " | to_json }}{% endif %}"
            ),
        },
    )
    for practice_id, title in practices.items():
        add(
            "button",
            f"start_{_object_id(practice_id)}",
            {
                "name": f"Start {title}",
                "icon": "mdi:play-circle-outline",
                "command_topic": topics.command,
                "payload_press": _command("start", practice_id),
            },
        )
    for action, name, icon in CONTROLS:
        add(
            "button",
            action,
            {
                "name": name,
                "icon": icon,
                "command_topic": topics.command,
                "payload_press": _command(action),
            },
        )
    return configs


def discovery_messages(
    config: MqttConfig, practices: Mapping[str, str], version: str
) -> list[Message]:
    """The retained messages that announce Kindly to Home Assistant."""
    return [
        Message(topic, json.dumps(payload, separators=(",", ":")))
        for topic, payload in discovery_configs(config, practices, version).items()
    ]


def discovery_topics(config: MqttConfig, practices: Mapping[str, str]) -> list[str]:
    """Every discovery topic Kindly announces for `practices` (what `forget` clears)."""
    return list(discovery_configs(config, practices, "").keys())
