"""Synthetic training speech for the recognition-mode lip-state model.

Every flite voice (see ``training/tts.py``) speaks English sentences at random rates
and pitches; the synthesiser gives exact phone timings. Each clip is then augmented
(``training/augment.py``: noise, reverb, EQ, band limiting, speed, gain) so the model
does not learn one clean studio channel. Written as ``<name>.wav`` + ``<name>.TextGrid``
(phone tier), the folder layout ``talkrig eval`` and
:mod:`talkrig.engines.phonetic.fit_lipstate` read.

Usage: OMP_NUM_THREADS=1 python bench/synthetic_speech.py --out /tmp/talkrig-synth
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RATE = 16_000


def build(out: Path, count: int, seed: int) -> list[str]:
    """Synthesise ``count`` augmented clips into ``out``; returns their names."""
    import soundfile as sf

    sys.path.insert(0, str(ROOT))
    from bench.heldout_speech import textgrid_text
    from talkrig.phones import Phone
    from training import augment, texts, tts

    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for k, text in enumerate(texts.sentences(count, seed)):
        voice = tts.FLITE_VOICES[k % len(tts.FLITE_VOICES)]
        voicing = tts.Voicing(voice, float(rng.uniform(0.8, 1.4)), float(rng.uniform(80, 220)),
                              float(rng.uniform(0.75, 1.4)))
        audio, phones = tts.synthesize(text, voicing)
        audio, scale, _ = augment.random_chain(audio, rng)
        phones = [Phone(label, s * scale, e * scale) for label, s, e in phones]
        name = f"synth_{k:04d}_{voice}"
        sf.write(out / f"{name}.wav", audio, SAMPLE_RATE, subtype="PCM_16")
        (out / f"{name}.TextGrid").write_text(textgrid_text(phones, len(audio) / SAMPLE_RATE))
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/talkrig-synth"))
    parser.add_argument("--count", type=int, default=150, help="clips to synthesise")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    names = build(args.out, args.count, args.seed)
    print(f"{len(names)} synthetic clips in {args.out}")


if __name__ == "__main__":
    main()
