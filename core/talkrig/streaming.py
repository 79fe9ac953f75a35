"""Streaming inference: audio chunks in, 60 fps curve frames out, bounded latency.

The network's receptive field is finite (``ModelInfo.context_s`` back,
``ModelInfo.lookahead_s`` ahead, at most 150 ms), so a frame can be computed exactly
as soon as the audio up to ``lookahead_s`` after it has arrived: each ``push`` runs
the graph over the recent window (context + new frames + lookahead, zero-padded to a
whole 50 ms block) and returns the frames whose receptive field is complete. Frames
therefore match offline inference (up to float rounding).

Example::

    stream = NeuralStream()
    for chunk in chunks:                   # 10-100 ms of 16 kHz float32 each
        frames = stream.push(chunk, emotion=vec)   # (k, 52), possibly k == 0
    frames = stream.flush()                # the tail, once the audio has ended
"""

from __future__ import annotations

import math

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.model.dims import N_EMOTION_AXES
from talkrig.runtime import SAMPLE_RATE, NeuralModel, shared_model

MAX_LOOKAHEAD_S = 0.150  # the latency bound this module promises


class NeuralStream:
    """Incremental curves for audio arriving in chunks.

    Parameters
    ----------
    model : NeuralModel, optional
        Defaults to the shipped model.
    input_gain_db : float
        Gain applied to every chunk. Offline generation raises speech that peaks under
        -20 dBFS to -6 dBFS (:func:`talkrig.audio.raise_quiet`); a stream cannot see
        its peak in advance, so give a quiet live input its gain here.
    acoustic_closures : bool
        Seal the lips at acoustic closures with the causal gate
        (:mod:`talkrig.engines.closure_gate_stream`; the frames then equal
        :func:`~talkrig.engines.closure_gate_stream.causal_seal` of the offline network
        curves). Off: the network's frames, equal to its offline output.
    """

    def __init__(self, model: NeuralModel | None = None, input_gain_db: float = 0.0,
                 acoustic_closures: bool = False):
        self.model = model or shared_model()
        self.gain = np.float32(10.0 ** (input_gain_db / 20.0))
        info = self.model.info
        if info.dims.get("decoder", "conv") != "conv":
            raise TalkRigError("streaming needs a conv-decoder model", str(self.model.path))
        if not math.isfinite(info.lookahead_s):
            raise TalkRigError("streaming needs a model with bounded lookahead (this one has "
                               "a pretrained encoder that sees the whole clip)",
                               str(self.model.path))
        if info.lookahead_s > MAX_LOOKAHEAD_S + 1e-9:
            raise TalkRigError(f"model lookahead {info.lookahead_s * 1000:.0f} ms exceeds "
                               f"{MAX_LOOKAHEAD_S * 1000:.0f} ms", str(self.model.path))
        self.fps, self.block = info.fps, info.block_samples
        self.fpb = info.frames_per_block
        self.lookahead = math.ceil(info.lookahead_s * SAMPLE_RATE)  # samples
        self._gate = None
        if acoustic_closures:
            from talkrig.engines.closure_gate_stream import ClosureGateStream, lookahead_samples

            self._gate = ClosureGateStream(self.fps)
            self.lookahead = max(self.lookahead, lookahead_samples())
        self.context_blocks = math.ceil(info.context_s * SAMPLE_RATE / self.block)
        self._audio = np.zeros(0, np.float32)  # kept tail of the stream
        self._audio_start = 0  # absolute sample index of _audio[0] (block-aligned)
        self._received = 0  # samples pushed so far
        self._emitted = 0  # frames returned so far
        self._emotion = np.zeros((0, N_EMOTION_AXES), np.float32)  # per frame, from _frame0
        self._emotion_start = 0  # absolute frame index of _emotion[0]
        self._current = np.zeros(N_EMOTION_AXES, np.float32)
        self._flushed = False  # flush() ends the audio; pushing more is an error

    @property
    def latency_s(self) -> float:
        """Audio that must arrive after a frame's time before it is returned."""
        return self.lookahead / SAMPLE_RATE

    def push(self, chunk: np.ndarray, emotion: np.ndarray | None = None) -> np.ndarray:
        """Add audio; return the frames that became final.

        Parameters
        ----------
        chunk : np.ndarray, shape (n,), float32 at 16 kHz
        emotion : np.ndarray, shape (7,), optional
            Emotion of the frames whose time falls in this chunk and later; None keeps
            the previous one (neutral at the start).

        Returns
        -------
        np.ndarray, shape (k, 52), float32: frames ``emitted .. emitted + k - 1`` at 60 fps
        """
        if self._flushed:
            raise TalkRigError("the stream was flushed (its audio ended): start a new "
                               "NeuralStream", "NeuralStream.push")
        if emotion is not None:
            self._current = _emotion_vector(emotion)
        chunk = _mono_chunk(chunk) * self.gain
        self._audio = np.concatenate([self._audio, chunk])
        if self._gate is not None:
            self._gate.add_audio(chunk)
        self._received += len(chunk)
        self._extend_emotion(math.ceil(self._received * self.fps / SAMPLE_RATE - 1e-9))
        ready = int(math.floor((self._received - self.lookahead) * self.fps / SAMPLE_RATE)) + 1
        ready = max(0, ready)
        return self._emit(ready)

    def flush(self) -> np.ndarray:
        """Return the remaining frames, as offline inference ends the clip."""
        self._flushed = True
        total = max(1, math.ceil(self._received * self.fps / SAMPLE_RATE - 1e-9))
        self._extend_emotion(total)
        if self._gate is not None:
            self._gate.finish()
        return self._emit(total)

    def _extend_emotion(self, n_frames_abs: int) -> None:
        have = self._emotion_start + len(self._emotion)
        if n_frames_abs > have:
            extra = np.repeat(self._current[None], n_frames_abs - have, 0)
            self._emotion = np.concatenate([self._emotion, extra])

    def _emit(self, upto: int) -> np.ndarray:
        if upto <= self._emitted:
            return np.zeros((0, len(self.model.info.channels)), np.float32)
        first_block = max(0, self._emitted // self.fpb - self.context_blocks)
        self._drop_before(first_block)
        end_blocks = max(-(-self._received // self.block), -(-upto // self.fpb))
        w0 = first_block * self.block - self._audio_start
        audio = np.zeros((end_blocks - first_block) * self.block, np.float32)
        tail = self._audio[w0:]
        audio[: len(tail)] = tail
        f0 = first_block * self.fpb
        n_win = (end_blocks - first_block) * self.fpb
        emo = self._emotion[f0 - self._emotion_start:]
        if len(emo) < n_win:  # frames past the audio received: hold the current emotion
            emo = np.concatenate([emo, np.repeat(self._current[None], n_win - len(emo), 0)])
        emo = emo[:n_win]
        curves = self.model.run_blocks(audio, emo)
        out = curves[self._emitted - f0: upto - f0]
        self._emitted = upto
        return out if self._gate is None else self._gate.apply(out)

    def _drop_before(self, block: int) -> None:
        """Forget audio and emotion before absolute ``block`` (kept tail stays bounded)."""
        cut = block * self.block - self._audio_start
        if cut > 0:
            self._audio = self._audio[cut:]
            self._audio_start += cut
        fcut = block * self.fpb - self._emotion_start
        if fcut > 0:
            self._emotion = self._emotion[fcut:]
            self._emotion_start += fcut


def _mono_chunk(chunk) -> np.ndarray:
    """``chunk`` as float32 samples, shape (n,); a one-line error for anything else."""
    samples = np.asarray(chunk, np.float32)
    if samples.ndim == 2 and 1 in samples.shape:
        samples = samples.ravel()  # (n, 1) or (1, n): one channel
    if samples.ndim != 1:
        raise TalkRigError(f"a chunk must be mono 16 kHz samples, shape (n,); got shape "
                           f"{samples.shape} (mix channels down first)", "NeuralStream.push")
    if not np.all(np.isfinite(samples)):
        raise TalkRigError("the chunk contains NaN or infinite samples", "NeuralStream.push")
    return samples


def _emotion_vector(emotion) -> np.ndarray:
    """``emotion`` as a READ vector, shape (7,); a one-line error for another shape."""
    vector = np.asarray(emotion, np.float32)
    if vector.size != N_EMOTION_AXES or not np.all(np.isfinite(vector)):
        raise TalkRigError(f"emotion must be {N_EMOTION_AXES} finite numbers (a READ vector, "
                           f"talkrig.emotion), got shape {vector.shape}", "NeuralStream.push")
    return vector.reshape(N_EMOTION_AXES)
