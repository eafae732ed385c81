"""speexdsp's echo canceller, through a small binding of Kindly's own (ctypes).

Debian's `libspeexdsp1` (BSD-3-Clause; on Raspberry Pi OS too): the only PyPI wrapper found
declares a proprietary licence, so it is not used. Frames of what was played and of what
the microphone heard at the same time go in, the microphone's audio without the echo comes
out. The speex preprocessor then takes off the residual echo and some noise.

The binding needs only the library, not its headers: every call takes plain pointers
and ints. Frames are 16 kHz mono int16 of `frame` samples (10 or 20 ms).
"""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np
import numpy.typing as npt

from skill.audio.rechunk import RATE
from skill.errors import AudioError

SPEEX_ECHO_SET_SAMPLING_RATE = 24
SPEEX_PREPROCESS_SET_ECHO_STATE = 24
SPEEX_PREPROCESS_SET_DENOISE = 0
Pcm = npt.NDArray[np.int16]
NO_LIBRARY = "echo cancellation needs libspeexdsp: sudo apt install libspeexdsp1"


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise AudioError(NO_LIBRARY) from None
    vp, i, p = ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p
    lib.speex_echo_state_init.restype = vp
    lib.speex_echo_state_init.argtypes = [i, i]
    lib.speex_echo_cancellation.restype = None
    lib.speex_echo_cancellation.argtypes = [vp, p, p, p]
    lib.speex_echo_ctl.restype = i
    lib.speex_echo_ctl.argtypes = [vp, i, p]
    lib.speex_echo_state_reset.argtypes = [vp]
    lib.speex_echo_state_destroy.argtypes = [vp]
    lib.speex_preprocess_state_init.restype = vp
    lib.speex_preprocess_state_init.argtypes = [i, i]
    lib.speex_preprocess_ctl.restype = i
    lib.speex_preprocess_ctl.argtypes = [vp, i, p]
    lib.speex_preprocess_run.restype = i
    lib.speex_preprocess_run.argtypes = [vp, p]
    lib.speex_preprocess_state_destroy.argtypes = [vp]
    return lib


class EchoCanceller:
    """Speex's acoustic echo canceller with its residual-echo preprocessor."""

    def __init__(self, frame: int = 160, tail: float = 0.25, denoise: bool = False) -> None:
        """`frame`: samples per call (160 = 10 ms); `tail`: the room's echo, in seconds."""
        self.frame = frame
        self._lib = _library()
        self._echo = self._lib.speex_echo_state_init(frame, int(tail * RATE))
        self._pre = self._lib.speex_preprocess_state_init(frame, RATE)
        if not self._echo or not self._pre:
            raise AudioError("speexdsp could not set up the echo canceller")
        rate = ctypes.c_int(RATE)
        self._lib.speex_echo_ctl(self._echo, SPEEX_ECHO_SET_SAMPLING_RATE, ctypes.byref(rate))
        self._lib.speex_preprocess_ctl(
            self._pre, SPEEX_PREPROCESS_SET_ECHO_STATE, ctypes.c_void_p(self._echo)
        )
        flag = ctypes.c_int(1 if denoise else 0)
        self._lib.speex_preprocess_ctl(self._pre, SPEEX_PREPROCESS_SET_DENOISE, ctypes.byref(flag))
        self._out = np.zeros(frame, np.int16)

    def process(self, mic: Pcm, played: Pcm, suppress: bool = True) -> Pcm:
        """One frame heard by the mic and the frame played at that time: the mic without it.

        `suppress`: also take off the residual echo (speex's preprocessor). It shapes the
        near voice as well, so it is for a mic known to hear the speaker."""
        out = self.cancel(mic, played)
        if suppress:
            self.suppress(out)
        return out

    def cancel(self, mic: Pcm, played: Pcm) -> Pcm:
        """The linear filter alone: the mic minus its estimate of the echo."""
        if len(mic) != self.frame or len(played) != self.frame:
            raise AudioError(f"echo cancellation takes frames of {self.frame} samples")
        near = np.ascontiguousarray(mic, np.int16)
        far = np.ascontiguousarray(played, np.int16)
        out = np.zeros(self.frame, np.int16)
        self._lib.speex_echo_cancellation(
            self._echo, near.ctypes.data, far.ctypes.data, out.ctypes.data
        )
        return out

    def suppress(self, out: Pcm) -> None:
        """Take the residual echo off a frame `cancel` gave (in place)."""
        self._lib.speex_preprocess_run(self._pre, out.ctypes.data)

    def run(self, mic: Pcm, played: Pcm) -> Pcm:
        """Whole recordings (the same length), frame by frame."""
        n = min(len(mic), len(played)) // self.frame * self.frame
        parts = [
            self.process(mic[i : i + self.frame], played[i : i + self.frame])
            for i in range(0, n, self.frame)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, np.int16)

    def reset(self) -> None:
        self._lib.speex_echo_state_reset(self._echo)

    def close(self) -> None:
        if self._pre:
            self._lib.speex_preprocess_state_destroy(self._pre)
            self._pre = None
        if self._echo:
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
