"""Audio in: any common file -> validated mono float32 at 16 kHz.

Reads wav/flac/ogg/mp3/opus through libsndfile (``soundfile``) in blocks, mixes down
to mono as it reads, and resamples with a polyphase FIR filter in chunks, so an hour of
audio needs only about its mono float32 size plus the 16 kHz result (roughly 3x the
16-bit stereo file) rather than many copies. What libsndfile cannot open (M4A/AAC
phone recordings, the sound of a video) is first decoded to a temporary WAV by ffmpeg
when one is installed (:mod:`talkrig.ffmpeg`).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.take import AudioSource

SAMPLE_RATE = 16_000  # Hz, what every engine consumes
READ_BLOCK_FRAMES = 1 << 18  # 262144 frames per read (~5.5 s at 48 kHz)
RESAMPLE_CHUNK = 1 << 20  # input samples per resampling chunk
RESAMPLE_PAD = 4096  # context on each side of a chunk; far beyond the filter's half-length
DEFAULT_MAX_DURATION_S = 60 * 60.0  # one hour per take; raise it for audiobooks
MIN_DURATION_S = 0.05  # 50 ms: shorter than one syllable is not speech
CLIP_LEVEL = 0.999  # |sample| at or above this counts as clipped
CLIP_WARN_FRACTION = 0.001  # warn when more than 0.1 % of samples clip
NARROWBAND_RATE = 11_025  # below this the audio is telephone-band
SILENT_PEAK = 1e-4  # |sample| below this everywhere (-80 dBFS) is digital silence
# Recognisers and networks see speech at the levels they were built for: speech peaking
# under -20 dBFS (QUIET_PEAK) is raised to peak at -6 dBFS (RAISED_PEAK) before it goes
# into PocketSphinx (16-bit input) or the neural model (trained on -30..0 dBFS peaks).
QUIET_PEAK = 0.1
RAISED_PEAK = 0.5
# A constant offset (a faulty interface or converter) is removed on loading; it would
# otherwise swamp the loudness envelope. Offsets over 1 % of full scale are reported.
DC_NOTE_LEVEL = 0.01
# The mix (mean) of C unrelated channels keeps 1/C of their mean power, of identical
# ones all of it. Keeping less than a fifth of the unrelated case (7 dB below it) means
# the channels cancel each other.
CANCEL_RATIO = 0.2


@dataclass(frozen=True, eq=False)
class LoadedAudio:
    """Decoded, validated speech.

    Attributes
    ----------
    samples : np.ndarray, shape (N,), float32
        Mono at :data:`SAMPLE_RATE`.
    source : AudioSource
        Path, sha256 and duration, recorded in takes.
    original_rate : int
        Sample rate of the file.
    original_channels : int
        Channel count of the file (mixed down to mono).
    warnings : tuple of str
        One-line notes about usable-but-degraded input (clipping, narrowband, ...).
    """

    samples: np.ndarray
    source: AudioSource
    original_rate: int
    original_channels: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True)
class AudioOptions:
    """How audio files are accepted."""

    max_duration_s: float = DEFAULT_MAX_DURATION_S  # longer files are refused
    allow_clipping: bool = True  # clipped audio is used, with a warning


def is_silent(samples: np.ndarray) -> bool:
    """True for digital silence: no samples, or none reaching ``SILENT_PEAK`` (-80 dBFS)."""
    return samples.size == 0 or float(np.max(np.abs(samples))) < SILENT_PEAK


def raise_quiet(audio: np.ndarray) -> np.ndarray:
    """``audio`` scaled to peak at RAISED_PEAK when it peaks under QUIET_PEAK, else as is.

    Parameters
    ----------
    audio : np.ndarray, shape (N,), float32

    Returns
    -------
    np.ndarray, shape (N,), float32
        Digital silence stays silent.
    """
    audio = np.asarray(audio, np.float32)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if SILENT_PEAK <= peak < QUIET_PEAK:
        return audio * np.float32(RAISED_PEAK / peak)
    return audio


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_audio(path: str | os.PathLike, options: AudioOptions = AudioOptions()) -> LoadedAudio:
    """Load an audio file as mono float32 at 16 kHz, any constant (DC) offset removed.

    Raises
    ------
    TalkRigError
        Missing/empty/unreadable file, not audio, zero-length or too short,
        NaN/inf samples, longer than ``options.max_duration_s``.
    """
    import soundfile as sf

    path = Path(path)
    check_audio_path(path)
    try:
        info = sf.info(str(path))
    except Exception as exc:  # libsndfile's own message says what it saw
        return _load_through_ffmpeg(path, _sf_reason(exc), options)
    return _load_readable(path, path, info, options)


def _load_through_ffmpeg(path: Path, reason: str, options: AudioOptions) -> LoadedAudio:
    """M4A/AAC, video files and other formats libsndfile cannot open, decoded by ffmpeg."""
    import tempfile

    import soundfile as sf

    from talkrig.ffmpeg import INSTALL_HINT, decode_to_wav, find_ffmpeg

    if find_ffmpeg() is None:
        raise TalkRigError(f"not a readable audio file ({reason}); for M4A/AAC or the sound "
                           f"of a video, {INSTALL_HINT}", path)
    with tempfile.TemporaryDirectory(prefix="talkrig-audio-") as tmp:
        wav = Path(tmp) / "decoded.wav"
        try:
            decode_to_wav(path, wav, options.max_duration_s + 1.0)  # no hours of decoding
        except TalkRigError as exc:
            raise TalkRigError(f"not a readable audio file ({reason}; {exc.problem})",
                               path) from None
        info = sf.info(str(wav))
        if info.frames / info.samplerate > options.max_duration_s:
            raise TalkRigError(f"audio is longer than the {_hms(options.max_duration_s)} "
                               "limit (split it, or raise --max-duration)", path)
        return _load_readable(path, wav, info, options)


def _load_readable(path: Path, readable: Path, info, options: AudioOptions) -> LoadedAudio:
    """:func:`load_audio` once ``readable`` (``path`` or its decoded copy) opens."""
    if info.frames <= 0 or info.samplerate <= 0:
        raise TalkRigError("audio has no samples (zero length)", path)
    duration = info.frames / info.samplerate
    if duration > options.max_duration_s:
        raise TalkRigError(f"audio is {_hms(duration)} long, over the {_hms(options.max_duration_s)} "
                           "limit (split it, or raise --max-duration)", path)
    mono, channel_notes = _read_speech(readable, info)
    if len(mono) / info.samplerate < MIN_DURATION_S:
        raise TalkRigError(f"audio is only {len(mono) / info.samplerate * 1000:.0f} ms long; "
                           f"need at least {MIN_DURATION_S * 1000:.0f} ms", path)
    if not np.isfinite(mono).all():
        raise TalkRigError("audio contains NaN or infinite samples", path)
    warnings = channel_notes + _quality_warnings(mono, info)
    offset = float(np.mean(mono, dtype=np.float64))
    mono -= np.float32(offset)
    if abs(offset) > DC_NOTE_LEVEL:
        warnings.append(f"DC offset of {offset:+.3f} removed")
    if is_silent(mono):
        warnings.append("audio is silent; the face will rest")
    samples = resample(mono, info.samplerate, SAMPLE_RATE)
    del mono
    source = AudioSource(str(path.resolve()), file_sha256(path), len(samples) / SAMPLE_RATE)
    return LoadedAudio(samples, source, info.samplerate, info.channels, tuple(warnings))


def check_audio_path(path: str | os.PathLike) -> None:
    """Fail early, with a one-line error, on a missing, empty or unreadable audio path."""
    path = Path(path)
    if not path.exists():
        raise TalkRigError("audio file not found", path)
    if path.is_dir():
        raise TalkRigError("is a folder, not an audio file", path)
    if path.stat().st_size == 0:
        raise TalkRigError("audio file is empty (0 bytes)", path)
    if not os.access(path, os.R_OK):
        raise TalkRigError("audio file is not readable (permission denied)", path)


def _sf_reason(exc: Exception) -> str:
    text = str(exc).split(":", 1)[-1] if "Error opening" in str(exc) else str(exc)
    return " ".join(text.split()).rstrip(".") or type(exc).__name__


def _read_mono(path: Path, info, channel: int | None = None
               ) -> tuple[np.ndarray, float, np.ndarray]:
    """Decode block by block into one preallocated mono float32 array.

    Parameters
    ----------
    channel : int, optional
        Take this channel alone instead of the mean of all channels.

    Returns
    -------
    mono : np.ndarray, shape (frames,), float32
    coherence : float
        C x power of the mix / mean power of the C channels: C for identical channels,
        1 for unrelated ones, near 0 when they cancel (inverted polarity); 1 in silence.
    channel_power : np.ndarray, shape (C,)
        Sum of squares of each channel.
    """
    import soundfile as sf

    mono = np.empty(info.frames, dtype=np.float32)
    filled, mix_power = 0, 0.0
    channel_power = np.zeros(info.channels)
    try:
        with sf.SoundFile(str(path)) as handle:
            while filled < info.frames:
                block = handle.read(min(READ_BLOCK_FRAMES, info.frames - filled),
                                    dtype="float32", always_2d=True)
                if len(block) == 0:
                    break  # truncated file: keep what decoded
                mixed = block.mean(axis=1) if channel is None else block[:, channel]
                mono[filled:filled + len(block)] = mixed
                channel_power += np.square(block, dtype=np.float64).sum(axis=0)
                mix_power += float(np.square(mixed, dtype=np.float64).sum())
                filled += len(block)
    except sf.LibsndfileError as exc:
        if filled == 0:
            raise TalkRigError(f"cannot decode audio ({_sf_reason(exc)})", path) from None
    if filled == 0:
        raise TalkRigError("audio has no samples (zero length)", path)
    mean_power = channel_power.mean()
    coherence = info.channels * mix_power / mean_power if mean_power > 0 else 1.0
    return mono[:filled], coherence, channel_power


def _read_speech(path: Path, info) -> tuple[np.ndarray, list[str]]:
    """Mono samples at the file's rate, and a note when the channels had to be split.

    Channels that cancel when mixed (one wired with inverted polarity) would turn
    speech into near silence; then the loudest channel is used alone.
    """
    mono, coherence, channel_power = _read_mono(path, info)
    if info.channels < 2 or coherence >= CANCEL_RATIO:
        return mono, []
    del mono
    channel = int(np.argmax(channel_power))
    mono, _, _ = _read_mono(path, info, channel)
    return mono, [f"channels cancel when mixed (inverted polarity?); using channel {channel + 1} "
                  f"of {info.channels}"]


def _quality_warnings(mono: np.ndarray, info) -> list[str]:
    notes = []
    clipped = float(np.count_nonzero(np.abs(mono) >= CLIP_LEVEL)) / max(len(mono), 1)
    if clipped > CLIP_WARN_FRACTION:
        notes.append(f"{clipped:.1%} of samples are clipped; mouth shapes may be less precise")
    if info.samplerate < NARROWBAND_RATE:
        notes.append(f"{info.samplerate} Hz is telephone-band audio; lip detail may drop")
    if info.channels > 2:
        notes.append(f"{info.channels} channels mixed down to mono")
    return notes


def _hms(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def resample(x: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling (Kaiser-windowed FIR) in chunks.

    Chunk starts are multiples of the decimation factor and each chunk carries
    :data:`RESAMPLE_PAD` samples of context, so the result equals resampling the
    whole signal at once to float precision while the working set stays small.

    Parameters
    ----------
    x : np.ndarray, shape (N,), float32
    rate_in, rate_out : int

    Returns
    -------
    np.ndarray, shape (ceil(N * rate_out / rate_in),), float32
    """
    from scipy.signal import resample_poly

    if rate_in == rate_out:
        return np.ascontiguousarray(x, dtype=np.float32)
    ratio = Fraction(rate_out, rate_in)
    up, down = ratio.numerator, ratio.denominator
    n_out = int(math.ceil(len(x) * up / down))
    chunk = max(down, RESAMPLE_CHUNK // down * down)
    pad = int(math.ceil(RESAMPLE_PAD / down)) * down
    out = np.empty(n_out, dtype=np.float32)
    for start in range(0, len(x), chunk):
        stop = min(start + chunk, len(x))
        lo, hi = max(0, start - pad), min(len(x), stop + pad)
        y = resample_poly(x[lo:hi].astype(np.float32), up, down)
        first = (start - lo) * up // down
        o0 = start * up // down
        o1 = n_out if stop == len(x) else stop * up // down
        out[o0:o1] = y[first:first + (o1 - o0)]
    return out
