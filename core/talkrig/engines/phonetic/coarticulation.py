"""Phones -> ARKit-52 speech curves: visemes blended by dominance functions.

Each phone owns a viseme target (``rigs/visemes.json``) and, per channel group
(jaw, lips, mouth shape, tongue), a dominance function in the spirit of
Cohen & Massaro (1993): full strength over the phone's central plateau, decaying
exponentially before it (anticipation) and after it (carry-over). Every frame is
the dominance-weighted mean of the targets of nearby phones, so a weak consonant
takes its jaw and lip shape from its vowels while a bilabial imposes its closure,
and rounding starts well ahead of a rounded vowel (long anticipation constant).

Then the hard constraints (bilabial stops reach closure; pauses over 300 ms relax
to rest) and the emotion layer (:func:`talkrig.expression.apply_emotion`) apply.
Speech rate and loudness scale the jaw (JALI's jaw intensity), and emotion scales
articulation (wider and faster when angry, less jaw when sad).

Frame ``i`` shows the face at time ``i / fps`` seconds.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from talkrig.engines.phonetic.tables import ARTICULATION_KEYS, VisemeTable, viseme_table
from talkrig.phones import Phone
from talkrig.phones.labels import SILENCE, normalise_label
from talkrig.rigs import ARKIT_INDEX

NEIGHBOURS = 4  # phones each side of a frame's own phone that can influence it
MIN_DOMINANCE = 1e-6  # keeps the weighted mean defined far from every phone
CLOSURE_EDGE_WEIGHT = 0.5  # frames beside a bilabial move halfway to closure


def prepare_phones(phones: Sequence[Phone], duration_s: float,
                   table: VisemeTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised, gap-free phone arrays covering ``[0, duration_s]``.

    Diphthongs split into their two targets; gaps become silence; unknown labels
    become silence.

    Returns
    -------
    starts, ends : np.ndarray, shape (P,), float64
    ids : np.ndarray, shape (P,), int
        Row of each phone in ``table``.
    """
    rows: list[tuple[float, float, int]] = []
    cursor = 0.0
    for ph in sorted(phones, key=lambda p: p.start_s):
        start, end = max(ph.start_s, cursor), ph.end_s
        if end <= start:
            continue
        if start > cursor + 1e-6:
            rows.append((cursor, start, table.index[SILENCE]))
        label = normalise_label(ph.label) or SILENCE
        label = label if label in table.index else SILENCE
        for part, s, e in _split(label, start, end, table):
            rows.append((s, e, table.index[part]))
        cursor = end
    if cursor < duration_s:
        rows.append((cursor, max(duration_s, cursor + 1e-3), table.index[SILENCE]))
    arr = np.array(rows, dtype=np.float64)
    return arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int64)


def _split(label: str, start: float, end: float, table: VisemeTable):
    parts = table.splits.get(label)
    if not parts:
        return [(label, start, end)]
    out, t = [], start
    for part, frac in parts:
        t_end = min(end, t + frac * (end - start))
        out.append((part, t, t_end))
        t = t_end
    return out


def _frame_values(values: np.ndarray | None, n_frames: int, width: int) -> np.ndarray | None:
    """``values`` padded/cut to ``n_frames`` rows (None stays None)."""
    if values is None:
        return None
    values = np.asarray(values, dtype=np.float32).reshape(len(values), width)
    if len(values) == 0:
        return np.zeros((n_frames, width), np.float32)
    if len(values) < n_frames:
        values = np.concatenate([values, np.repeat(values[-1:], n_frames - len(values), 0)])
    return values[:n_frames]


def _phone_gains(starts, ends, ids, fps, n_frames, emotion, loudness,
                 table: VisemeTable) -> tuple[np.ndarray, np.ndarray]:
    """Per-phone target gains, shape (P, 52), and time-constant scales, shape (P,)."""
    centre_frames = np.clip(np.round(0.5 * (starts + ends) * fps).astype(int), 0, n_frames - 1)
    gains = np.ones((len(ids), 52), np.float32)
    scaling = table.scaling
    scaled = [ARKIT_INDEX[c] for c in scaling["scaled_channels"]]
    jaw_gain = np.ones(len(ids), np.float32)
    if loudness is not None:
        lo, hi = scaling["loudness_jaw_gain"]
        jaw_gain *= lo + (hi - lo) * np.clip(loudness[centre_frames, 0], 0.0, 1.0)
    jaw_gain *= _rate_gain(starts, ends, ids, table)
    gains[:, scaled] *= jaw_gain[:, None]
    time_scale = np.ones(len(ids), np.float32)
    if emotion is not None:
        from talkrig.engines.phonetic.tables import emotion_table

        artic = emotion_table().articulation  # (7, 5)
        e = np.clip(emotion[centre_frames], 0.0, 1.0)  # (P, 7)
        g = 1.0 + e @ (artic - 1.0)  # (P, 5): intensity-weighted gains
        g = np.clip(g, 0.3, 2.0)
        col = dict(zip(ARTICULATION_KEYS, range(len(ARTICULATION_KEYS))))
        for key, names in (("jaw", ["jawOpen"]),
                           ("lips", ["mouthLowerDownLeft", "mouthLowerDownRight",
                                     "mouthUpperUpLeft", "mouthUpperUpRight"]),
                           ("spread", ["mouthStretchLeft", "mouthStretchRight"]),
                           ("round", ["mouthFunnel", "mouthPucker"])):
            gains[:, [ARKIT_INDEX[n] for n in names]] *= g[:, col[key], None]
        time_scale = g[:, col["time"]]
    return gains, time_scale


def _rate_gain(starts, ends, ids, table: VisemeTable) -> np.ndarray:
    """Jaw gain from the local speech rate (phones per second over ~5 phones)."""
    sc = table.scaling
    speech = ids != table.index[SILENCE]
    dur = np.where(speech, ends - starts, np.nan)
    kernel = 5
    pad = np.pad(dur, kernel // 2, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(pad, kernel)
    count = np.isfinite(windows).sum(1)
    total = np.nansum(windows, axis=1)
    mean_dur = total / np.maximum(count, 1)
    rate = np.where(count > 0, 1.0 / np.maximum(mean_dur, 1e-3),
                    sc["rate_reference_phones_per_s"])
    gain = 1.0 + sc["rate_gain_per_phone_per_s"] * (rate - sc["rate_reference_phones_per_s"])
    return np.clip(gain, *sc["rate_gain_range"]).astype(np.float32)


def blend(starts, ends, ids, fps: float, n_frames: int, gains: np.ndarray,
          time_scale: np.ndarray, table: VisemeTable) -> np.ndarray:
    """Dominance-weighted blend of the phone targets.

    Returns
    -------
    np.ndarray, shape (n_frames, 52), float32
        Speech curves; channels speech does not animate are zero.
    """
    from scipy.sparse import csr_matrix

    t = np.arange(n_frames, dtype=np.float64) / fps  # (T,)
    own = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(ids) - 1)
    offsets = np.arange(-NEIGHBOURS, NEIGHBOURS + 1)
    cand = own[:, None] + offsets[None, :]  # (T, K)
    valid = (cand >= 0) & (cand < len(ids))
    cand = np.clip(cand, 0, len(ids) - 1)
    centre = 0.5 * (starts + ends)
    half = 0.5 * table.plateau_fraction * (ends - starts)
    before = np.maximum(centre[cand] - half[cand] - t[:, None], 0.0).astype(np.float32)  # (T, K) s
    after = np.maximum(t[:, None] - centre[cand] - half[cand], 0.0).astype(np.float32)
    scale = time_scale[cand][..., None]  # (T, K, 1)
    decay = np.exp(-(before[..., None] / (table.tau_anticipation * scale))
                   - (after[..., None] / (table.tau_carryover * scale)))  # (T, K, G)
    dom = table.dominance[ids[cand]] * decay * valid[..., None]  # (T, K, G)
    tgt = (table.targets[ids] * gains)[:, table.channels]  # (P, C)
    rows = np.repeat(np.arange(n_frames), cand.shape[1])
    curves = np.zeros((n_frames, 52), np.float32)
    for g in range(dom.shape[2]):
        # frame x phone dominance of group g, sparse: K phones per frame
        weights = csr_matrix((dom[..., g].ravel(), (rows, cand.ravel())),
                             shape=(n_frames, len(ids)))
        cols = np.flatnonzero(table.channel_group == g)
        total = np.asarray(weights.sum(1)).ravel() + MIN_DOMINANCE  # (T,)
        curves[:, table.channels[cols]] = (weights @ tgt[:, cols]) / total[:, None]
    return curves


def enforce_closures(curves: np.ndarray, starts, ends, ids, fps: float,
                     table: VisemeTable) -> None:
    """Bilabial stops always reach closure: lips sealed on every frame of the phone
    (and at least the frame nearest its centre). Modifies ``curves`` in place."""
    cl = table.closure
    bilabial = np.isin(ids, [table.index[p] for p in cl["phones"]])
    if not bilabial.any():
        return
    n = len(curves)
    first = np.ceil(starts[bilabial] * fps - 1e-9).astype(int)
    last = np.floor(ends[bilabial] * fps + 1e-9).astype(int)
    nearest = np.round(0.5 * (starts[bilabial] + ends[bilabial]) * fps).astype(int)
    first, last = np.minimum(first, nearest), np.maximum(last, nearest)
    frames = _frames_in_spans(first, last + 1, n)
    # the frame either side moves halfway, so a closure takes two frames, not one
    weight = frames.astype(np.float32)
    edge = np.zeros(n, bool)
    edge[1:] |= frames[:-1]
    edge[:-1] |= frames[1:]
    weight[edge & ~frames] = CLOSURE_EDGE_WEIGHT
    _blend_closure(curves, weight[:, None], cl)


def _frames_in_spans(first: np.ndarray, stop: np.ndarray, n: int) -> np.ndarray:
    """Frames inside any span ``[first[k], stop[k])`` (frame indices, clipped to the
    ``n`` frames), shape (n,), bool."""
    edges = np.zeros(n + 1, np.int64)
    np.add.at(edges, np.clip(first, 0, n), 1)
    np.add.at(edges, np.clip(stop, 0, n), -1)
    return np.cumsum(edges[:n]) > 0


def _blend_closure(curves: np.ndarray, w: np.ndarray, cl: dict) -> None:
    """Move ``curves`` towards the sealed-lips pose by weight ``w`` (T, 1)."""
    i = ARKIT_INDEX
    jaw_col = curves[:, [i["jawOpen"]]]
    jaw = (1 - w) * jaw_col + w * np.minimum(jaw_col, cl["jaw_max"])
    close = (1 - w) * curves[:, [i["mouthClose"]]] + w * jaw
    curves[:, [i["jawOpen"]]] = jaw
    curves[:, [i["mouthClose"]]] = close
    openers = [i[n] for n in ("mouthLowerDownLeft", "mouthLowerDownRight",
                              "mouthUpperUpLeft", "mouthUpperUpRight")]
    curves[:, openers] *= 1 - w
    press = [i["mouthPressLeft"], i["mouthPressRight"]]
    curves[:, press] = (1 - w) * curves[:, press] + w * np.maximum(curves[:, press], cl["press"])
    shape = [i[n] for n in ("mouthFunnel", "mouthStretchLeft", "mouthStretchRight")]
    curves[:, shape] *= 1 - w * (1 - cl["shape_keep"])


def floor_aperture(curves: np.ndarray, floor: np.ndarray, starts, ends, ids, fps: float,
                   table: VisemeTable) -> None:
    """Open the jaw so that ``jawOpen - mouthClose >= floor`` outside recognised bilabials
    (their closure stays sealed). Modifies ``curves`` in place.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
    floor : np.ndarray, shape (T,)
        Least lip aperture per frame (:func:`talkrig.engines.phonetic.lipstate.
        lip_state_controls`).
    """
    cl = table.closure
    t = np.arange(len(curves)) / fps
    own = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(ids) - 1)
    bilabial = np.isin(ids, [table.index[p] for p in cl["phones"]])[own]
    jaw, close = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
    need = np.where(bilabial, 0.0, floor)
    curves[:, jaw] = np.maximum(curves[:, jaw], curves[:, close] + need)


# How far from an aligned vowel the closure gate still counts a frame as the vowel's:
# forced alignment places phone boundaries within about 20 ms of a hand labeller's
# (the usual agreement of aligners with human labels), and a vowel the aligner started
# or ended that much off must not be gated shut as the consonant beside it. Not for
# recognised phones: the phone loop's vowels are often not there at all, and spared
# margins around them cost held-out closures (1.000 -> 0.923 on one fold).
VOWEL_MARGIN_S = 0.02


def near_vowels(starts, ends, ids, fps: float, n_frames: int, table: VisemeTable,
                margin_s: float = 0.0) -> np.ndarray:
    """Frames within ``margin_s`` of a vowel (or inside one), shape (n_frames,), bool."""
    vowel = np.isin(table.classes_array[ids], ("vowel", "rounded"))
    t = np.arange(n_frames) / fps
    return _frames_in_spans(np.searchsorted(t, starts[vowel] - margin_s),
                            np.searchsorted(t, ends[vowel] + margin_s), n_frames)


def relax_pauses(curves: np.ndarray, starts, ends, ids, fps: float,
                 table: VisemeTable) -> None:
    """Pauses longer than ``rest.min_pause_ms`` fade to the rest pose (all zero) over
    ``rest.ramp_ms`` from each edge. Modifies ``curves`` in place."""
    rest = table.rest
    sil = ids == table.index[SILENCE]
    long = sil & ((ends - starts) * 1e3 > rest["min_pause_ms"])
    if not long.any():
        return
    t = np.arange(len(curves)) / fps
    ramp = rest["ramp_ms"] * 1e-3
    keep = np.ones(len(curves), np.float32)
    for s, e in zip(starts[long], ends[long]):
        lead = s > 0  # the audio's leading silence is rest from its first frame
        tail = e < t[-1] + 1.0 / fps
        into = np.clip((t - s) / ramp, 0.0, 1.0) if lead else (t >= s).astype(float)
        out = np.clip((e - t) / ramp, 0.0, 1.0) if tail else (t <= e).astype(float)
        w = np.minimum(into, out) * ((t >= s) & (t <= e))
        w = w * w * (3.0 - 2.0 * w)  # smoothstep
        keep = np.minimum(keep, 1.0 - w)
    curves *= keep[:, None]


def curves_from_phones(phones: Sequence[Phone], n_frames: int, fps: float,
                       emotion: np.ndarray | None = None,
                       loudness: np.ndarray | None = None,
                       closure: np.ndarray | None = None,
                       aperture_gain: np.ndarray | None = None,
                       aperture_floor: np.ndarray | None = None,
                       max_aperture_speed: float | None = None,
                       vowel_margin_s: float = 0.0,
                       aperture_ceiling: np.ndarray | None = None) -> np.ndarray:
    """Speech + emotion curves from timed phones; pure, fast and deterministic.

    Parameters
    ----------
    phones : sequence of Phone
        Timed phones (ARPAbet, IPA or SAMPA labels are normalised; gaps are silence).
    n_frames : int
        Output frames T; frame ``i`` is at ``i / fps`` seconds.
    fps : float
        Frame rate.
    emotion : np.ndarray, shape (T, 7), optional
        READ N-1 emotion vectors (axes ``talkrig.emotion.EMOTION_AXES``); None = neutral.
    loudness : np.ndarray, shape (T,), optional
        Loudness per frame, 0 (quiet) .. 1 (loud) relative to the speaker's level;
        scales jaw opening. None = no scaling.
    closure : np.ndarray, shape (T,), optional
        Acoustic closure evidence 0..1 (:func:`talkrig.engines.phonetic.acoustic.
        closure_evidence`), for recognised phones: closes the lips outside vowels
        where the audio shows a sealed tract. None = trust the phones alone.
    vowel_margin_s : float
        Frames this close to a vowel count as the vowel's for ``closure`` (left open):
        ``VOWEL_MARGIN_S`` for phones force-aligned to words, whose vowels may start
        or end that far off; 0 for recognised phones.
    aperture_gain : np.ndarray, shape (T,), optional
        Per-frame gain on the jaw/lip-opening channels, from acoustic lip-state
        posteriors (:func:`talkrig.engines.phonetic.lipstate.aperture_gain`), for
        recognised phones. Applied before the closure and rest rules. None = 1.
    aperture_floor : np.ndarray, shape (T,), optional
        Least jaw opening per frame where the audio sounds like a vowel
        (:func:`talkrig.engines.phonetic.lipstate.lip_state_controls`), for recognised
        phones. Applied after the closure and rest rules, except inside recognised
        bilabials. None = no floor.
    max_aperture_speed : float, optional
        Hold the lip aperture under this speed (units per second) by lowering it near
        its dips (:func:`talkrig.engines.phonetic.acoustic.limit_aperture_speed`), last
        of the mouth rules, for curves the acoustic gates above have scaled frame by
        frame. None = no limit.
    aperture_ceiling : np.ndarray, shape (T,), optional
        Largest lip aperture per frame (NaN: none), from a second opinion on the mouth
        (the neural-whisper head, :mod:`talkrig.engines.phonetic.head_ceiling`), for
        phones aligned to heard words: the opening channels are scaled down to it, after
        the floor and before the speed limit. None = no ceiling.

    Returns
    -------
    np.ndarray, shape (T, 52), float32
        ARKit-52 curves in canonical order, 0..1.
    """
    table = viseme_table()
    n_frames = max(1, int(n_frames))
    emotion = _frame_values(emotion, n_frames, 7)
    loudness = _frame_values(None if loudness is None else np.ravel(loudness), n_frames, 1)
    starts, ends, ids = prepare_phones(phones, n_frames / fps, table)
    gains, time_scale = _phone_gains(starts, ends, ids, fps, n_frames, emotion, loudness, table)
    curves = blend(starts, ends, ids, fps, n_frames, gains, time_scale, table)
    if aperture_gain is not None:
        scaled = [ARKIT_INDEX[c] for c in table.scaling["scaled_channels"]]
        curves[:, scaled] *= _frame_values(np.ravel(aperture_gain), n_frames, 1)
    enforce_closures(curves, starts, ends, ids, fps, table)
    if closure is not None:
        from talkrig.engines.phonetic.acoustic import gate_closures

        gate_closures(curves, _frame_values(np.ravel(closure), n_frames, 1)[:, 0],
                      near_vowels(starts, ends, ids, fps, n_frames, table, vowel_margin_s))
    relax_pauses(curves, starts, ends, ids, fps, table)
    if aperture_floor is not None:
        floor_aperture(curves, _frame_values(np.ravel(aperture_floor), n_frames, 1)[:, 0],
                       starts, ends, ids, fps, table)
    if aperture_ceiling is not None:
        from talkrig.engines.phonetic.acoustic import cap_aperture

        cap_aperture(curves, _frame_values(np.ravel(aperture_ceiling), n_frames, 1)[:, 0])
    if max_aperture_speed is not None:
        from talkrig.engines.phonetic.acoustic import limit_aperture_speed

        limit_aperture_speed(curves, fps, max_aperture_speed)
    if emotion is not None and np.any(emotion):
        from talkrig.expression import apply_emotion

        curves = apply_emotion(curves, emotion)
    return np.clip(curves, 0.0, 1.0).astype(np.float32)
