"""Lip sync in noise: the dev evaluation with noise added to the speech.

Real recordings are rarely clean. This adds, at a given signal-to-noise ratio, either
pink noise (1/f power: fans, air conditioning, hum-free room tone) or babble (four
other talkers from ../shared/data/speech-multilingual summed, as in a busy room), to
every dev utterance before the engine hears it, and scores the curves against the
hand-checked phones exactly like ``talkrig eval``. The reference phones and the
metrics do not change; only the engine's input does. The ``whispered`` condition adds no
noise: it replaces the voice by a whisper of the same words (``training.augment.
whisper_voice``: the formants kept, the pitch gone; session 29).

Usage: OMP_NUM_THREADS=1 python bench/noisy_speech.py
       [--engines phonetic+text,phonetic,phonetic+phones,neural]
       [--conditions clean,pink:20,pink:10,babble:15,whispered] [--folder DIR]
       [--json report.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from talkrig.evaluation.report import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEV = SHARED / "speech-dev" / "mfa"
BABBLE_FILES = ("chinese_news.wav", "deyu.wav", "fayu.wav", "eluosi.wav")  # four talkers
SAMPLE_RATE = 16_000
METRICS = tuple(key for key, _, _ in COLUMNS)  # the metrics of talkrig eval's table


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Pink (1/f power) noise of ``n`` samples, unit RMS."""
    spectrum = rng.normal(size=n // 2 + 1) + 1j * rng.normal(size=n // 2 + 1)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    spectrum /= np.sqrt(np.maximum(freqs, 20.0))  # power ~ 1/f above 20 Hz
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise ** 2))


def babble_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Four other talkers summed, looped to ``n`` samples at random offsets, unit RMS."""
    from talkrig.audio import load_audio

    total = np.zeros(n)
    for name in BABBLE_FILES:
        voice = load_audio(SHARED / "speech-multilingual" / name).samples.astype(np.float64)
        looped = np.resize(np.roll(voice, rng.integers(len(voice))), n)
        total += looped / np.sqrt(np.mean(voice ** 2))
    return total / np.sqrt(np.mean(total ** 2))


def degrade(audio: np.ndarray, condition: str, seed: int = 0) -> np.ndarray:
    """``audio`` with the noise of ``condition`` ("clean", "pink:SNR", "babble:SNR") added,
    or whispered ("whispered").

    The SNR is in dB over the speech's mean power (pauses included)."""
    if condition == "clean":
        return audio
    rng = np.random.default_rng(seed)
    if condition == "whispered":
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from training.augment import whisper_voice

        return whisper_voice(audio, rng)
    kind, snr_db = condition.split(":")
    make = {"pink": pink_noise, "babble": babble_noise}[kind]
    noise = make(len(audio), rng) * np.sqrt(np.mean(audio.astype(np.float64) ** 2)
                                            / 10 ** (float(snr_db) / 10))
    mixed = audio + noise
    peak = np.max(np.abs(mixed))
    return (mixed / peak * 0.9 if peak > 0.99 else mixed).astype(np.float32)


def evaluate(engine_name: str, condition: str, folder: Path = DEV) -> dict:
    """Pooled metrics of one engine in one condition on an annotated ``folder`` (the dev
    set by default; ``phonetic+text``: with transcripts; ``phonetic+phones``: phones
    recognised instead of words heard)."""
    from talkrig.engines import get_engine
    from talkrig.evaluation.report import evaluate_folder

    with_text = engine_name.endswith("+text")
    if engine_name == "phonetic+phones":
        engine = get_engine("phonetic", hear_words=False)
    else:
        engine = get_engine(engine_name.removesuffix("+text"))

    def noisy_engine(request):
        return engine.animate(dataclasses.replace(request, audio=degrade(request.audio,
                                                                          condition)))

    report = evaluate_folder(folder, noisy_engine, with_text=with_text, baseline=False,
                             engine_name=engine_name)
    return {k: report["pooled"][k] for k in METRICS}


def main() -> None:
    import warnings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--engines", default="phonetic+text,phonetic,phonetic+phones,neural",
                        help="comma-separated engines; +text = with transcripts, "
                             "+phones = phone recognition instead of words heard")
    parser.add_argument("--conditions", default="clean,pink:20,pink:10,babble:15",
                        help="comma-separated: clean, pink:SNR_DB, babble:SNR_DB, whispered")
    parser.add_argument("--folder", type=Path, default=DEV,
                        help="annotated speech to evaluate on, e.g. bench/heldout_speech.py's "
                             "/tmp/talkrig-heldout")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # fallbacks are expected in heavy noise
    rows = []
    print(f"{'engine':16} {'condition':10} closure  AUC o/b  AUC r/s  lag ms  r(0)   rest   fast")
    for engine_name in args.engines.split(","):
        for condition in args.conditions.split(","):
            m = evaluate(engine_name, condition, args.folder)
            rows.append({"engine": engine_name, "condition": condition, **m})
            print(f"{engine_name:16} {condition:10} {m['bilabial_closure_rate']:.3f}    "
                  f"{m['open_vs_bilabial_auc']:.3f}    {m['rounded_vs_spread_auc']:.3f}    "
                  f"{m['lag_ms']:+5.0f}   {m['corr_at_zero_lag']:.3f}  "
                  f"{m['silence_rest_rate']:.3f}  {m['fast_aperture_rate']:.3f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
