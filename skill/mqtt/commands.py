"""MQTT commands in: a payload from the `command` topic as a session Command, or why not.

A payload is anyone's bytes: it is size-checked before it is decoded, and a refusal says
why it was ignored (a value shown cut to 40 characters), never the payload itself.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from skill.core.events import Command
from skill.errors import MqttError

MAX_COMMAND_BYTES = 4096  # a real command is under 100 bytes
ACTIONS = ("start", "stop", "pause", "resume", "listen")


class BadCommand(MqttError):
    """A command payload Kindly ignores; the message says why, never what it held."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_command(payload: bytes | bytearray, practices: Collection[str]) -> Command:
    """A command payload (DESIGN.md) as a session Command, or BadCommand saying why not."""
    if len(payload) > MAX_COMMAND_BYTES:
        raise BadCommand(f"too large ({len(payload)} bytes)")
    try:
        data = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadCommand("not UTF-8") from None
    except (ValueError, RecursionError):
        raise BadCommand("not JSON") from None
    if not isinstance(data, dict):
        raise BadCommand("not a JSON object")
    action = data.get("action")
    if action not in ACTIONS:
        raise BadCommand(f"unknown action {_shown(action)} (known: {', '.join(ACTIONS)})")
    if action != "start":
        return Command(action)
    practice = data.get("practice")
    if not isinstance(practice, str) or practice not in practices:
        raise BadCommand(f"unknown practice {_shown(practice)}")
    ask_first = data.get("ask_first", False)
    if not isinstance(ask_first, bool):
        raise BadCommand("ask_first must be true or false")
    return Command("start", practice, ask_first)
