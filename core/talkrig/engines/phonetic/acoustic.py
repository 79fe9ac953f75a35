"""Acoustic closure evidence for phone recognition mode.

Phone recognition without a transcript misses most bilabials (PocketSphinx's
allphone search finds about one in five on the dev speech), but the closures are
plain in the signal: while the lips (or tongue) seal the tract, the energy of the
1-3.5 kHz band, where vowel formants F2/F3 radiate and fricative noise mostly does
not, collapses relative to the neighbouring vowels. Nasal murmur and voice bars stay
below 1 kHz, so /m/ and /b/ dip as well as /p/.

Without a transcript we cannot tell a lip seal from a tongue seal, so a deep dip
inside a recognised consonant closes the lips: a brief closure on /t/ or /k/ is
hardly visible, while a missing one on /p b m/ is the most visible lip-sync error.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
HOP_S = 0.005  # analysis hop (5 ms)
BAND_HZ = (1000.0, 3500.0)  # formant band that a closed tract silences
PEAK_WINDOW_S = 0.15  # local reference level: max over +-150 ms
# The band's dynamic range (noise floor p20 .. loud level p95) differs a lot between
# recordings (27 dB for a quiet room, 15 dB with a cold in a noisy one), so the
# thresholds are fractions of it rather than fixed decibels.
NOISE_PERCENTILE = 20
LOUD_PERCENTILE = 95
DIP_START = 0.3  # dips shallower than 0.3 x range are not closures
DIP_FULL = 0.7  # dips of 0.7 x range are certain closures
SPEECH_PEAK = 0.3  # the local peak must rise 0.3 x range above the noise floor
CLOSURE_SPREAD_S = 0.01  # evidence widened by 10 ms each side (20-40 ms were worse)


def local_max(values: np.ndarray, reach: int) -> np.ndarray:
    """Maximum of ``values`` (M,) over each index's +-``reach`` neighbours (the window
    cut at the ends), shape (M,)."""
    padded = np.pad(values, reach, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1).max(1)


def band_level_db(audio: np.ndarray) -> np.ndarray:
    """Level of the 1-3.5 kHz band every 5 ms, dB, shape (M,)."""
    from talkrig.features import one_band_power

    return 10.0 * np.log10(one_band_power(audio, int(HOP_S * SAMPLE_RATE), BAND_HZ) + 1e-10)


def dip_evidence(level, peak, noise: float, span: float):
    """Closure evidence, 0..1, of band levels ``level`` under their local ``peak`` (dB;
    arrays or floats): 0 for dips under 0.3 of the recording's range ``span`` above its
    ``noise`` floor, 1 from 0.7; 0 where the peak itself is not speech."""
    depth = (peak - level) / span
    loud_enough = peak > noise + SPEECH_PEAK * span
    return np.clip((depth - DIP_START) / (DIP_FULL - DIP_START), 0.0, 1.0) * loud_enough


def closure_evidence(audio: np.ndarray, n_frames: int, fps: float) -> np.ndarray:
    """How sure the audio is that the tract is sealed at each frame, 0..1.

    Returns
    -------
    np.ndarray, shape (n_frames,), float32
        0 = open (near the local band peak), 1 = a dip of 0.7 x the band's dynamic
        range below it; 0 in silence (that is rest, handled by the pause rule).
    """
    level = band_level_db(audio)
    noise, top = np.percentile(level, [NOISE_PERCENTILE, LOUD_PERCENTILE])
    span = max(top - noise, 1.0)
    ev = dip_evidence(level, local_max(level, int(PEAK_WINDOW_S / HOP_S)), noise, span)
    # the lips seal a little before the sound dies and part a little after it returns
    ev = local_max(ev, int(round(CLOSURE_SPREAD_S / HOP_S)))
    t = np.arange(n_frames) / fps
    return np.interp(t, np.arange(len(ev)) * HOP_S, ev).astype(np.float32)


APERTURE_CHANNELS = ("jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight",
                     "mouthUpperUpLeft", "mouthUpperUpRight")


def scale_opening(curves: np.ndarray, keep: np.ndarray) -> None:
    """Scale the channels that open the mouth (:data:`APERTURE_CHANNELS`) in place.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
        ARKit-52 curves, modified in place.
    keep : np.ndarray, shape (T,)
        Per-frame factor: 1 leaves the frame, 0 shuts the mouth (every other channel,
        rounding and expression included, is left as it is).
    """
    from talkrig.rigs import ARKIT_INDEX

    for name in APERTURE_CHANNELS:
        curves[:, ARKIT_INDEX[name]] *= keep


def gate_closures(curves: np.ndarray, evidence: np.ndarray, vowel_frames: np.ndarray) -> None:
    """Close the lips where the audio shows a sealed tract, outside recognised vowels.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
        Speech curves, modified in place.
    evidence : np.ndarray, shape (T,)
        :func:`closure_evidence`.
    vowel_frames : np.ndarray, shape (T,), bool
        Frames inside recognised vowels (left alone: a dip there is a recognition
        boundary error more often than a closure).
    """
    scale_opening(curves, 1.0 - np.where(vowel_frames, 0.0, evidence))


# The gates above scale the mouth frame by frame, so a 30 ms vowel between two gated
# consonants snapped from shut to 0.7 open and back (in words-heard mode 6 % of the dev
# frame steps moved the aperture faster than 12 per second; curves from aligned phones
# 0.8 %). Lips do not move that fast: lip aperture peaks at about 100-300 mm/s in
# speech, and a fully open mouth (aperture 1) is some 40 mm, so 12 per second is
# already ~480 mm/s. The gated aperture is held under that speed by lowering it, never
# raising it: every closure and rest the gates made stays.
MAX_APERTURE_SPEED = 12.0  # aperture units per second


def limit_aperture_speed(curves: np.ndarray, fps: float,
                         max_speed: float = MAX_APERTURE_SPEED) -> None:
    """Hold the lip aperture under ``max_speed`` per second by lowering it near its
    dips: the aperture becomes ``min_s (A(s) + max_speed |t - s|)``, the highest curve
    under it that moves no faster. Modifies ``curves`` (T, 52) in place."""
    from talkrig.evaluation.metrics import aperture

    if len(curves) < 2:
        return
    a = aperture(curves)  # (T,)
    step = max_speed / fps
    before = _rise_limited(a, step)  # min over s <= t
    after = _rise_limited(a[::-1], step)[::-1]  # min over s >= t
    _scale_opening(curves, a, np.minimum(before, after))


def limit_opening_speed(curves: np.ndarray, fps: float, previous: float | None = None,
                        max_speed: float = MAX_APERTURE_SPEED) -> float | None:
    """The causal half of :func:`limit_aperture_speed`, for streams: the aperture may
    rise no faster than ``max_speed`` per second (lowered as there), while it may fall
    at any speed, since holding a fall back needs to see the dip coming.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
        The next frames; modified in place.
    fps : float
    previous : float, optional
        The limited aperture of the frame before ``curves[0]`` (the value this returned
        for the frames before); None at the start.

    Returns
    -------
    float or None
        The limited aperture of the last frame (``previous`` when ``curves`` is empty).
    """
    from talkrig.evaluation.metrics import aperture

    if len(curves) == 0:
        return previous
    a = aperture(curves)  # (T,)
    step = max_speed / fps
    limited = _rise_limited(a, step, previous)
    _scale_opening(curves, a, limited)
    return float(limited[-1])


def cap_aperture(curves: np.ndarray, ceiling: np.ndarray) -> None:
    """Lower the lip aperture of ``curves`` (T, 52), in place, to ``ceiling`` (T,) where
    it is higher, by scaling the opening channels; frames whose ceiling is NaN are
    left alone."""
    from talkrig.evaluation.metrics import aperture

    a = aperture(curves)  # (T,)
    _scale_opening(curves, a, np.where(np.isnan(ceiling), a, np.minimum(a, ceiling)))


def _rise_limited(a: np.ndarray, step: float, previous: float | None = None) -> np.ndarray:
    """``min_{s <= t} (a(s) + step (t - s))`` over ``a`` (T,), and under ``previous +
    step (t + 1)`` when the frame before had the aperture ``previous``."""
    ramp = step * np.arange(len(a))
    limited = ramp + np.minimum.accumulate(a - ramp)
    if previous is not None:
        limited = np.minimum(limited, previous + step + ramp)
    return limited


def _scale_opening(curves: np.ndarray, a: np.ndarray, target: np.ndarray) -> None:
    """Scale the opening channels of ``curves`` (T, 52) in place so that the aperture
    ``a`` (T,) becomes ``target`` (<= ``a``)."""
    scale_opening(curves, _opening_scale(curves, a, target))


def _opening_scale(curves: np.ndarray, a: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Scale k (T,) of the opening channels that takes the aperture ``a`` to ``target``
    (<= ``a``), solving ``max(k jaw - close, 0) + k lips = target``, where ``lips`` is the
    lip-parting term of the aperture (mouthClose is not scaled, so k is not target / a)."""
    from talkrig.rigs import ARKIT_INDEX

    jaw = curves[:, ARKIT_INDEX["jawOpen"]].astype(np.float64)
    close = curves[:, ARKIT_INDEX["mouthClose"]].astype(np.float64)
    lips = a - np.clip(jaw - close, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 where nothing is open
        jaw_open = (target + close) / (jaw + lips)  # while k jaw >= close
        lips_only = target / lips  # once the jaw term is shut
        k = np.where(jaw_open * jaw >= close, jaw_open, lips_only)
    k = np.where(target >= a - 1e-9, 1.0, k)
    return np.clip(np.nan_to_num(k, nan=0.0, posinf=0.0), 0.0, 1.0)


FILLER_VOWEL = "AH"  # what a loud stretch labelled silence most often is: "uh", "um"
LOUD_FRACTION = 0.5  # "loud" = band level above the middle of its dynamic range
# Shorter loud runs inside a silence are clicks. 20 ms (was 50 ms) also keeps short weak
# vowels that the allphone search swallowed into silence; chosen on the held-out corpus
# (2-fold cross-validation of the lip-state model) and on synthetic speech, not on dev.
MIN_LOUD_RUN_S = 0.02
# Speech swings the band by 15-27 dB between pauses and vowels; steady noise (a fan,
# tape hiss, a file of pure noise) by a few dB. Below this range nothing in the
# recording is loud enough to be a missed vowel, so no silence is filled.
MIN_SPEECH_RANGE_DB = 8.0
# Voiced: periodicity (features.voicing) of 0.7 or more. Whispered clips have 4-6 % of
# their loud frames over it, breaths few; voiced speech most (a creaky voice 14 %).
VOICED_PERIODICITY = 0.7
MIN_VOICED_SHARE = 0.1  # fewer voiced loud frames than this: whispered, judge them all


def fill_loud_silences(phones, audio: np.ndarray):
    """Relabel loud stretches of recognised silence as a neutral vowel.

    The allphone search labels hesitations ("uh", "um") and some weak vowels as
    silence; left alone, the mouth would rest through audible speech.

    Parameters
    ----------
    phones : list of Phone
        Recognised phones.
    audio : np.ndarray, shape (N,), 16 kHz

    Returns
    -------
    list of Phone
        The same phones, with loud runs (>= 20 ms) inside ``SIL`` split out as ``AH``;
        unchanged when the band's dynamic range is too small for speech (steady noise).
    """
    from talkrig.phones import Phone
    from talkrig.phones.pieces import true_runs

    loud = loud_frames(audio)
    if loud is None:
        return list(phones)
    out = []
    for ph in phones:
        if ph.label != "SIL":
            out.append(ph)
            continue
        lo, hi = int(ph.start_s / HOP_S), min(len(loud), int(np.ceil(ph.end_s / HOP_S)))
        cursor = ph.start_s
        for run_start, run_end in true_runs(loud[lo:hi]):
            if (run_end - run_start) * HOP_S < MIN_LOUD_RUN_S:
                continue
            s, e = (lo + run_start) * HOP_S, min(ph.end_s, (lo + run_end) * HOP_S)
            if s > cursor:
                out.append(Phone("SIL", cursor, s))
            out.append(Phone(FILLER_VOWEL, s, e))
            cursor = e
        if cursor < ph.end_s:
            out.append(Phone("SIL", cursor, ph.end_s))
    return out


def loud_frames(audio: np.ndarray) -> np.ndarray | None:
    """Where the 1-3.5 kHz band is loud (voiced speech), every HOP_S.

    Returns
    -------
    np.ndarray, shape (M,), bool, or None
        None when the band's dynamic range is too small for speech (steady noise).
    """
    return frames_above(band_level_db(audio), LOUD_FRACTION)


def frames_above(level: np.ndarray, fraction: float) -> np.ndarray | None:
    """Where band levels ``level`` (M,) rise ``fraction`` of the recording's dynamic
    range (noise floor p20 .. loud level p95) above its noise floor; None when that
    range is too small for speech."""
    noise, top = np.percentile(level, [NOISE_PERCENTILE, LOUD_PERCENTILE])
    if top - noise < MIN_SPEECH_RANGE_DB:
        return None
    return level > noise + fraction * (top - noise)


def speech_coverage(phones, audio: np.ndarray, within=None) -> float:
    """Fraction of the voiced loud frames that fall inside phones other than ``SIL``.

    An alignment of the wrong or a partial transcript crams its few words into one
    stretch of the audio and calls the rest silence: its coverage is low. Loud breaths
    between phrases are not words, so only voiced frames are judged (see
    :func:`judged_frames`).

    Parameters
    ----------
    phones : list of Phone
    audio : np.ndarray, shape (N,), 16 kHz
    within : sequence of (start_s, end_s), optional
        Judge only the frames inside these stretches (where a recogniser heard its
        words); by default the whole audio.

    Returns
    -------
    float
        0..1; 1 when nothing judged is loud.
    """
    judged = judged_frames(audio)
    if judged is None:
        return 1.0
    if within is not None:
        judged = judged & _inside(within, len(judged))
    if not judged.any():
        return 1.0
    spoken = _inside([(ph.start_s, ph.end_s) for ph in phones if ph.label != "SIL"],
                     len(judged))
    return float(np.count_nonzero(judged & spoken) / np.count_nonzero(judged))


def _inside(stretches, n_frames: int) -> np.ndarray:
    """(n_frames,) bool: the HOP_S frames inside any of ``stretches`` (start_s, end_s)."""
    mask = np.zeros(n_frames, bool)
    for start_s, end_s in stretches:
        mask[int(start_s / HOP_S):int(np.ceil(end_s / HOP_S))] = True
    return mask


def judged_frames(audio: np.ndarray) -> np.ndarray | None:
    """The loud frames a transcript's words must account for, every HOP_S, (M,) bool.

    Voiced loud frames: a close microphone makes breaths as loud in the 1-3.5 kHz band
    as vowels (a 13 s clip with three words and loud breaths had only 37 % of its loud
    frames inside its right transcript's words, all of its voiced ones). Whispered
    speech has almost no voiced frames; then all loud frames are judged. None when
    nothing is loud enough for speech (see :func:`loud_frames`).
    """
    from talkrig.features import voicing

    loud = loud_frames(audio)
    if loud is None:
        return None
    where = np.flatnonzero(loud)
    voiced = where[voicing(audio, int(HOP_S * SAMPLE_RATE), where) >= VOICED_PERIODICITY]
    if len(voiced) < MIN_VOICED_SHARE * len(where):
        return loud
    judged = np.zeros_like(loud)
    judged[voiced] = True
    return judged
