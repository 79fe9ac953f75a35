"""Training batches: corpus audio crops with teacher curves for two emotions.

Targets come from the phonetic engine's ``curves_from_phones`` (the teacher) run on
the clip's phones, with the clip's emotion spec and with a second, random emotion
(for the emotion-consistency term), and the clip's loudness (the teacher scales the
jaw by it, as the phonetic engine does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from talkrig.engines.phonetic import curves_from_phones
from talkrig.engines.phonetic.loudness import loudness_envelope
from talkrig.model.dims import BLOCK_FRAMES, BLOCK_SAMPLES, OUTPUT_FPS, SAMPLE_RATE
from talkrig.phones import Phone
from training import emotions

INT16_SCALE = 32767.0


@dataclass(frozen=True)
class Clip:
    """One corpus utterance."""

    audio: np.ndarray  # (N,) int16 view into the corpus array
    phones: tuple[Phone, ...]
    emotion: str  # spec, talkrig.emotion syntax
    source: str
    folder: int  # index of its corpus folder


def corpus_folders(names: tuple[str, ...]) -> list[Path]:
    """The config's corpus folders, each checked to hold a corpus: SystemExit naming the
    first that does not (a folder left out would shift ``corpus_weights`` and
    ``teacher_folders``, which are given by position)."""
    for name in names:
        if not (Path(name) / "manifest.json").is_file():
            raise SystemExit(f"{name}: no corpus there (build it with python -m "
                             "training.build_corpus; the config's comments give the command)")
    return [Path(name) for name in names]


def load_corpus(folders: list[Path]) -> list[Clip]:
    """All clips of the corpus folders written by :mod:`training.build_corpus`."""
    clips = []
    for number, folder in enumerate(folders):
        arrays = np.load(Path(folder) / "clips.npz")
        audio, offsets = arrays["audio"], arrays["offsets"]
        manifest = json.loads((Path(folder) / "manifest.json").read_text("utf-8"))
        for i, rec in enumerate(manifest["clips"]):
            phones = tuple(Phone(label, start, end) for label, start, end in rec["phones"])
            clips.append(Clip(audio[offsets[i]: offsets[i + 1]], phones, rec["emotion"],
                              rec["source"], number))
    return clips


def split(clips: list[Clip], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Reproducible (train indices, validation indices), drawn per corpus folder so
    adding a folder does not change the validation clips of the others."""
    train, val = [], []
    for folder in sorted({c.folder for c in clips}):
        members = np.array([i for i, c in enumerate(clips) if c.folder == folder])
        order = np.random.default_rng(seed).permutation(members)
        n_val = max(1, int(round(len(members) * val_fraction)))
        val += order[:n_val].tolist()
        train += order[n_val:].tolist()
    return sorted(train), sorted(val)


def teacher(clip: Clip, audio: np.ndarray, spec: str, n_frames: int,
            use_loudness: bool) -> tuple[np.ndarray, np.ndarray]:
    """(emotion vectors (T, 7), target curves (T, 52)) for the whole clip."""
    vec = emotions.vectors(spec, OUTPUT_FPS, n_frames)
    level = loudness_envelope(audio, n_frames, OUTPUT_FPS) if use_loudness else None
    return vec, curves_from_phones(clip.phones, n_frames, OUTPUT_FPS, vec, level)


def emotion_pair(clip: Clip, audio: np.ndarray, n_frames: int, rng: np.random.Generator,
                 use_loudness: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`teacher` of the whole clip under its own emotion spec and under a random
    second one (for the emotion-consistency term), in that order."""
    second = emotions.random_spec(len(clip.audio) / SAMPLE_RATE, rng)
    return [teacher(clip, audio, spec, n_frames, use_loudness) for spec in (clip.emotion, second)]


class Batches:
    """Random crops of ``crop_blocks`` x 50 ms with targets for two emotions.

    ``next()`` returns a dict of float32 arrays: ``audio`` (B, crop_blocks * 800),
    ``emotion`` (2B, T, 7), ``target`` (2B, T, 52) with T = 3 * crop_blocks; rows
    0..B-1 use each clip's own emotion spec, rows B..2B-1 a random one on the same audio.
    With ``teacher`` (a :class:`training.head_teacher.HeadTeacher`), the targets of the
    clips it teaches are blended with its curves on the whole clip.
    """

    def __init__(self, clips: list[Clip], indices: list[int], batch_size: int,
                 crop_blocks: int, seed: int, use_loudness: bool = True,
                 gain_db: float = 6.0, folder_weights: tuple[float, ...] = (),
                 noise_prob: float = 0.0, teacher=None):
        self.clips, self.indices = clips, indices
        self.teacher = teacher
        self.probs = sampling_probs(clips, indices, folder_weights)
        self.batch_size, self.crop_blocks = batch_size, crop_blocks
        self.rng = np.random.default_rng(seed)
        self.use_loudness, self.gain_db = use_loudness, gain_db
        self.noise_prob = noise_prob  # chance of extra noise on a crop (after the teacher)

    def _one(self, index: int) -> tuple[np.ndarray, list, list]:
        clip = self.clips[index]
        n_blocks = max(self.crop_blocks, -(-len(clip.audio) // BLOCK_SAMPLES))
        audio = np.zeros(n_blocks * BLOCK_SAMPLES, np.float32)
        audio[: len(clip.audio)] = clip.audio / INT16_SCALE
        n_frames = n_blocks * BLOCK_FRAMES
        pairs = emotion_pair(clip, audio, n_frames, self.rng, self.use_loudness)
        if self.teacher is not None and self.teacher.teaches(index):
            pairs = [(vec, self.teacher.blend_clip(target, index, vec)) for vec, target in pairs]
        start = int(self.rng.integers(0, n_blocks - self.crop_blocks + 1))
        a0, a1 = start * BLOCK_SAMPLES, (start + self.crop_blocks) * BLOCK_SAMPLES
        f0, f1 = start * BLOCK_FRAMES, (start + self.crop_blocks) * BLOCK_FRAMES
        gain = 10 ** (self.rng.uniform(-self.gain_db, self.gain_db) / 20)
        crop = audio[a0:a1]
        if self.rng.random() < self.noise_prob:
            crop = self._noisy(crop, audio)
        return (np.clip(crop * gain, -1, 1), [p[0][f0:f1] for p in pairs],
                [p[1][f0:f1] for p in pairs])

    def _noisy(self, crop: np.ndarray, whole: np.ndarray) -> np.ndarray:
        """Add white or low-passed noise at 3-35 dB below the clip's speech power."""
        noise = self.rng.standard_normal(len(crop)).astype(np.float32)
        if self.rng.random() < 0.5:
            noise = np.convolve(noise, np.ones(8, np.float32) / 8, mode="same")
        speech_power = float(np.mean(whole ** 2)) + 1e-9
        snr_db = self.rng.uniform(3.0, 35.0)
        scale = np.sqrt(speech_power / (np.mean(noise ** 2) + 1e-12) / 10 ** (snr_db / 10))
        return crop + scale * noise

    def next(self) -> dict[str, np.ndarray]:
        picks = self.rng.choice(self.indices, size=self.batch_size, p=self.probs)
        items = [self._one(i) for i in picks]
        return {"audio": np.stack([it[0] for it in items]),
                "emotion": np.stack([it[1][k] for k in (0, 1) for it in items]),
                "target": np.stack([it[2][k] for k in (0, 1) for it in items])}


def sampling_probs(clips: list[Clip], indices: list[int],
                   folder_weights: tuple[float, ...]) -> np.ndarray | None:
    """Per-index probabilities giving each corpus folder its share; None = uniform."""
    if not folder_weights:
        return None
    folders = np.array([clips[i].folder for i in indices])
    probs = np.zeros(len(indices))
    for folder in np.unique(folders):
        share = folder_weights[folder] if folder < len(folder_weights) else 1.0
        members = folders == folder
        probs[members] = share / members.sum()
    return probs / probs.sum()
