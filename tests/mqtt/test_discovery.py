"""Home Assistant discovery payloads and MQTT command parsing: pure functions, no broker."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from skill.cli.mqtt import mqtt_overrides, parse_broker
from skill.config import Config, MqttConfig
from skill.content.model import Catalogue
from skill.core.events import Command
from skill.errors import ConfigError, MqttError
from skill.mqtt.commands import MAX_COMMAND_BYTES, BadCommand, parse_command
from skill.mqtt.discovery import (
    EVENTS,
    PRACTICE_EVENTS,
    discovery_configs,
    discovery_messages,
    discovery_topics,
    title_from_id,
    topics_for,
)
from tests.conftest import ROOT

CONFIG = MqttConfig(host="broker", device_id="bedroom")
PRACTICES = {"bedtime_reflection": "Bedtime reflection", "rain": "RAIN"}


def test_topics_follow_the_contract() -> None:
    topics = topics_for(CONFIG)
    assert topics.availability == "kindly/bedroom/availability"
    assert topics.state == "kindly/bedroom/state"
    assert topics.event == "kindly/bedroom/event"
    assert topics.command == "kindly/bedroom/command"
    assert topics.ha_status == "homeassistant/status"
    assert topics.discovery_filter == "homeassistant/+/kindly_bedroom/+/config"


def test_custom_prefixes() -> None:
    config = MqttConfig(device_id="hall", base_topic="home/kindly/", discovery_prefix="ha")
    topics = topics_for(config)
    assert topics.state == "home/kindly/hall/state"
    assert topics.ha_status == "ha/status"
    assert all(t.startswith("ha/") for t in discovery_topics(config, PRACTICES))


@pytest.mark.parametrize("device_id", ["", "a/b", "a+b", "#", "bed room", "é"])
def test_unusable_device_ids_are_refused(device_id: str) -> None:
    with pytest.raises(MqttError, match="device id"):
        topics_for(MqttConfig(device_id=device_id))


@pytest.mark.parametrize("prefix", ["", "/", "a/+/b", "a/#", "a//b"])
def test_unusable_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(MqttError, match="base_topic"):
        topics_for(MqttConfig(device_id="x", base_topic=prefix))


def test_a_start_button_per_practice_a_state_sensor_and_a_practice_event() -> None:
    configs = discovery_configs(CONFIG, PRACTICES, "1.2.3")
    node = "homeassistant/{}/kindly_bedroom/{}/config"
    assert node.format("sensor", "state") in configs
    assert node.format("event", "practice") in configs
    for practice in PRACTICES:
        button = configs[node.format("button", f"start_{practice}")]
        assert button["command_topic"] == "kindly/bedroom/command"
        assert parse_command(button["payload_press"].encode(), PRACTICES) == Command(
            "start", practice, False
        )
    assert configs[node.format("button", "start_rain")]["name"] == "Start RAIN"
    for action in ("stop", "pause", "resume", "listen"):
        press = configs[node.format("button", action)]["payload_press"]
        assert parse_command(press.encode(), PRACTICES) == Command(action)


def test_every_config_is_wired_to_availability_and_one_device() -> None:
    configs = discovery_configs(CONFIG, PRACTICES, "1.2.3")
    unique_ids = [c["unique_id"] for c in configs.values()]
    assert len(unique_ids) == len(set(unique_ids)) == len(configs)
    for config in configs.values():
        assert config["availability_topic"] == "kindly/bedroom/availability"
        assert (config["payload_available"], config["payload_not_available"]) == (
            "online",
            "offline",
        )
        assert config["device"]["identifiers"] == ["kindly_bedroom"]
        assert config["device"]["sw_version"] == "1.2.3"
        assert config["name"]


def test_state_sensor_and_event_entity_read_the_contract_payloads() -> None:
    configs = discovery_configs(CONFIG, PRACTICES, "1")
    sensor = configs["homeassistant/sensor/kindly_bedroom/state/config"]
    assert sensor["state_topic"] == "kindly/bedroom/state"
    assert sensor["options"] == ["idle", "listening", "guiding", "paused"]
    event = configs["homeassistant/event/kindly_bedroom/practice/config"]
    assert event["state_topic"] == "kindly/bedroom/event"
    assert event["event_types"] == list(PRACTICE_EVENTS)
    assert set(PRACTICE_EVENTS) <= set(EVENTS)
    for kind in PRACTICE_EVENTS:
        assert f"'{kind}'" in event["value_template"]


def test_messages_are_compact_json_and_match_the_topics() -> None:
    messages = discovery_messages(CONFIG, PRACTICES, "1")
    assert [m.topic for m in messages] == discovery_topics(CONFIG, PRACTICES)
    for message in messages:
        assert isinstance(json.loads(message.payload), dict)
        assert len(message.payload) < 2000


def test_real_catalogue_discovery_is_unique(catalogue: Catalogue) -> None:
    titles = {p.id: p.title for p in catalogue.practices.values()}
    configs = discovery_configs(CONFIG, titles, "1")
    assert len(configs) == len(titles) + 2 + 4
    assert len({c["unique_id"] for c in configs.values()}) == len(configs)
    assert "homeassistant/button/kindly_bedroom/start_bedtime_reflection/config" in configs


def test_title_from_id() -> None:
    assert title_from_id("bedtime_reflection") == "Bedtime reflection"


# -- command payloads --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "command"),
    [
        (b'{"action": "start", "practice": "rain"}', Command("start", "rain", False)),
        (
            b'{"action": "start", "practice": "bedtime_reflection", "ask_first": true}',
            Command("start", "bedtime_reflection", True),
        ),
        (b'{"action": "stop"}', Command("stop")),
        (b'{"action": "pause", "extra": 1}', Command("pause")),
        (b'{"action": "resume"}', Command("resume")),
        (b'{"action": "listen"}', Command("listen")),
    ],
)
def test_good_commands(payload: bytes, command: Command) -> None:
    assert parse_command(payload, PRACTICES) == command


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (b"start rain", "not JSON"),
        (b"", "not JSON"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b'"stop"', "not a JSON object"),
        (b"{}", "unknown action None"),
        (b'{"action": "dance"}', "unknown action 'dance'"),
        (b'{"action": ["stop"]}', "unknown action"),
        (b'{"action": "start"}', "unknown practice None"),
        (b'{"action": "start", "practice": "juggling"}', "unknown practice 'juggling'"),
        (b'{"action": "start", "practice": "rain", "ask_first": "yes"}', "ask_first"),
        (b"x" * (MAX_COMMAND_BYTES + 1), "too large"),
        (b"[" * 4000, "not JSON"),
    ],
)
def test_bad_commands_say_why(payload: bytes, why: str) -> None:
    with pytest.raises(BadCommand, match=why.replace("[", r"\[")):
        parse_command(payload, PRACTICES)


def test_long_values_are_cut_in_the_reason() -> None:
    with pytest.raises(BadCommand) as info:
        parse_command(json.dumps({"action": "z" * 500}).encode(), PRACTICES)
    assert len(str(info.value)) < 120


@given(st.binary(max_size=300))
def test_any_bytes_give_a_command_or_bad_command(payload: bytes) -> None:
    try:
        command = parse_command(payload, PRACTICES)
    except BadCommand:
        return
    assert command.action in ("start", "stop", "pause", "resume", "listen")


# -- --mqtt HOST[:PORT] ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("broker", ("broker", None)),
        ("broker.local:1884", ("broker.local", 1884)),
        ("127.0.0.1:8883", ("127.0.0.1", 8883)),
        ("[::1]:1883", ("::1", 1883)),
        ("[::1]", ("::1", None)),
        ("fe80::1", ("fe80::1", None)),
    ],
)
def test_parse_broker(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_broker(text) == expected


@pytest.mark.parametrize(
    "text", ["broker:", "broker:abc", "broker:0", "broker:70000", ":1883", "[::1"]
)
def test_parse_broker_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="--mqtt"):
        parse_broker(text)


def test_flags_override_the_config_file() -> None:
    config = Config(mqtt=MqttConfig(host="old", port=1, device_id="a", username="u"))
    config = config.with_overrides(mqtt=mqtt_overrides("new:1884", "kitchen"))
    assert (config.mqtt.host, config.mqtt.port, config.mqtt.device_id) == ("new", 1884, "kitchen")
    assert config.mqtt.username == "u"
    same = config.with_overrides(mqtt=mqtt_overrides(None, None))
    assert same.mqtt == config.mqtt


# -- the Home Assistant examples in deploy/pi/homeassistant -----------------------------------

EXAMPLES = ROOT / "deploy" / "pi" / "homeassistant"


def _slug(text: str) -> str:
    """Home Assistant's entity id slug (close enough for ASCII names)."""
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]", "_", text.lower())).strip("_")


def test_the_bedtime_automation_sends_a_valid_ask_first_command(catalogue: Catalogue) -> None:
    automation = yaml.safe_load((EXAMPLES / "bedtime-automation.yaml").read_text())
    assert automation["triggers"][0]["at"] == "22:00:00"
    data = automation["actions"][0]["data"]
    assert data["topic"] == topics_for(CONFIG).command
    command = parse_command(data["payload"].encode(), catalogue.practices)
    assert command == Command("start", "bedtime_reflection", True)


def test_the_dashboard_card_names_entities_discovery_creates(catalogue: Catalogue) -> None:
    titles = {p.id: p.title for p in catalogue.practices.values()}
    device = f"Kindly {CONFIG.device_id}"
    created = {
        f"{topic.split('/')[1]}.{_slug(device + ' ' + config['name'])}"
        for topic, config in discovery_configs(CONFIG, titles, "1").items()
    }
    card = yaml.safe_load((EXAMPLES / "dashboard-card.yaml").read_text())
    used = {row["entity"] for row in card["entities"] if "entity" in row}
    automation = (EXAMPLES / "bedtime-automation.yaml").read_text()
    used |= set(re.findall(r"\bsensor\.kindly_\w+", automation))
    assert used, "no entities in the examples"
    assert used <= created
