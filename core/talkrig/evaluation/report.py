"""Evaluate an engine on a folder of annotated speech; pooled and per-utterance reports."""

from __future__ import annotations

import math
import os
import time
from typing import Callable

import numpy as np

from talkrig.evaluation.metrics import summarise, utterance_stats

EngineFn = Callable[..., np.ndarray]  # (EngineRequest) -> (T, 52) curves
DEFAULT_FPS = 60.0
REPORT_SCHEMA = "talkrig.eval/1"
# The targets: metric -> (comparison, threshold), per mode.
TARGETS = {
    "recognised": {"bilabial_closure_rate": (">=", 0.85), "open_vs_bilabial_auc": (">=", 0.95),
                   "abs_lag_ms": ("<=", 20.0)},
    "aligned": {"bilabial_closure_rate": (">=", 0.95)},
}
COLUMNS = (("bilabial_closure_rate", "closure", "{:.3f}"),
           ("open_vs_bilabial_auc", "AUC open/bil", "{:.3f}"),
           ("rounded_vs_spread_auc", "AUC rnd/spr", "{:.3f}"),
           ("lag_ms", "lag ms", "{:+.0f}"),
           ("corr_at_zero_lag", "r(0)", "{:.3f}"),
           ("silence_rest_rate", "rest", "{:.3f}"),
           ("fast_aperture_rate", "fast", "{:.3f}"))


def _request(audio: np.ndarray, fps: float, text: str | None):
    from talkrig.engines.base import EngineRequest, frame_count

    n = frame_count(len(audio) / 16_000, fps)
    return EngineRequest(audio=audio, fps=fps, emotion=np.zeros((n, 7), np.float32), text=text)


def _run(items, audios, engine_fn: EngineFn, fps: float, with_text: bool,
         progress: Callable[[float], None] | None = None) -> dict:
    per_utt, stats, seconds, audio_s = [], [], 0.0, 0.0
    total_s = sum(len(a) for a in audios) / 16_000
    for item, audio in zip(items, audios):
        request = _request(audio, fps, item.transcript if with_text else None)
        start = time.perf_counter()
        curves = np.asarray(engine_fn(request), np.float32)
        elapsed = time.perf_counter() - start
        if curves.shape != (request.n_frames, 52):
            raise ValueError(f"{item.name}: engine returned {curves.shape}, "
                             f"expected ({request.n_frames}, 52)")
        st = utterance_stats(curves, item.phones, fps)
        stats.append(st)
        seconds += elapsed
        audio_s += request.duration_s
        per_utt.append({"name": item.name, "duration_s": round(request.duration_s, 3),
                        "realtime_factor": round(request.duration_s / max(elapsed, 1e-9), 1),
                        "with_text": bool(with_text and item.transcript),
                        **summarise([st])})
        if progress is not None:
            progress(audio_s / max(total_s, 1e-9))
    pooled = summarise(stats)
    pooled["realtime_factor"] = round(audio_s / max(seconds, 1e-9), 1)
    return {"pooled": pooled, "utterances": per_utt}


def check_targets(pooled: dict, mode: str) -> dict:
    """{metric: {"value", "target", "pass"}} for the issue's targets of ``mode``."""
    out = {}
    for metric, (op, threshold) in TARGETS[mode].items():
        value = abs(pooled["lag_ms"]) if metric == "abs_lag_ms" else pooled[metric]
        ok = value >= threshold if op == ">=" else value <= threshold
        out[metric] = {"value": value, "target": f"{op} {threshold}",
                       "pass": bool(ok) if not math.isnan(value) else False}
    return out


def evaluate_folder(folder: str | os.PathLike, engine_fn: EngineFn, with_text: bool,
                    fps: float = DEFAULT_FPS, baseline: bool = True,
                    engine_name: str = "engine",
                    progress: Callable[[float], None] | None = None) -> dict:
    """Evaluate ``engine_fn`` on every annotated utterance under ``folder``.

    Parameters
    ----------
    folder : path
        Audio with phone annotations (see :func:`talkrig.evaluation.corpus.find_utterances`).
    engine_fn : callable
        ``engine_fn(request: EngineRequest) -> np.ndarray (T, 52)``, e.g. ``engine.animate``.
    with_text : bool
        Pass each utterance's transcript (``.lab``/``.txt``) in ``request.text``.
    fps : float
        Frame rate the engine is asked for.
    baseline : bool
        Also evaluate the energy-only baseline (jaw from loudness).
    progress : callable, optional
        Called with the fraction of the audio evaluated (0..1) after each utterance.

    Returns
    -------
    dict
        JSON-ready report: pooled metrics, per-utterance metrics, baseline, targets.
    """
    from talkrig.audio import load_audio
    from talkrig.evaluation.baseline import energy_engine_fn
    from talkrig.evaluation.corpus import find_utterances

    items = find_utterances(folder)
    audios = [load_audio(item.audio).samples for item in items]
    result = _run(items, audios, engine_fn, fps, with_text, progress)
    mode = "aligned" if with_text and any(i.transcript for i in items) else "recognised"
    report = {"schema": REPORT_SCHEMA, "folder": str(folder), "engine": engine_name,
              "fps": fps, "mode": mode, "n_utterances": len(items),
              "audio_s": round(sum(len(a) for a in audios) / 16_000, 2),
              **result, "targets": check_targets(result["pooled"], mode)}
    if baseline:
        report["baseline"] = {"engine": "energy-only (jaw from loudness)",
                              **_run(items, audios, energy_engine_fn, fps, False)}
    return report


def format_table(report: dict) -> str:
    """A plain-text table of a report: per utterance, pooled, baseline, targets."""
    head = f"{'utterance':<24}{'dur s':>7}" + "".join(f"{c[1]:>14}" for c in COLUMNS) + f"{'xRT':>8}"
    lines = [f"engine {report['engine']} ({report['mode']}), {report['n_utterances']} utterances, "
             f"{report['audio_s']} s, {report['fps']:g} fps", head, "-" * len(head)]

    def row(name, dur, m):
        cells = "".join(f"{fmt.format(m[key]) if not _nan(m[key]) else 'n/a':>14}"
                        for key, _, fmt in COLUMNS)
        return f"{name[:23]:<24}{dur:>7}{cells}{m.get('realtime_factor', ''):>8}"

    for u in report["utterances"]:
        lines.append(row(u["name"], u["duration_s"], u))
    lines.append(row("POOLED", report["audio_s"], report["pooled"]))
    if "baseline" in report:
        lines.append(row("energy baseline", report["audio_s"], report["baseline"]["pooled"]))
    lines.append("targets: " + ", ".join(
        f"{k} {v['value']:.3f} {v['target']} {'PASS' if v['pass'] else 'FAIL'}"
        for k, v in report["targets"].items()))
    return "\n".join(lines)


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)
