"""Lip-sync metrics from curves and reference phones (pure NumPy).

Definitions (issue 3):

- lip aperture ``A(t) = clip(jawOpen - mouthClose, 0, 1) + 0.3 mean(mouthLowerDown L/R)
  + 0.3 mean(mouthUpperUp L/R)``; rounding ``R(t) = mean(mouthFunnel, mouthPucker)``;
- bilabial closure rate: bilabial phones of >= 30 ms whose minimum A within +-20 ms of
  the phone is <= 0.25 * p95(A);
- AUC of max A over open vowels vs bilabials; AUC of mean R over rounded vs spread vowels;
- lag (ms, within +-200) maximising the correlation of A with a reference aperture built
  from the phones (smoothed with a 40 ms Hann window), and the correlation at zero lag;
- silence rest rate: frames inside pauses > 300 ms, 100 ms in from each edge, with
  A <= 0.25 * p95(A);
- fast aperture rate (not in the issue; lower is smoother): the share of frame-to-frame
  steps in which A moves faster than 12 per second (0.2 per frame at 60 fps). Curves
  from aligned phones move that fast in about 1 % of steps; a mouth that snaps open
  and shut ("pops") scores higher.

Frame ``i`` of a curve array is at ``i / fps`` seconds. Lags are positive when the
curves move later than the phones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from talkrig.phones import Phone
from talkrig.rigs import ARKIT_INDEX

BILABIAL = frozenset({"P", "B", "M"})
LABIODENTAL = frozenset({"F", "V"})
# schwa (AX) is open as AH is: the CMU phones the classes are defined over spell it AH0
OPEN_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "AX"})
SPREAD_VOWELS = frozenset({"IY", "IH", "EH", "EY"})
ROUNDED_VOWELS = frozenset({"UW", "UH", "OW", "OY", "ER"})
SILENCE = frozenset({"SIL"})
REFERENCE_APERTURE = {"open": 1.0, "spread": 0.7, "rounded": 0.6, "consonant": 0.35,
                      "labiodental": 0.15, "bilabial": 0.0, "silence": 0.0}

MIN_BILABIAL_S = 0.030  # bilabials shorter than 30 ms are not scored
CLOSURE_MARGIN_S = 0.020  # +-20 ms around the phone
CLOSED_FRACTION = 0.25  # "closed" = A <= 0.25 * p95(A)
MAX_LAG_S = 0.200
LAG_STEP_S = 0.001  # 1 ms lag resolution (curves are interpolated to 1 kHz)
REFERENCE_SMOOTH_S = 0.040  # Hann window length for the reference aperture
MIN_PAUSE_S = 0.300
PAUSE_EDGE_S = 0.100
# The coarticulation model on aligned phones of the 11 held-out clips moves A by at
# most 20.4 per second, over 9.4 in 1 % of frame steps and over 12.8 in 0.5 %.
FAST_APERTURE_PER_S = 12.0


def phone_class(label: str) -> str:
    """Evaluation class of an ARPAbet phone (keys of ``REFERENCE_APERTURE``)."""
    if label in SILENCE:
        return "silence"
    if label in BILABIAL:
        return "bilabial"
    if label in LABIODENTAL:
        return "labiodental"
    if label in OPEN_VOWELS:
        return "open"
    if label in SPREAD_VOWELS:
        return "spread"
    if label in ROUNDED_VOWELS:
        return "rounded"
    return "consonant"


def _col(curves: np.ndarray, name: str) -> np.ndarray:
    return np.asarray(curves, np.float64)[:, ARKIT_INDEX[name]]


def aperture(curves: np.ndarray, channels: Sequence[str] | None = None) -> np.ndarray:
    """Lip aperture A(t).

    Parameters
    ----------
    curves : np.ndarray, shape (T, K)
        Curves; canonical ARKit-52 order when ``channels`` is None.
    channels : sequence of str, optional
        Names of the K columns (canonical ARKit names).

    Returns
    -------
    np.ndarray, shape (T,), float64
    """
    c = _canonical(curves, channels)
    lower = 0.5 * (_col(c, "mouthLowerDownLeft") + _col(c, "mouthLowerDownRight"))
    upper = 0.5 * (_col(c, "mouthUpperUpLeft") + _col(c, "mouthUpperUpRight"))
    return np.clip(_col(c, "jawOpen") - _col(c, "mouthClose"), 0.0, 1.0) + 0.3 * lower + 0.3 * upper


def rounding(curves: np.ndarray, channels: Sequence[str] | None = None) -> np.ndarray:
    """Lip rounding R(t) = mean(mouthFunnel, mouthPucker), shape (T,)."""
    c = _canonical(curves, channels)
    return 0.5 * (_col(c, "mouthFunnel") + _col(c, "mouthPucker"))


def _canonical(curves: np.ndarray, channels: Sequence[str] | None) -> np.ndarray:
    curves = np.asarray(curves)
    if channels is None:
        return curves
    from talkrig.rigs import ARKIT52, canonical_arkit_name

    out = np.zeros((len(curves), len(ARKIT52)), np.float64)
    for k, name in enumerate(channels):
        canon = canonical_arkit_name(name)
        if canon is not None:
            out[:, ARKIT_INDEX[canon]] = curves[:, k]
    return out


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """P(positive > negative) + 0.5 P(tie); NaN when either set is empty."""
    pos, neg = np.asarray(positive, float), np.asarray(negative, float)
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)


def _frames_in(t: np.ndarray, start: float, end: float) -> np.ndarray:
    return (t >= start - 1e-9) & (t <= end + 1e-9)


@dataclass
class UtteranceStats:
    """Raw per-utterance material; pooled across utterances by concatenation."""

    closures: list[bool] = field(default_factory=list)  # per scored bilabial
    open_max: list[float] = field(default_factory=list)
    bilabial_max: list[float] = field(default_factory=list)
    rounded_mean: list[float] = field(default_factory=list)
    spread_mean: list[float] = field(default_factory=list)
    rest: list[bool] = field(default_factory=list)  # per pause frame
    fast: list[bool] = field(default_factory=list)  # per frame step: A moved too fast
    xcorr: np.ndarray | None = None  # (L, 5) sums for correlation at each lag
    lags_ms: np.ndarray | None = None


def utterance_stats(curves: np.ndarray, phones: Sequence[Phone], fps: float) -> UtteranceStats:
    """Collect the metric material of one utterance.

    Parameters
    ----------
    curves : np.ndarray, shape (T, 52)
    phones : sequence of Phone
        Reference phones (ARPAbet labels, ``SIL`` for silence).
    fps : float
    """
    a = aperture(curves)
    r = rounding(curves)
    t = np.arange(len(a)) / fps
    closed_level = CLOSED_FRACTION * np.percentile(a, 95)
    st = UtteranceStats()
    for ph in phones:
        cls = phone_class(ph.label)
        inside = _frames_in(t, ph.start_s, ph.end_s)
        if cls == "bilabial":
            near = _frames_in(t, ph.start_s - CLOSURE_MARGIN_S, ph.end_s + CLOSURE_MARGIN_S)
            if ph.duration_s >= MIN_BILABIAL_S and near.any():
                st.closures.append(bool(a[near].min() <= closed_level))
            if inside.any():
                st.bilabial_max.append(float(a[inside].max()))
        elif cls == "open" and inside.any():
            st.open_max.append(float(a[inside].max()))
        elif cls == "rounded" and inside.any():
            st.rounded_mean.append(float(r[inside].mean()))
        elif cls == "spread" and inside.any():
            st.spread_mean.append(float(r[inside].mean()))
    for start, end in pauses(phones):
        if end - start > MIN_PAUSE_S:
            core = _frames_in(t, start + PAUSE_EDGE_S, end - PAUSE_EDGE_S)
            st.rest.extend((a[core] <= closed_level).tolist())
    st.lags_ms, st.xcorr = lag_sums(a, fps, phones)
    # (a step of exactly the limit is not over it: 1e-6 absorbs float32 rounding)
    st.fast = (np.abs(np.diff(a)) > FAST_APERTURE_PER_S / fps + 1e-6).tolist()
    return st


def pauses(phones: Sequence[Phone]) -> list[tuple[float, float]]:
    """Spans of consecutive silence phones (gaps between phones count as silence)."""
    spans: list[tuple[float, float]] = []
    cursor = 0.0
    for ph in sorted(phones, key=lambda p: p.start_s):
        if ph.start_s > cursor + 1e-6:
            spans.append((cursor, ph.start_s))
        if ph.label in SILENCE:
            spans.append((ph.start_s, ph.end_s))
        cursor = max(cursor, ph.end_s)
    merged: list[tuple[float, float]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1] + 1e-6:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def reference_aperture(phones: Sequence[Phone], n: int, rate: float) -> np.ndarray:
    """Reference aperture from phone classes at ``rate`` Hz, Hann-smoothed (40 ms), shape (n,)."""
    ref = np.zeros(n)
    t = np.arange(n) / rate
    for ph in phones:
        ref[_frames_in(t, ph.start_s, ph.end_s - 1e-9)] = REFERENCE_APERTURE[phone_class(ph.label)]
    width = max(3, int(round(REFERENCE_SMOOTH_S * rate)))
    window = np.hanning(width + 2)[1:-1]
    return np.convolve(ref, window / window.sum(), mode="same")


def lag_sums(a: np.ndarray, fps: float, phones: Sequence[Phone]) -> tuple[np.ndarray, np.ndarray]:
    """Sufficient statistics of corr(A(t - lag), ref(t)) for each lag.

    Returns
    -------
    lags_ms : np.ndarray, shape (L,)
    sums : np.ndarray, shape (L, 6)
        Per lag: n, sum x, sum y, sum xx, sum yy, sum xy (x = curves, y = reference),
        so utterances pool by adding.
    """
    rate = 1.0 / LAG_STEP_S
    duration = len(a) / fps
    n = int(duration * rate)
    fine_t = np.arange(n) / rate
    x = np.interp(fine_t, np.arange(len(a)) / fps, a)
    y = reference_aperture(phones, n, rate)
    max_lag = int(round(MAX_LAG_S * rate))
    lags = np.arange(-max_lag, max_lag + 1)
    sums = np.zeros((len(lags), 6))
    for k, lag in enumerate(lags):  # curves late by `lag` => compare x[t + lag] with y[t]
        xs = x[max(lag, 0): n + min(lag, 0)]
        ys = y[max(-lag, 0): n - max(lag, 0)]
        sums[k] = (len(xs), xs.sum(), ys.sum(), (xs * xs).sum(), (ys * ys).sum(), (xs * ys).sum())
    return lags * LAG_STEP_S * 1e3, sums


def correlation_from_sums(sums: np.ndarray) -> np.ndarray:
    """Pearson correlation per row of :func:`lag_sums` statistics, shape (L,)."""
    n, sx, sy, sxx, syy, sxy = sums.T
    cov = sxy - sx * sy / np.maximum(n, 1)
    vx = sxx - sx * sx / np.maximum(n, 1)
    vy = syy - sy * sy / np.maximum(n, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.sqrt(vx * vy)


def summarise(stats: Sequence[UtteranceStats]) -> dict:
    """Metric values from one or more utterances' material (pooled)."""
    def cat(attr):
        return [v for s in stats for v in getattr(s, attr)]

    closures, rest, fast = cat("closures"), cat("rest"), cat("fast")
    sums = sum(s.xcorr for s in stats if s.xcorr is not None)
    corr = correlation_from_sums(sums)
    lags = stats[0].lags_ms
    best = int(np.nanargmax(corr)) if np.isfinite(corr).any() else len(lags) // 2
    return {
        "bilabial_closure_rate": float(np.mean(closures)) if closures else float("nan"),
        "n_bilabials": len(closures),
        "open_vs_bilabial_auc": auc(cat("open_max"), cat("bilabial_max")),
        "rounded_vs_spread_auc": auc(cat("rounded_mean"), cat("spread_mean")),
        "lag_ms": float(lags[best]),
        "corr_at_best_lag": float(corr[best]),
        "corr_at_zero_lag": float(corr[len(lags) // 2]),
        "silence_rest_rate": float(np.mean(rest)) if rest else float("nan"),
        "n_pause_frames": len(rest),
        "fast_aperture_rate": float(np.mean(fast)) if fast else float("nan"),
    }
