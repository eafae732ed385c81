"""The commands behind `kindly ...`: the only place that prints.

Each function takes plain values (never an argparse namespace) and returns an exit code.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from skill.app.loop import Loop, OutputPlayer
from skill.app.runtime import build_service, catalogue_for
from skill.cli import logs
from skill.config import Config, load_config
from skill.core.events import Listen, Output, PlayChime, Silence, Speak
from skill.errors import ContentErrors, KindlyError
from skill.nlu.check import check_content
from skill.nlu.intents import IntentMatcher

if TYPE_CHECKING:
    from skill.mqtt.bridge import MqttBridge

log = logging.getLogger("kindly")

NOT_THERAPY = (
    "Kindly is a companion for small self-compassion practices. "
    "It is not therapy and not an emergency service."
)


def setup_logging(level: str) -> None:
    """Log to stderr at `level` (info by default: never transcripts), rate-limited."""
    logs.setup_logging(level)


def config_from(path: str | None) -> Config:
    return load_config(Path(path) if path else None)


def cmd_parse(config: Config, text: str | None, jsonl: bool, out: TextIO | None = None) -> int:
    """Parse TEXT, or every stdin line with --jsonl, into one JSON object per line."""
    out = out or sys.stdout
    matcher = IntentMatcher(catalogue_for(config))
    lines: Iterable[str] = forgiving(sys.stdin) if jsonl or text is None else [text]
    for line in lines:
        line = line.rstrip("\n")
        if jsonl and not line.strip():
            continue
        out.write(json.dumps(matcher.parse(line).to_json()) + "\n")
        out.flush()
    return 0


def forgiving(source: TextIO) -> TextIO:
    """`source` reading on past bytes that are not text in its encoding (shown as U+FFFD):
    one bad byte on stdin never ends `kindly parse` or the text loop."""
    reconfigure = getattr(source, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):  # already read from, or closed: keep it as it is
            pass
    return source


def cmd_practice_list(config: Config, as_json: bool, out: TextIO | None = None) -> int:
    """The catalogue of practices."""
    out = out or sys.stdout
    practices = catalogue_for(config).practices.values()
    rows = [
        {"id": p.id, "title": p.title, "minutes": p.minutes, "steps": len(p.steps)}
        for p in practices
    ]
    if as_json:
        out.write(json.dumps(rows, indent=2) + "\n")
    else:
        for row in rows:
            out.write(f"{row['id']:<24} {row['minutes']:>4g} min  {row['title']}\n")
    return 0


def cmd_check(content: str | None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Validate the content; on error print file:line: key: problem for each, exit 1."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        catalogue = check_content(Path(content) if content else None)
    except ContentErrors as exc:
        for error in exc.errors:
            err.write(f"error: {error}\n")
        err.write(f"{len(exc.errors)} problem(s) found\n")
        return 1
    kinds: dict[str, int] = {}
    for intent in catalogue.intents.values():
        kinds[intent.kind] = kinds.get(intent.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    out.write(f"ok: {catalogue.root} ({summary})\n")
    return 0


class OutputPrinter:
    """Shows what Kindly says in the terminal, silences included."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, output: Output) -> None:
        if isinstance(output, Speak):
            self.out.write(f"Kindly: {output.text}\n")
        elif isinstance(output, Silence):
            self.out.write(f"        ({output.seconds:g} s of quiet)\n")
        elif isinstance(output, PlayChime):
            self.out.write("        (a soft chime)\n")
        elif isinstance(output, Listen):
            self.out.write("        (listening)\n")
        self.out.flush()


def cmd_run_text(
    config: Config,
    *,
    fast: bool,
    mute: bool,
    source: TextIO | None = None,
    out: TextIO | None = None,
    player: OutputPlayer | None = None,
    bridge: MqttBridge | None = None,
    speak: bool = False,
) -> int:
    """The text loop: typed lines in, what Kindly says printed.

    The outputs are played on `player`, or with `speak` on the speaker; neither when muted
    or `fast` (then they take no time with `fast`, their real time without). With a broker
    configured (or a `bridge` given) the loop also talks MQTT; the bridge is started and
    stopped here, and so is a speaker opened here.
    """
    source, out = forgiving(source or sys.stdin), out or sys.stdout
    service = build_service(
        config,
        player=None if mute else player,
        speak=speak and not (mute or fast),
        fast=fast,
        on_output=OutputPrinter(out),
        bridge=bridge,
    )
    try:
        service.shutdown_on_sigterm()
        service.start()  # MQTT in the background: an unreachable broker never blocks the loop
        typing = source.isatty()
        if typing:
            out.write(f"{NOT_THERAPY}\nType what you would say (Ctrl-D to quit).\n")
            out.flush()
        threading.Thread(
            target=_read, args=(source, service.loop, typing), name="stdin", daemon=True
        ).start()
        service.loop.run()
    except KeyboardInterrupt:
        return 130
    finally:
        service.close()
    return 0


def _read(source: TextIO, loop: Loop, typing: bool = False) -> None:
    """Each typed line to the loop (parsed there, once); then the end of input.

    Ctrl-D at a terminal (`typing`) means quit now; the end of piped input lets what is
    being said finish. Input that cannot be read ends the input, never the loop silently.
    """
    try:
        for line in source:
            if line.strip():
                loop.put_text(line.strip())
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        log.warning("cannot read the input any more (%s); ending", type(exc).__name__)
    finally:
        if typing:
            loop.shutdown()
        else:
            loop.end_of_input()


def report(error: KindlyError, err: TextIO | None = None) -> int:
    """Print a Kindly error for a person and return the exit code."""
    err = err or sys.stderr
    if isinstance(error, ContentErrors):
        for item in error.errors:
            err.write(f"error: {item}\n")
    else:
        err.write(f"error: {error}\n")
    return 2
