"""Typed training configuration, read from a TOML file (``training/configs/*.toml``).

The file has a ``[model]`` table (fields of :class:`talkrig.model.dims.ModelDims`)
and a ``[train]`` table (fields of :class:`TrainConfig`). A file that starts with
``base = "other.toml"`` (a path relative to its own folder) holds only what differs from
that config: each of its tables updates the base's table key by key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from talkrig.model.dims import ModelDims


@dataclass(frozen=True)
class TrainConfig:
    """How to train."""

    corpus: tuple[str, ...] = ("out/corpus_synth",)  # corpus folders (build_corpus output)
    corpus_weights: tuple[float, ...] = ()  # sampling share per corpus folder; () = by size
    steps: int = 6000  # optimizer steps
    max_minutes: float = 45.0  # stop (and save) after this much wall time
    batch_size: int = 12  # clips per step (each seen with two emotions)
    crop_blocks: int = 48  # crop length in 50 ms blocks (2.4 s)
    lr: float = 2e-3  # peak AdamW learning rate
    lr_min: float = 1e-4  # cosine floor
    warmup: int = 200  # linear warm-up steps
    weight_decay: float = 1e-4
    vel_weight: float = 1.0  # lambda_vel: L1 on frame-to-frame differences (READ)
    mouth_weight: float = 2.0  # extra weight on the channels of lip aperture and rounding
    closure_weight: float = 0.3  # aperture L1, closed-lip teacher frames weighted x3
    emo_weight: float = 1.0  # emotion consistency: same closures under both emotions
    gan_weight: float = 0.0  # lambda_GAN of the conditional LSGAN (READ uses 0.02); 0 = off
    gan_start: int = 1000  # step at which the adversarial term starts
    noise_prob: float = 0.5  # chance of extra on-the-fly noise per crop (3-35 dB SNR)
    use_loudness: bool = True  # teacher scales the jaw by loudness, as the engine does
    val_fraction: float = 0.03  # clips held out for validation
    val_every: int = 250  # steps between validation runs and checkpoints
    seed: int = 0
    # a local transformers wav2vec2/HuBERT directory replacing the log-mel front end
    # (talkrig.model.pretrained); "" = the log-mel front end of [model]
    speech_encoder_dir: str = ""
    freeze_speech_encoder: bool = True  # train only the projection and what follows
    threads: int = 1  # torch threads (keep 1 for long runs on shared machines)
    # Whisper heads only: each crop reads, with even odds, the states of windows this long
    # instead of the head's window_s (a second view of every clip); 0 = off
    second_window_s: float = 0.0
    # a trained Whisper head's ONNX file (e.g. the shipped one) as a second teacher,
    # reading its own encoder's states (training.head_teacher); the target is
    # (1 - teacher_weight) x the phonetic engine's + teacher_weight x that head's
    teacher_head: str = ""
    teacher_weight: float = 0.0
    # log-mel network only: the corpus folders (indices into corpus) whose clips the head
    # teaches, on the whole clip's states; () = every folder (a Whisper head's teacher
    # always teaches every crop)
    teacher_folders: tuple[int, ...] = ()
    # Whisper heads only: weight of the cross-entropy of a linear phone read-out of the
    # head's last hidden layer (training.phone_probe; not exported); 0 = off
    phone_weight: float = 0.0
    # Whisper heads only: dropout on the encoder states a crop reads (each value zeroed
    # with this chance, the rest scaled up), the same mask for both emotions; 0 = off
    states_dropout: float = 0.0
    # log-mel network only: vocal tract length perturbation (training.vtlp), each clip's
    # mel filterbank warped by a factor log-uniform in [low, high]; () = off
    vtlp: tuple[float, ...] = ()


# [train] keys one trainer reads and the other would silently ignore
WHISPER_HEAD_ONLY = ("second_window_s", "phone_weight", "states_dropout")
LOG_MEL_ONLY = ("speech_encoder_dir", "freeze_speech_encoder", "teacher_folders", "vtlp")


def read_config(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict:
    """A config file's tables, ``{"model": {...}, "train": {...}}``, with those of the
    config it names as ``base`` (and that one's base, ...) under its own keys."""
    path = Path(path)
    if path.resolve() in _chain:
        raise ValueError(f"{path}: its chain of bases comes back to it")
    doc = tomllib.loads(path.read_text("utf-8"))
    base = doc.pop("base", None)
    if base is None:
        return doc
    base_path = path.parent / base
    if not base_path.is_file():
        raise ValueError(f"{path}: its base {base_path} does not exist")
    inherited = read_config(base_path, _chain + (path.resolve(),))
    return {table: {**inherited.get(table, {}), **doc.get(table, {})}
            for table in inherited.keys() | doc.keys()}


def load_config(path: str | Path) -> tuple[ModelDims, TrainConfig]:
    """Parse a TOML config file into (ModelDims, TrainConfig)."""
    doc = read_config(path)
    return ModelDims.from_dict(doc.get("model", {})), train_config(doc, path, WHISPER_HEAD_ONLY)


def train_config(doc: dict, path: str | Path, ignored: tuple[str, ...] = ()) -> TrainConfig:
    """The ``[train]`` table of a parsed config file. Unknown keys, and keys in
    ``ignored`` (the trainer reading this file has no use for them), raise ValueError."""
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(doc.get("train", {})) - known
    if unknown:
        raise ValueError(f"{path}: unknown [train] keys: {sorted(unknown)}")
    unused = set(doc.get("train", {})) & set(ignored)
    if unused:
        raise ValueError(f"{path}: [train] keys this trainer does not use: {sorted(unused)}")
    train = {k: (tuple(v) if isinstance(v, list) else v) for k, v in doc.get("train", {}).items()}
    cfg = TrainConfig(**train)
    if cfg.vtlp and not (len(cfg.vtlp) == 2 and 0 < cfg.vtlp[0] <= cfg.vtlp[1]):
        raise ValueError(f"{path}: vtlp must be [low, high] with 0 < low <= high, "
                         f"got {list(cfg.vtlp)}")
    return cfg
