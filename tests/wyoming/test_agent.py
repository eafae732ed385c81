"""The agent without the protocol: short forms, safety follow-ups, config, zeroconf record."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from skill.config import load_config
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.errors import ConfigError, ContentErrors
from skill.nlu.intents import IntentMatcher
from skill.wyoming.advertise import SERVICE_TYPE, lan_address, service_info
from skill.wyoming.agent import MEMORY_SECONDS, Agent, Memory
from skill.wyoming.short import FILE, load_short_forms
from tests.contentkit import make_content

# DESIGN.md's practice ids: the short forms file may hold a form for any of them.
PRACTICES = {
    "self_compassion_break",
    "take_a_break",
    "soothing_touch",
    "friend_reframe",
    "compassionate_letter",
    "rain",
    "bedtime_reflection",
    "self_compassion_minute",
    "brief_writing",
    "loving_kindness",
    "grief_and_loss",
    "sleepless_night",
    "morning_intention",
}


def test_every_practice_has_a_short_form_that_fits_one_response(catalogue: Catalogue) -> None:
    forms = load_short_forms(catalogue)
    assert set(forms) == set(catalogue.practices)
    written = yaml.safe_load((catalogue.root / FILE).read_text(encoding="utf-8"))
    assert set(written) <= PRACTICES | set(catalogue.practices)  # no typo'd id
    for practice in catalogue.practices.values():
        assert practice.id in written, f"{practice.id} has no short form in {FILE}"
        words = len(forms[practice.id].split())
        assert 30 <= words <= 90, (practice.id, words)  # under a minute at a calm pace


def test_a_bad_short_forms_file_names_file_key_and_line(tmp_path: Path) -> None:
    root = make_content(tmp_path / "content", {})
    (root / FILE).write_text("other_practice: Unused here.\nBad Key: Hello.\nrain: 3\n")
    with pytest.raises(ContentErrors) as caught:
        load_short_forms(load_catalogue(root))
    shown = [str(e) for e in caught.value.errors]
    assert len(shown) == 2
    assert shown[0].startswith(f"{FILE}:2: Bad Key:"), shown
    assert shown[1].startswith(f"{FILE}:3: rain:"), shown


def test_without_a_speaker_a_practice_gets_no_offer(matcher: IntentMatcher) -> None:
    alone = Agent(matcher, region="us", speaker=False).reply("I messed up")
    beside = Agent(matcher, region="us", speaker=True).reply("I messed up")
    assert alone.handled and alone.offer is None and "Kindly speaker" not in alone.text
    assert beside.offer == "self_compassion_break" and beside.text.startswith(alone.text)


def test_a_safety_question_is_answered_in_the_same_conversation(matcher: IntentMatcher) -> None:
    agent = Agent(matcher, region="us", speaker=True)
    asking = [s for s in agent.safety.values() if s.ask]
    if not asking:
        pytest.skip("no safety response asks first in this content")
    intent = next(k for k, s in agent.safety.items() if s.ask)
    line = {"abuse": "my partner hits me"}.get(intent)
    if line is None or matcher.parse(line).intent != intent:
        pytest.skip("no known line for the asking safety intent")
    context = {"conversation_id": "x"}
    first = agent.reply(line, context)
    assert first.text == agent.safety[intent].ask and first.offer is None
    yes = agent.reply("yes", context)
    assert yes.text == " ".join(agent.safety[intent].lines)
    agent.reply(line, {"conversation_id": "y"})
    no = agent.reply("stop", {"conversation_id": "y"})
    assert no.text == " ".join(agent.safety[intent].quiet)
    unasked = agent.reply("yes", {"conversation_id": "z"})  # no question was asked there
    assert unasked.kind != "safety" and unasked.text != yes.text


def test_the_memory_forgets_after_a_while_and_keeps_no_text() -> None:
    now = [0.0]
    memory = Memory(clock=lambda: now[0])
    memory.put("conversation_id:a", "crisis", False)
    assert memory.get("conversation_id:a") == ("crisis", False)
    now[0] += MEMORY_SECONDS + 1
    assert memory.get("conversation_id:a") is None
    memory.put(None, "crisis", False)  # no conversation id: nothing remembered
    assert memory.get(None) is None


def test_the_wyoming_config_section(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("wyoming:\n  enabled: true\n  port: 10800\n  zeroconf: false\n")
    config = load_config(path)
    assert (config.wyoming.enabled, config.wyoming.port, config.wyoming.zeroconf) == (
        True,
        10800,
        False,
    )
    assert config.wyoming.host == "0.0.0.0"
    path.write_text("wyoming:\n  enabled: yes please\n")
    with pytest.raises(ConfigError, match=r"wyoming.enabled"):
        load_config(path)


def test_the_zeroconf_record_and_no_advertising_on_loopback() -> None:
    info = service_info("kindly-den", "192.0.2.7", 10700)  # built only: nothing is sent
    assert info.type == SERVICE_TYPE == "_wyoming._tcp.local."
    assert info.name == "kindly-den._wyoming._tcp.local."
    assert info.port == 10700
    assert info.addresses == [socket.inet_aton("192.0.2.7")]
    assert lan_address("127.0.0.1") is None
    assert lan_address("localhost") is None
