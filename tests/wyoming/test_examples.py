"""The Home Assistant examples in deploy/pi/homeassistant/ for Kindly as an Assist agent
do what the README says: every sentence the "beside Assist" automation hands to Kindly is
one Kindly takes (Handled), its crisis sentences get the crisis response, and the pipeline
example names Kindly's agent and the local-first setting."""

from __future__ import annotations

from itertools import islice
from typing import Any

import yaml
from hassil.parse_expression import parse_sentence
from hassil.sample import sample_expression

from skill.nlu.intents import IntentMatcher
from skill.wyoming.agent import Agent
from tests.conftest import ROOT

EXAMPLES = ROOT / "deploy" / "pi" / "homeassistant"


def _load(name: str) -> Any:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def test_every_sentence_the_automation_hands_to_kindly_is_handled(matcher: IntentMatcher) -> None:
    automation = _load("kindly-beside-assist.yaml")
    (trigger,) = automation["triggers"]
    assert trigger["trigger"] == "conversation"
    (process, respond) = automation["actions"]
    assert process["action"] == "conversation.process"
    assert process["data"]["agent_id"] == "conversation.kindly"
    assert "kindly.response.speech.plain.speech" in respond["set_conversation_response"]
    agent = Agent(matcher, region="us", speaker=False)
    crisis = " ".join(agent.safety["crisis"].lines)
    sentences = 0
    for template in trigger["command"]:
        for text in islice(sample_expression(parse_sentence(template).expression), 200):
            reply = agent.reply(text)
            assert reply.handled, (template, text)
            if "die" in template or "kill myself" in template:
                assert reply.kind == "safety", text
                if "want to die" in text or "kill myself" in text:
                    assert reply.text == crisis, text
            sentences += 1
    assert sentences > 20


def test_the_pipeline_example_picks_kindly_and_keeps_home_commands_local() -> None:
    pipeline = _load("assist-pipeline.yaml")
    assert pipeline["conversation_agent"] == "kindly"
    assert pipeline["prefer_handling_commands_locally"] is True
