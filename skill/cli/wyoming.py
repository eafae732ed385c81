"""`kindly wyoming --uri tcp://HOST:PORT`: Kindly as a Home Assistant Assist agent."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TextIO

from skill.app.runtime import catalogue_for
from skill.config import Config
from skill.nlu.intents import IntentMatcher
from skill.wyoming.agent import Agent
from skill.wyoming.server import Service, endpoint_for, serve

log = logging.getLogger("kindly")


def cmd_wyoming(config: Config, uri: str, *, zeroconf: bool, out: TextIO | None = None) -> int:
    """Serve until SIGINT or SIGTERM. Offers go to the Kindly speaker when a broker is set."""
    out = out or sys.stdout
    endpoint_for(uri)  # a bad URI fails now, before the understanding is loaded
    matcher = IntentMatcher(catalogue_for(config))
    offer = None
    if config.mqtt.host:
        from skill.wyoming.offer import MqttOffer

        offer = MqttOffer(config.mqtt)
    agent = Agent(matcher, region=config.region, speaker=offer is not None)
    service = Service(agent, offer)
    name = f"kindly-{config.mqtt.device_id}" if zeroconf else None

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

        def ready(port: int | None) -> None:
            shown = uri if port is None else uri.rsplit(":", 1)[0] + f":{port}"
            out.write(f"kindly wyoming: answering Home Assistant Assist on {shown}\n")
            out.flush()

        await serve(service, uri, stop=stop, ready=ready, zeroconf_name=name)

    if offer is not None:
        offer.start()
    try:
        asyncio.run(main())
    finally:
        if offer is not None:
            offer.stop()
    return 0
