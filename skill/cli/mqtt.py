"""The MQTT commands behind `kindly mqtt ...`, and the `--mqtt`/`--device-id` flags.

Each function takes plain values and returns an exit code; only these functions print.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from skill.app.runtime import catalogue_for
from skill.config import Config
from skill.errors import ConfigError


def parse_broker(text: str) -> tuple[str, int | None]:
    """`HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT` -> (host, port or None)."""
    text = text.strip()
    port_text: str | None = None
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ConfigError(f"--mqtt {text!r}: expected HOST[:PORT] or [IPv6][:PORT]")
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host = text  # a bare IPv6 address has several colons and no port
    if not host:
        raise ConfigError(f"--mqtt {text!r}: no host")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"--mqtt {text!r}: {port_text!r} is not a port number")
    return host, int(port_text)


def mqtt_overrides(broker: str | None, device_id: str | None) -> dict[str, Any]:
    """The `mqtt` section overrides for `Config.with_overrides` (None: keep the config's)."""
    host, port = parse_broker(broker) if broker else (None, None)
    return {"host": host, "port": port, "device_id": device_id}


def cmd_forget(config: Config, out: TextIO | None = None) -> int:
    """Remove Kindly's entities from Home Assistant (empty retained discovery configs)."""
    from skill.mqtt import client as mqtt_client

    out = out or sys.stdout
    practices = catalogue_for(config).practices
    titles = {p.id: p.title for p in practices.values()}
    cleared = mqtt_client.forget(config.mqtt, titles)
    for topic in cleared:
        out.write(f"cleared {topic}\n")
    out.write(
        f"removed {len(cleared)} discovery configs of device {config.mqtt.device_id} "
        f"from {config.mqtt.host}:{config.mqtt.port}\n"
    )
    return 0
