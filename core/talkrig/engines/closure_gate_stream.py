"""The closure gate for streamed audio: sealed lips with bounded lookahead.

:func:`talkrig.engines.closure_gate.seal_at_acoustic_closures` judges each band-level
dip against the whole clip's level range and a +-150 ms neighbourhood, which a stream
has not heard yet. This causal variant uses only what a stream has when a frame is
due (the model's lookahead is 132.5 ms):

- the level range (noise floor p20, loud level p95) of the last ``HISTORY_S`` of audio
  up to the dip's lookahead;
- the local peak over 150 ms back and ``FORWARD_S`` ahead of the dip;
- the network aperture's own peak over the last 150 ms (for the trust weighting).

The sealed aperture may then rise no faster than the offline gate's speed limit
(:func:`talkrig.engines.phonetic.acoustic.limit_opening_speed`); it may fall at any
speed, since holding a fall back needs the dip's lookahead. On the dev speech that
halves the frame steps faster than 12 per second (1.6 % -> 0.9 %; held out 4.6 % ->
2.6 %) for open/bilabial AUC 0.765 -> 0.762.

Everything is a function of the audio and curves up to a fixed distance after each
frame, so the stream's output does not depend on how the audio is chunked, and
:func:`causal_seal` (the same computation in one go) is its offline reference.
On the 11 held-out clips it seals 0.83 of the bilabials (the network alone 0.39, the
whole-clip gate 0.96): the first seconds of a stream have little level history.
"""

from __future__ import annotations

import math

import numpy as np

FORWARD_S = 0.10  # look-ahead of the dip's local peak (the model's own is 132.5 ms)
HISTORY_S = 30.0  # audio behind the level range (noise floor, loud level)


def lookahead_samples() -> int:
    """Audio a frame's gate needs after the frame's time: the dip's look-ahead, the
    evidence spread and interpolation, and half an analysis window (127.5 ms)."""
    from talkrig.engines.phonetic import acoustic
    from talkrig.features import STFT_WIN

    hop = int(acoustic.HOP_S * acoustic.SAMPLE_RATE)
    forward = int(round(FORWARD_S / acoustic.HOP_S))
    spread = int(round(acoustic.CLOSURE_SPREAD_S / acoustic.HOP_S))
    return (1 + spread + forward) * hop + STFT_WIN // 2


class ClosureGateStream:
    """Seal streamed network frames at acoustic closures, frame by frame.

    Feed audio with :meth:`add_audio` (16 kHz, as the network hears it), call
    :meth:`finish` once it has ended, and gate frames in order with :meth:`apply`.
    """

    def __init__(self, fps: float):
        from talkrig.engines.closure_gate import PEAK_WINDOW_S
        from talkrig.engines.phonetic import acoustic

        self.fps = fps
        self.rate = acoustic.SAMPLE_RATE
        self.hop = int(acoustic.HOP_S * acoustic.SAMPLE_RATE)  # samples per level frame
        self.forward = int(round(FORWARD_S / acoustic.HOP_S))  # level frames
        self.back = int(round(acoustic.PEAK_WINDOW_S / acoustic.HOP_S))
        self.spread = int(round(acoustic.CLOSURE_SPREAD_S / acoustic.HOP_S))
        self.history = int(round(HISTORY_S / acoustic.HOP_S))
        self.trust_frames = max(1, int(round(PEAK_WINDOW_S * fps)))  # network peak, back
        self._audio = np.zeros(0, np.float32)
        self._audio_start = 0  # absolute sample of _audio[0]
        self._received = 0
        self._finished = False
        self._levels = np.zeros(0)  # band level (dB) of level frames [_level_start, ...)
        self._level_start = 0
        self._evidence: dict[int, float] = {}  # raw evidence per level frame
        self._aperture = np.zeros(0, np.float32)  # network aperture of the last frames
        self._opened: float | None = None  # the last sealed frame's aperture
        self._next_frame = 0

    # ------------------------------------------------------------------ audio
    def add_audio(self, chunk: np.ndarray) -> None:
        self._audio = np.concatenate([self._audio, np.asarray(chunk, np.float32)])
        self._received += len(chunk)
        self._update_levels()

    def finish(self) -> None:
        """The audio has ended: the last level frames see zeros beyond it, as offline."""
        self._finished = True
        self._update_levels()

    def _n_levels_final(self) -> int:
        """Level frames whose 25 ms window the received audio covers."""
        from talkrig.features import STFT_WIN

        if self._finished:
            return 1 + self._received // self.hop
        return max(0, (self._received - STFT_WIN // 2) // self.hop + 1)

    def _update_levels(self) -> None:
        from talkrig.engines.phonetic.acoustic import band_level_db
        from talkrig.features import STFT_WIN

        have = self._level_start + len(self._levels)
        want = self._n_levels_final()
        if want <= have:
            return
        lead = STFT_WIN // self.hop + 1  # frames whose window starts before the slice
        first = max(0, have - lead)  # level frame at the slice's first sample
        piece = self._audio[first * self.hop - self._audio_start:]
        new = band_level_db(piece)[have - first: want - first]
        self._levels = np.concatenate([self._levels, new])
        self._forget()

    def _forget(self) -> None:
        """Keep the level history and the audio a new level frame needs, no more."""
        from talkrig.features import STFT_WIN

        keep_from = self._level_start + len(self._levels) - self.history - self.forward - \
            self.back - 4 * self.spread
        if keep_from > self._level_start:
            self._levels = self._levels[keep_from - self._level_start:]
            self._level_start = keep_from
        audio_from = (self._level_start + len(self._levels)) * self.hop - 2 * STFT_WIN
        if audio_from > self._audio_start:
            self._audio = self._audio[audio_from - self._audio_start:]
            self._audio_start = audio_from

    def _level(self, lo: int, hi: int) -> np.ndarray:
        """Levels of level frames [lo, hi) (clipped to what exists)."""
        lo = max(lo, self._level_start)
        return self._levels[lo - self._level_start: hi - self._level_start]

    # --------------------------------------------------------------- evidence
    def _raw_evidence(self, m: int) -> float:
        """Closure evidence of level frame ``m`` (before spreading)."""
        from talkrig.engines.phonetic import acoustic

        if m in self._evidence:
            return self._evidence[m]
        total = self._level_start + len(self._levels)
        ahead = min(total, m + self.forward + 1)
        stats = self._level(ahead - self.history, ahead)
        noise, top = np.percentile(stats, [acoustic.NOISE_PERCENTILE, acoustic.LOUD_PERCENTILE])
        span = max(top - noise, 1.0)
        peak = self._level(m - self.back, ahead).max()
        ev = float(acoustic.dip_evidence(self._level(m, m + 1)[0], peak, noise, span))
        self._evidence[m] = ev
        return ev

    def _evidence_at(self, frame: int) -> float:
        """Spread evidence interpolated at a curve frame, as the offline gate does."""
        total = self._level_start + len(self._levels)
        t = frame / self.fps * self.rate / self.hop  # in level frames
        lo = min(int(math.floor(t)), total - 1)
        hi = min(lo + 1, total - 1)

        def spread(m):
            return max(self._raw_evidence(k) for k in range(max(0, m - self.spread),
                                                             min(total, m + self.spread + 1)))
        frac = min(max(t - lo, 0.0), 1.0)
        return (1.0 - frac) * spread(lo) + frac * spread(hi)

    def ready(self, frame: int) -> bool:
        """Whether the audio needed to gate curve frame ``frame`` has arrived."""
        if self._finished:
            return True
        need = int(math.floor(frame / self.fps * self.rate / self.hop)) + 1 + self.spread + \
            self.forward
        return self._level_start + len(self._levels) > need

    # ----------------------------------------------------------------- frames
    def apply(self, frames: np.ndarray) -> np.ndarray:
        """Gate the next ``frames`` (k, 52) of the stream, in order; returns a new array."""
        from talkrig.engines.closure_gate import dip_trust
        from talkrig.engines.phonetic.acoustic import limit_opening_speed, scale_opening
        from talkrig.evaluation.metrics import aperture

        out = np.array(frames, dtype=np.float32, copy=True)
        if len(out) == 0:
            return out
        opening = aperture(out)
        history = np.concatenate([self._aperture, opening])
        keep = np.empty(len(out), np.float32)
        for j in range(len(out)):
            frame = self._next_frame + j
            if not self.ready(frame):
                raise RuntimeError(f"closure gate: audio for frame {frame} has not arrived")
            k = len(self._aperture) + j
            peak = history[max(0, k - self.trust_frames): k + 1].max()
            keep[j] = 1.0 - self._evidence_at(frame) * float(dip_trust(opening[j], peak))
        scale_opening(out, keep)
        # the seal scales frame by frame: the lips may not spring open faster than the
        # offline gate lets them (a fall cannot be held back without seeing it coming)
        self._opened = limit_opening_speed(out, self.fps, self._opened)
        self._aperture = history[-self.trust_frames:]
        self._next_frame += len(out)
        self._forget_evidence()
        return out

    def _forget_evidence(self) -> None:
        oldest = int(self._next_frame / self.fps * self.rate / self.hop) - 4 * self.spread
        for m in [m for m in self._evidence if m < oldest]:
            del self._evidence[m]


def causal_seal(curves: np.ndarray, audio: np.ndarray, fps: float) -> np.ndarray:
    """What a stream with the gate returns for a whole clip, computed in one go.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52), the network's curves
    audio : np.ndarray, shape (N,), 16 kHz, as the network heard it
    fps : float
    """
    gate = ClosureGateStream(fps)
    gate.add_audio(audio)
    gate.finish()
    return gate.apply(curves)
