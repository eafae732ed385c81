"""Echo cancellation: take Kindly's own voice out of live microphone chunks.

The speaker's audio is the reference (`skill.audio.reference`): what was played and what
the microphone heard at the same time go into speexdsp's canceller (`skill.audio.speex`),
the microphone's audio without the echo comes out; around it, this module keeps the two
lined up, finds the echo's delay, and tells Kindly's residue from another voice.
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np
import numpy.typing as npt

from skill.audio.rechunk import RATE
from skill.audio.reference import FAR_ACTIVE, DelayEstimator, EchoReference
from skill.audio.speex import EchoCanceller
from skill.errors import AudioError

log = logging.getLogger(__name__)

Pcm = npt.NDArray[np.int16]
RESYNC = 0.08  # the mic's clock this far off the reference's: jump to it
DRIFT_WINDOW = 1.0  # seconds of chunks whose least-late time says where the mic is
AIM = 0.015  # the reference this far ahead of its echo once the delay is measured
STATS_EVERY = 5.0  # seconds of playback between debug lines
GATE = 0.25  # a chunk keeping less of its power than this, while Kindly plays, is echo
GATE_HOLD = 0.01  # the reference's power falls to this over one tail (its echo dies away)
GATE_OPEN = 0.3  # seconds the gate stays open after a chunk that held another voice
GATE_BEFORE = 0.12  # seconds of gated audio handed on with the chunk that opens the gate
QUIET_WINDOWS = 2  # the mic this many delay windows in a row far quieter than the playback
DIVERGED = 0.25  # seconds of output louder than the mic, while Kindly plays: start afresh
HISTORY = 6.0  # seconds of per-chunk powers kept to tell a second voice from the echo
LEARNT = 0.1  # the filter keeps less than this of the echo (median, 10 dB): it has learnt
NEAR = 0.25  # a chunk the learnt filter leaves a quarter of holds another voice
NEAR_FLOOR = 1e4  # ... if that is at least this loud (about -50 dBFS)
NEAR_CHUNKS = 3  # chunks (90 ms) in a row like that: someone spoke over Kindly
ALONE = 0.5  # seconds after Kindly's last sound (by the reference) that the mic is the person's
PLAYING, BETWEEN, NOTHING = 1, 0, -1  # what of Kindly may be in a chunk
RELEARN = 2.0  # seconds after the filter starts afresh that what it leaves says nothing
OVER_ECHO = 0.2  # a chunk left at least this share of the echo Kindly's playback predicts...
VOICE_CHUNKS = 2  # ... for this many chunks in a row (60 ms) may hold another voice
ECHO_PATH_RATE = 0.05  # how fast the echo path's gain (mic over reference power) is followed
LOUD_FAR = 1e6  # reference power (about -30 dBFS) loud enough to measure the echo path on


class MicEchoCanceller:
    """Kindly's own voice taken out of live microphone chunks, with the player's reference.

    Each chunk comes with the monotonic time it was captured; the reference handed to
    speex is what was heard `lead` seconds later than that, so it always arrives before
    its echo (speex models echoes from 0 to `tail` seconds after the reference; a
    reference later than its echo could not be cancelled). While nothing has played for a
    whole tail the chunk passes through untouched, which costs nothing.
    """

    def __init__(self, reference: EchoReference, *, lead: float = 0.06, tail: float = 0.25) -> None:
        self.reference = reference
        self.lead = lead
        self.tail = tail
        self._aec: EchoCanceller | None = None
        self._next = 0.0  # where on the reference's clock the next chunk ends
        self._drifts: deque[float] = deque()  # the last chunks' times off `_next`
        self._shift = 0.0  # moved back by what the delay estimator found
        self._delays = DelayEstimator()
        self._far_power = 0.0  # recent reference power, held for about a tail
        self._stats = np.zeros(5)  # mic power, output power, silenced, restored, chunks
        self._louder = 0  # samples in a row the canceller made louder than the mic heard
        self._open = 0  # samples the gate stays open for (another voice was just heard)
        self._gated: deque[Pcm] = deque()  # the last chunks the gate silenced (GATE_BEFORE)
        self.before = b""  # those chunks, when the last chunk opened the gate
        self.hears_echo = True  # until the mic is found far quieter than the playback
        # (captured at, mic power, power the linear filter left, PLAYING/BETWEEN/NOTHING)
        self._history: deque[tuple[float, float, float, int]] = deque()
        self._now = 0.0  # when the chunk being cleaned was captured
        self._restarted = -1e9  # when the filter last started afresh (it had not learnt)
        # The last chunk may hold a voice other than Kindly's (`voice`): nothing of Kindly
        # can be in it, or what the canceller left is well above the echo it predicts.
        self.voice = True
        self._voice_run = 0  # chunks in a row that left more than the echo predicts
        self._echo_path: float | None = None  # log10 of mic power over reference power

    def clean(self, chunk: bytes, captured_at: float) -> bytes:
        """The chunk (16 kHz mono int16 ending at `captured_at`) without Kindly's voice.
        When a voice over Kindly opens the gate, `before` holds what it had just silenced:
        the hearing stage should hear that first."""
        mic = np.frombuffer(chunk, np.int16)
        n = len(mic)
        self._now = captured_at
        self.before = b""
        # how long before this chunk's echo Kindly fell quiet: the echo arrives the delay
        # found later than Kindly played it (0.3-0.4 s through a sound server's pipes)
        delay = max(0.0, self._shift - self.lead + AIM)
        quiet = captured_at - n / RATE - delay - self.reference.quiet_since()
        if quiet > self.tail:
            # Nothing Kindly played can be in it. Only well after Kindly's last sound is it
            # surely the person's: the reference's clock is off by tens of ms under load.
            power = _power(mic)
            self._remember(captured_at, power, power, NOTHING if quiet > ALONE else BETWEEN)
            self.voice, self._voice_run = True, 0
            self._drifts.clear()  # where the reference stands is found again when it plays
            return chunk
        if self._aec is None or n % self._aec.frame:
            self._aec = EchoCanceller(frame=160 if n % 160 == 0 else n, tail=self.tail)
        # Chunks are contiguous audio: read the reference contiguously too, and follow the
        # mic's clock only when all of the last second is off (a lost and regained device,
        # whose capture times start afresh; a mic stamped on arrival comes in bursts, 0.4-0.8
        # s late); the delay estimator does the fine tuning.
        self._next += n / RATE
        self._drifts.append(captured_at + self.lead - self._next)
        while len(self._drifts) * n > DRIFT_WINDOW * RATE:
            self._drifts.popleft()
        early, late = min(self._drifts), max(self._drifts)
        if early > RESYNC or late < -RESYNC:
            jump = early if early > RESYNC else late
            self._next += jump
            self._drifts = deque(d - jump for d in self._drifts)
        far = self.reference.around(self._next - self._shift, n)
        lag = self._delays.add(mic, far)
        if lag is not None:
            self.hears_echo = True  # the mic follows the playback: it hears Kindly
        elif self._delays.quiet >= QUIET_WINDOWS and self.hears_echo:
            self.hears_echo = False
            log.debug("echo: the microphone does not hear Kindly; residual suppression off")
        if lag is not None and abs(lag - AIM) > AIM:
            # Feed the reference AIM ahead of its echo: speex learns a short delay fast.
            self._shift += lag - AIM
            self._delays.clear()
            self._restart()  # what it learnt was for the old delay
            log.debug(
                "echo delay %.0f ms: reference moved by %.0f ms", lag * 1e3, (lag - AIM) * 1e3
            )
        step = self._aec.frame
        decay = GATE_HOLD ** (n / RATE / self.tail)
        self._far_power = max(_power(far), self._far_power * decay)
        linear = np.concatenate(
            [self._aec.cancel(mic[i : i + step], far[i : i + step]) for i in range(0, n, step)]
        )
        state = PLAYING if self._far_power >= FAR_ACTIVE else BETWEEN
        heard = _power(mic)  # once a chunk: the history, the gate and the stats use it
        self._remember(captured_at, heard, _power(linear), state)
        cancelled = linear.copy()
        # A mic that does not hear Kindly (a headset, a speaker in another room, a mic with
        # its own echo cancelling) gets only the linear filter: the residual suppressor
        # would shave the person's words for nothing (a lone "stop" was lost 11 in 12).
        # A person talking over Kindly makes the mic loud too; only a measured echo (the
        # mic following the playback) switches it on again.
        if self.hears_echo:
            for i in range(0, n, step):
                self._aec.suppress(cancelled[i : i + step])
        out, restored = self._no_louder(mic, cancelled, step)
        out = self._gate(heard, out)
        left = _power(out)
        self._judge(heard, left, state)
        self._stats += (heard, left, float(not out.any() and mic.any()), restored, 1)
        if self._stats[4] * n >= STATS_EVERY * RATE:
            heard, left, gated, kept, count = self._stats
            log.debug(
                "echo: %.1f dB taken out, %.0f%% of chunks silenced, %.0f%% of frames kept "
                "as heard, reference moved %.0f ms",
                10 * np.log10((heard + 1.0) / (left + 1.0)),
                100 * gated / count,
                100 * kept / (count * n / step),
                self._shift * 1e3,
            )
            self._stats[:] = 0.0
        return out.tobytes()

    def _judge(self, heard: float, left: float, state: int) -> None:
        """Set `voice` for a chunk Kindly may be in (`heard`: the mic's power; `left`: what
        the canceller let through). Kindly's own voice leaves a residue well below the
        echo its playback predicts (the reference's power times the echo path's gain); a
        person at the echo's level leaves about all of theirs. The voice loop decodes
        nothing of a practice that is only Kindly (its residue cost half the CPU)."""
        far = self._far_power
        if state == PLAYING and far >= LOUD_FAR and heard > 0:
            path = float(np.log10(heard / far))
            old = self._echo_path
            self._echo_path = path if old is None else old + ECHO_PATH_RATE * (path - old)
        predicted = far * 10**self._echo_path if self._echo_path is not None else 0.0
        above = left >= NEAR_FLOOR and left >= GATE * heard and left >= OVER_ECHO * predicted
        self._voice_run = self._voice_run + 1 if above else 0
        self.voice = self._voice_run >= VOICE_CHUNKS

    def _restart(self) -> None:
        if self._aec is not None:
            self._aec.reset()
        self._restarted = self._now

    def _remember(self, captured_at: float, heard: float, kept: float, state: int) -> None:
        self._history.append((captured_at, heard, kept, state))
        while self._history and self._history[0][0] < captured_at - HISTORY:
            self._history.popleft()

    def near_speech(self, since: float) -> bool | None:
        """Did a voice other than Kindly's reach the mic since monotonic time `since`?

        True when, for 90 ms, the mic was loud half a second after Kindly's last sound, or the
        learnt linear filter left a quarter or more of what the mic heard: the echo it has
        learnt is taken out (at most a sixth left, on its loudest peaks, in the tests'
        rooms), a person speaking as loud as it is not (about half left). Otherwise None
        while the canceller cannot tell (it has not learnt the room: it usually leaves
        more than a tenth of the echo, or Kindly has hardly played), else False. For
        `RELEARN` seconds after the filter starts afresh (a new delay, or it diverged) it
        leaves much of the echo: a live run took Kindly's "can say stop at any time" for
        a second voice then, so what it leaves counts for nothing until it has relearnt.
        """
        playing = [k / h for _, h, k, state in self._history if state == PLAYING and h > 0]
        learnt = len(playing) >= 30 and float(np.median(playing)) <= LEARNT
        loud = 0
        for at, heard, kept, state in self._history:
            if at <= since:
                continue
            # the diverging filter before it restarted (0.25 s), and its relearning after
            relearning = self._restarted - 2 * DIVERGED <= at <= self._restarted + RELEARN
            trusted = state == NOTHING or (learnt and not relearning)
            if kept > NEAR_FLOOR and kept > NEAR * heard and trusted:
                loud += 1
                if loud >= NEAR_CHUNKS:
                    return True
            else:
                loud = 0
        return False if learnt else None

    def _no_louder(self, mic: Pcm, out: Pcm, step: int) -> tuple[Pcm, int]:
        """A canceller only takes sound away: a frame it made louder than the mic heard is
        its own echo estimate (a filter that learnt from the person's voice, or from a mic
        that hears no echo at all: digital silence, a muted or far-away speaker), and
        would put Kindly's voice into what the recogniser hears. Such frames are kept as
        heard, and a filter that keeps doing it is started afresh. Returns the audio and
        how many frames were kept as heard."""
        frames = len(mic) // step
        heard = mic[: frames * step].astype(np.float64).reshape(frames, step)
        made = out[: frames * step].astype(np.float64).reshape(frames, step)
        louder = np.mean(made**2, axis=1) > np.mean(heard**2, axis=1) + 1.0
        if not louder.any():
            self._louder = 0
            return out, 0
        fixed = out.copy()
        for i in np.flatnonzero(louder):
            fixed[i * step : (i + 1) * step] = mic[i * step : (i + 1) * step]
        self._louder = self._louder + len(mic) if louder.all() else 0
        if self._louder >= DIVERGED * RATE and self._aec is not None:
            log.debug("echo canceller made the mic louder for %.2f s: starting afresh", DIVERGED)
            self._restart()
            self._louder = 0
        return fixed, int(louder.sum())

    def _gate(self, heard: float, out: Pcm) -> Pcm:
        """Silence what is left of Kindly's voice (`heard`: the mic's power): speex's
        residue is still speech to a VAD and a recogniser (it joined Kindly's words into
        one long request). A chunk that lost most of its power to the canceller while Kindly
        played was mostly echo; a person speaking over Kindly at its level keeps about half.
        Their quieter sounds (the "s" of "stop", the end of "myself") keep less, so the gate
        stays open `GATE_OPEN` after a loud chunk (a crisis line over playback, room echo: 2
        of 8 heard with a gate closing between chunks, 5 of 8 with none), and the chunks it
        silenced just before (`GATE_BEFORE`) go on in `before` when one opens it ("stop" over
        playback offline, 24 trials: pure delay 8 -> 15, room 6 -> 17; gate off 16, 18)."""
        if self._far_power < FAR_ACTIVE:
            self._gated.clear()
            return out
        n = len(out)
        kept = _power(out)
        if kept >= GATE * heard:
            if kept >= NEAR_FLOOR:  # a voice, not the mic's noise between Kindly's words
                self._open = int(GATE_OPEN * RATE)
                self.before = b"".join(chunk.tobytes() for chunk in self._gated)
            self._gated.clear()
            return out
        if self._open > 0:
            self._open -= n
            return out
        self._gated.append(out)
        while len(self._gated) * n > GATE_BEFORE * RATE:
            self._gated.popleft()
        return np.zeros(n, np.int16)

    def close(self) -> None:
        if self._aec is not None:
            self._aec.close()


def _power(pcm: Pcm) -> float:
    return float(np.mean(pcm.astype(np.float64) ** 2)) if len(pcm) else 0.0


def mic_canceller(reference: EchoReference) -> MicEchoCanceller | None:
    """A live canceller over `reference`, or None (logged once) without libspeexdsp."""
    try:
        EchoCanceller().close()  # the library loads and sets up
    except AudioError as exc:
        log.warning(
            "no echo cancellation: %s; Kindly's own voice may be heard as yours "
            "(or load PulseAudio's module-echo-cancel and use its source as the mic)",
            exc,
        )
        return None
    return MicEchoCanceller(reference)
