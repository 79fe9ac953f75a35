"""Model dimensions: a frozen dataclass that describes a network completely.

Saved in every checkpoint and, as JSON, in the ONNX metadata (``talkrig.dims``), so a
model file describes itself: loading rebuilds the network from it. No torch here.

Time grid
---------
Audio is 16 kHz. The log-mel front end hops 160 samples (100 frames/s); the decoder
runs at the output rate, 60 fps. 800 samples = 5 mel hops = 3 output frames, so the
network consumes audio in blocks of 800 samples (50 ms) and maps every 5 mel frames
to 3 output frames by exact linear interpolation.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

MODEL_VERSION = "1"  # bump when the graph's inputs/outputs change meaning
SAMPLE_RATE = 16_000  # Hz
HOP = 160  # samples per mel frame: 10 ms, 100 frames/s
OUTPUT_FPS = 60  # frames per second of the model's curves
BLOCK_SAMPLES = 800  # 50 ms = 5 mel hops = 3 output frames (16000 / 60 * 3)
BLOCK_MEL = BLOCK_SAMPLES // HOP  # 5
BLOCK_FRAMES = 3  # output frames per block
N_EMOTION_AXES = 7  # READ vector: EMOTIONS[1:]
N_CHANNELS = 52  # ARKit-52


@dataclass(frozen=True)
class ModelDims:
    """Sizes and receptive field of a :class:`talkrig.model.network.TalkRigNet`."""

    n_fft: int = 400  # analysis window, samples (25 ms)
    n_mels: int = 64  # mel bands
    f_min: float = 40.0  # lowest mel band edge, Hz
    f_max: float = 7600.0  # highest mel band edge, Hz
    channels: int = 128  # width of every hidden layer
    frontend_layers: int = 3  # convolutions at 100 fps (kernel 3, symmetric)
    decoder: str = "conv"  # "conv" (dilated residual convs) or "transformer"
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 1, 2, 4)  # conv decoder, kernel 3
    decoder_lookahead: int = 5  # future output frames the decoder may see in total
    n_heads: int = 4  # transformer decoder
    n_layers: int = 4  # transformer decoder layers
    attention_left: int = 45  # transformer: frames each layer attends back
    attention_right: int = 1  # transformer: frames each layer attends ahead
    n_outputs: int = N_CHANNELS  # ARKit-52 in canonical order
    mel_norm_s: float = 0.0  # causal per-band log-mel mean removal over this past span; 0 = off
    mel_norm_std: bool = False  # with mel_norm_s: also divide by the moving standard deviation
    # "logmel" (the in-graph filterbank above) or "pretrained": a wav2vec2/HuBERT-style
    # encoder rebuilt from its transformers config (JSON, below; the weights are in the
    # checkpoint). It attends over the whole clip: no bounded lookahead, no streaming.
    speech_encoder: str = "logmel"
    pretrained_config: str = ""  # the pretrained encoder's config.json, as a string
    pretrained_normalize: bool = False  # zero-mean unit-variance input (its feature extractor)

    @property
    def bounded(self) -> bool:
        """True when an output frame depends on a bounded stretch of audio."""
        return self.speech_encoder == "logmel"

    @property
    def mel_norm_frames(self) -> int:
        """Mel frames (100/s) in the causal normalisation window; 0 when off."""
        return max(0, round(self.mel_norm_s * SAMPLE_RATE / HOP))

    def right_pads(self) -> tuple[int, ...]:
        """Future frames each conv decoder layer sees (sums to the lookahead budget)."""
        left, pads = self.decoder_lookahead, []
        for d in self.dilations:
            pads.append(min(d, left))
            left -= pads[-1]
        return tuple(pads)

    @property
    def lookahead_s(self) -> float:
        """Future audio, in seconds, that an output frame depends on (inf: all of it)."""
        if not self.bounded:
            return math.inf
        mel = (self.n_fft // 2) / SAMPLE_RATE  # window reaches n_fft/2 past its centre
        frontend = self.frontend_layers * HOP / SAMPLE_RATE  # one hop per kernel-3 conv
        interp = 2 / 3 * HOP / SAMPLE_RATE  # the 5->3 interpolation looks <= 2/3 hop ahead
        if self.decoder == "conv":
            frames = sum(self.right_pads())
        else:
            frames = self.attention_right * self.n_layers
        return mel + frontend + interp + frames / OUTPUT_FPS

    @property
    def context_s(self) -> float:
        """Past audio, in seconds, that an output frame depends on (inf: all of it)."""
        if not self.bounded:
            return math.inf
        mel = (self.n_fft // 2) / SAMPLE_RATE
        frontend = self.frontend_layers * HOP / SAMPLE_RATE
        norm = max(0, self.mel_norm_frames - 1) * HOP / SAMPLE_RATE  # statistics window
        if self.decoder == "conv":
            frames = sum(2 * d - r for d, r in zip(self.dilations, self.right_pads()))
        else:
            frames = self.attention_left * self.n_layers
        return mel + norm + frontend + HOP / SAMPLE_RATE + frames / OUTPUT_FPS

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, doc: dict) -> "ModelDims":
        return cls(**_known_fields(cls, doc))


# ---------------------------------------------------------------- Whisper head
WHISPER_FEATURE_FPS = 50  # Whisper's encoder: mel hop 10 ms, its second conv strides 2
WHISPER_WIDTH = 512  # Whisper base's encoder width (d_model)
WHISPER_BASE = "whisper-base"  # OpenAI Whisper base: 6 blocks of width 512, 8 heads
WHISPER_TINY_EN = "whisper-tiny.en"  # OpenAI Whisper tiny.en: 4 blocks of width 384, 6 heads


WHISPER_MEL_BANDS = 80  # Whisper's log-mel input
WHISPER_MAX_STATES = 1500  # 30 s at 50 states per second: its positional table


@dataclass(frozen=True)
class WhisperEncoderDims:
    """Sizes of :class:`talkrig.model.whisper_base.WhisperBaseEncoder`: the audio encoder
    of the Whisper model named ``model``, of which the first ``layers`` transformer
    blocks are kept (:func:`whisper_encoder_dims` gives each model's full sizes)."""

    n_mels: int = WHISPER_MEL_BANDS
    width: int = WHISPER_WIDTH
    heads: int = 8
    mlp_ratio: int = 4
    layers: int = 6  # blocks kept (Whisper base has 6)
    n_positions: int = WHISPER_MAX_STATES
    model: str = WHISPER_BASE  # whose weights (files exported before session 21 lack it)
    # blocks (1-based) whose outputs, layer-normed without a learnt scale, are appended to
    # the final states: a state is then width * (1 + len(taps)) values (session 23)
    taps: tuple[int, ...] = ()

    @property
    def state_width(self) -> int:
        """Values in one state the graph returns: the final states and every tap's."""
        return self.width * (1 + len(self.taps))

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, doc: dict) -> "WhisperEncoderDims":
        return cls(**_known_fields(cls, doc))


def whisper_encoder_dims(model: str) -> WhisperEncoderDims:
    """The full sizes of a Whisper model's encoder (``WHISPER_BASE`` or ``WHISPER_TINY_EN``)."""
    sizes = {WHISPER_BASE: WhisperEncoderDims(),
             WHISPER_TINY_EN: WhisperEncoderDims(width=384, heads=6, layers=4,
                                                 model=WHISPER_TINY_EN)}
    if model not in sizes:
        raise ValueError(f"unknown Whisper encoder {model!r}; known: {', '.join(sizes)}")
    return sizes[model]


@dataclass(frozen=True)
class WhisperHeadDims:
    """Sizes of a :class:`talkrig.model.whisper_head.WhisperHead`: a dilated-conv head
    that maps the frozen encoder states of a Whisper model (resampled from 50 to 60
    fps) and the READ emotion vector to ARKit-52 curves."""

    encoder: str = WHISPER_BASE  # which frozen encoder's states it reads (WhisperEncoderDims.model)
    encoder_layers: int = 6  # of its blocks, how many run (WhisperEncoderDims.layers)
    encoder_taps: tuple[int, ...] = ()  # blocks whose outputs it reads too (WhisperEncoderDims.taps)
    window_s: float = 30.0  # windows the encoder reads (each zero-padded to it, as Whisper pads)
    features: int = WHISPER_WIDTH  # width of those states (WhisperEncoderDims.state_width)
    channels: int = 128  # width of every hidden layer
    dilations: tuple[int, ...] = (1, 2, 4, 8, 1, 2)  # residual convs, kernel 3, symmetric
    n_outputs: int = N_CHANNELS  # ARKit-52 in canonical order

    @property
    def reach_frames(self) -> int:
        """Output frames each side that one output frame's head sees (the encoder itself
        attends over its whole 30 s window)."""
        return sum(self.dilations)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, doc: dict) -> "WhisperHeadDims":
        return cls(**_known_fields(cls, doc))


def _known_fields(cls, doc: dict) -> dict:
    """The entries of a saved dims ``doc`` that ``cls`` has fields for (keys a newer or
    older version wrote are dropped), JSON lists back to tuples."""
    known = {f.name for f in dataclasses.fields(cls)}
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in doc.items() if k in known}
