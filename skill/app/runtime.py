"""The live service, wired once: content, matcher, crisis response, session, loop, player,
the optional MQTT bridge, and (for `kindly run` with a microphone) the voice side.

The command line builds the service here and keeps only printing and arguments. Heavy or
optional parts (the voice, the recognisers, paho) are imported when they are asked for,
so the text loop and `kindly parse` start as fast as before.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from skill.app.loop import Clock, Loop, OutputPlayer
from skill.app.voiceloop import Frames, VoiceLoop
from skill.app.watchdog import Watchdog
from skill.config import Config, HearingConfig
from skill.content.load import load_catalogue
from skill.content.model import Catalogue
from skill.core.events import Command, Output
from skill.core.memory import MemoryStore
from skill.core.session import Session
from skill.errors import AudioError, KindlyError
from skill.nlu.intents import IntentMatcher
from skill.nlu.safety import CrisisResponse, safety_check
from skill.paths import data_dir

if TYPE_CHECKING:
    from skill.hearing.listener import LiveHearing
    from skill.mqtt.bridge import MqttBridge
    from skill.speaking.player import SpeakerPlayer
    from skill.wyoming.server import BackgroundServer

log = logging.getLogger(__name__)
WELCOMED = "welcomed"  # marker file in the data dir: the first-run welcome was given


def catalogue_for(config: Config) -> Catalogue:
    """The content the config names (the packaged `intents/` by default)."""
    return load_catalogue(Path(config.content) if config.content else None)


def speaker_or_none(config: Config) -> SpeakerPlayer | None:
    """The speaker player, or None (with one log line) when there is no output device."""
    from skill.speaking import player

    try:
        return player.open_speaker_player(config)
    except AudioError as exc:
        log.warning("no sound: %s; showing the text only", exc)
    except KindlyError as exc:
        log.warning("no voice: %s; showing the text only", exc)
    return None


@dataclass
class Service:
    """Kindly's running parts. `start`, then run `loop` on one thread, then `close`."""

    config: Config
    catalogue: Catalogue
    matcher: IntentMatcher
    crisis: CrisisResponse
    session: Session
    loop: Loop
    player: OutputPlayer
    bridge: MqttBridge | None = None
    speaker: SpeakerPlayer | None = None  # opened here, so closed here
    voice: VoiceLoop | None = None
    watchdog: Watchdog | None = None
    wyoming: BackgroundServer | None = None  # Home Assistant Assist, `wyoming.enabled`

    def start(self) -> None:
        """Connect MQTT in the background (never blocks) and start hearing, if any."""
        if self.bridge is not None:
            self.bridge.start()
        if self.voice is not None:
            self.voice.start()
        if self.wyoming is not None:
            self.wyoming.start()
        if self.watchdog is not None:
            self.watchdog.ready()

    def close(self) -> None:
        """Stop hearing, say `offline` on MQTT and release the speaker."""
        if self.watchdog is not None:
            self.watchdog.stopping()
        if self.wyoming is not None:
            self.wyoming.stop()
        if self.voice is not None:
            self.voice.stop()
        if self.bridge is not None:
            self.bridge.stop()
        if self.speaker is not None:
            self.speaker.close()

    def shutdown_on_sigterm(self) -> None:
        """SIGTERM (systemd stopping the service) ends the loop cleanly."""

        def shutdown(_signum: int, _frame: FrameType | None) -> None:
            self.loop.shutdown()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, shutdown)


def build_service(
    config: Config,
    *,
    player: OutputPlayer | None = None,
    speak: bool = False,
    fast: bool = False,
    on_output: Callable[[Output], None] | None = None,
    bridge: MqttBridge | None = None,
) -> Service:
    """Build the service for `config`. Nothing is started.

    The outputs go to `player`; else, with `speak`, to the speaker (when one opens); else
    to a clock that takes the time they would take (none with `fast`). The MQTT bridge is
    `bridge`, or one for the configured broker; it is attached to the loop.
    """
    catalogue = catalogue_for(config)
    matcher = IntentMatcher(catalogue)
    crisis = safety_check(catalogue).response(config.region)
    session = Session(
        catalogue,
        crisis,
        request_timeout=config.hearing.request_timeout,
        offer_memory=offers_memory(config),
    )
    speaker = speaker_or_none(config) if speak and player is None else None
    player = player or speaker or Clock(fast=fast)
    loop = Loop(session, matcher, player, on_output=on_output, memory=MemoryStore())
    if bridge is None and config.mqtt.host:
        from skill.mqtt.bridge import bridge_for

        bridge = bridge_for(config.mqtt, catalogue)
    if bridge is not None:
        bridge.attach(loop)
    service = Service(config, catalogue, matcher, crisis, session, loop, player, bridge, speaker)
    if config.wyoming.enabled:
        service.wyoming = wyoming_beside(service)
    return service


def offers_memory(config: Config) -> bool:
    """`memory.offer` (default true): after a practice, offer to remember that it helped."""
    return config.memory.offer


def wyoming_beside(service: Service) -> BackgroundServer:
    """The Wyoming handle service inside this one: offers go to this loop (ask first)."""
    from skill.wyoming.agent import Agent
    from skill.wyoming.server import BackgroundServer
    from skill.wyoming.server import Service as WyomingService

    config = service.config
    agent = Agent(service.matcher, region=config.region, speaker=True)

    def offer(practice: str) -> None:
        service.loop.put(Command("start", practice, ask_first=True))

    uri = f"tcp://{config.wyoming.host}:{config.wyoming.port}"
    name = f"kindly-{config.mqtt.device_id}" if config.wyoming.zeroconf else None
    return BackgroundServer(WyomingService(agent, offer), uri, zeroconf_name=name)


def live_hearing(matcher: IntentMatcher, config: HearingConfig) -> LiveHearing:
    """The hearing stage for a configuration: recogniser (chosen and logged), wake spotter."""
    from skill.hearing.asr.select import make_recogniser
    from skill.hearing.listener import LiveHearing, endpoint_config
    from skill.hearing.microwake import make_spotter

    recogniser = make_recogniser(matcher.catalogue, config)
    spotter = make_spotter(config.wake_model, config.wake_phrase)
    return LiveHearing(recogniser, matcher, spotter, endpoint_config(config))


def add_voice(service: Service, mic: Frames) -> VoiceLoop:
    """Give the service ears: `mic` (a started microphone) through the hearing stage.

    The systemd watchdog is petted while audio flows and told when the service is ready.
    """
    watchdog = Watchdog()
    config = service.config.hearing
    player_alive = getattr(service.player, "alive", lambda: True)

    def heard_a_chunk() -> None:
        # Petted only while every stage lives: mic and hearing (a chunk was just heard),
        # the session's loop and the speaker's thread. A dead stage gets a restart.
        if service.loop.alive() and player_alive():
            watchdog.audio_flowing()

    if hasattr(mic, "on_waiting"):
        # No microphone yet (a service started before it was plugged in): the rest of the
        # chain is alive and waiting, so systemd must not restart it for that.
        def waiting() -> None:
            if service.loop.alive() and player_alive():
                watchdog.audio_flowing()

        mic.on_waiting = waiting
    service.voice = VoiceLoop(
        service.loop,
        mic,
        live_hearing(service.matcher, config),
        service.player,
        request_timeout=config.request_timeout,
        on_audio=heard_a_chunk,
        on_trouble=lambda: service.loop.put(Command("trouble")),
        restart_hearing=lambda: live_hearing(service.matcher, config),
        echo_cancel=None if service.config.audio.echo_cancel else False,  # on where speexdsp is
    )
    service.watchdog = watchdog
    return service.voice


def first_run() -> bool:
    """True the first time Kindly runs for this user (then never again)."""
    marker = data_dir() / WELCOMED
    if marker.exists():
        return False
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only data dir: welcome every time rather than never
    return True
