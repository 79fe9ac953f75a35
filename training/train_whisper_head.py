"""Train a head on a frozen Whisper encoder (the ``neural-whisper`` engine reads base's).

The phonetic engine is the teacher, as for the log-mel network (:mod:`training.train`):
the same corpus, the same two-emotion batches and the same losses (weighted L1,
velocity, lip aperture with closed frames counted 3x, emotion consistency). Only the
input differs: the encoder states cached by :mod:`training.whisper_states`, resampled
to 60 fps, instead of audio. No on-the-fly noise (the states are fixed); instead, with
``second_window_s``, each crop reads with even odds the clip's states from windows of
that length (a second view of every clip; the engine reads the head's ``window_s``).
The conditional LSGAN term of READ when ``gan_weight`` > 0 (from ``gan_start``).
With ``teacher_head`` (a trained head's ONNX file) and ``teacher_weight`` w, the target
is (1 - w) x the phonetic engine's curves + w x that head's on its own encoder's states
of the same crop: a head on a smaller encoder learns from one on a larger encoder.
Two regularisers, off by default and measured in session 26 (docs/neural.md):
``phone_weight`` trains a phone read-out of the head's last hidden layer beside it
(:mod:`training.phone_probe`), and ``states_dropout`` drops encoder state values.

    python -m training.train_whisper_head training/configs/whisper_head.toml --out out/train_wh

Another encoder (``--encoder FILE``, e.g. tiny.en from ``training.export_whisper_encoder
--model whisper-tiny.en``) needs ``encoder``, ``encoder_layers`` and ``features`` in the
config's ``[model]`` to match it.

Checkpoints (``step_NNNNNN.pt`` every ``val_every`` steps, ``last.pt``) hold the weights,
the dims, the config, the optimizer state and the step; a run resumes from ``last.pt``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from talkrig.model.dims import OUTPUT_FPS, SAMPLE_RATE, WhisperHeadDims
from training.config import LOG_MEL_ONLY, TrainConfig, read_config, train_config
from training.dataset import (INT16_SCALE, corpus_folders, emotion_pair, load_corpus,
                              sampling_probs)
from training.head_teacher import HeadTeacher, check_teacher, head_teacher, states_at_frames
from training.optim import descend, set_learning_rate
from training.phone_probe import frame_phones


def load_head_config(path: str | Path) -> tuple[WhisperHeadDims, TrainConfig]:
    """Parse a TOML file with ``[model]`` (WhisperHeadDims) and ``[train]`` (TrainConfig)."""
    doc = read_config(path)
    return WhisperHeadDims.from_dict(doc.get("model", {})), train_config(doc, path, LOG_MEL_ONLY)


class HeadBatches:
    """Random crops of ``crop_frames`` frames at 60 fps, each with two emotions.

    ``next()`` returns float32 arrays ``states`` (B, T, W), ``emotion`` (2B, T, 7) and
    ``target`` (2B, T, 52): rows 0..B-1 the clip's own emotion, B..2B-1 a random one;
    and ``phones`` (B, T) int64, each frame's phone (:func:`training.phone_probe.frame_phones`).
    With ``second_states`` (the same clips read in windows of another length), each crop
    reads those instead with even odds. With ``teacher`` (a :class:`HeadTeacher`), each
    target is blended with that head's curves on its own states of the same crop (the
    same window view, the same emotion rows).
    """

    def __init__(self, clips, states, indices, cfg: TrainConfig, seed: int,
                 second_states=None, teacher: HeadTeacher | None = None):
        self.clips, self.indices = clips, indices
        self.views = [states] if second_states is None else [states, second_states]
        self.teacher = teacher
        self.probs = sampling_probs(clips, indices, cfg.corpus_weights)
        self.cfg = cfg
        self.crop = cfg.crop_blocks * 3  # 50 ms blocks -> 60 fps frames
        self.rng = np.random.default_rng(seed)
        self.view_rng = np.random.default_rng(seed + 1)  # which window's states a crop reads

    def reseed(self, seed: int, step: int) -> None:
        """Fresh random streams for a run resumed at ``step``."""
        self.rng = np.random.default_rng(seed + step)
        self.view_rng = np.random.default_rng((seed + 1, step))

    def _one(self, index: int):
        view = 0
        if len(self.views) > 1 and self.view_rng.random() < 0.5:
            view = 1
        clip = self.clips[index]
        n_frames = max(self.crop, int(np.ceil(len(clip.audio) / SAMPLE_RATE * OUTPUT_FPS)))
        audio = np.zeros(int(np.ceil(n_frames / OUTPUT_FPS * SAMPLE_RATE)), np.float32)
        audio[: len(clip.audio)] = clip.audio / INT16_SCALE
        pairs = emotion_pair(clip, audio, n_frames, self.rng, self.cfg.use_loudness)
        start = int(self.rng.integers(0, n_frames - self.crop + 1))
        end = start + self.crop
        states = states_at_frames(self.views[view][index], start, self.crop)
        taught = (None if self.teacher is None else
                  states_at_frames(self.teacher.views[view][index], start, self.crop))
        phones = frame_phones(clip.phones, self.crop, first=start)  # the crop's frames only
        return (states, [p[0][start:end] for p in pairs], [p[1][start:end] for p in pairs],
                taught, phones)

    def next(self) -> dict[str, np.ndarray]:
        picks = self.rng.choice(self.indices, size=self.cfg.batch_size, p=self.probs)
        items = [self._one(i) for i in picks]
        batch = {"states": np.stack([it[0] for it in items]).astype(np.float32),
                 "emotion": np.stack([it[1][k] for k in (0, 1) for it in items]).astype(np.float32),
                 "target": np.stack([it[2][k] for k in (0, 1) for it in items]).astype(np.float32),
                 "phones": np.stack([it[4] for it in items])}
        if self.teacher is not None:
            taught = np.stack([it[3] for it in items]).astype(np.float32)  # (B, T, W_teacher)
            batch["target"] = self.teacher.blend(batch["target"], taught, batch["emotion"])
        return batch


def save_head(path: Path, net, step: int, cfg: TrainConfig, optimizer=None,
              critic=None, probe=None) -> None:
    """Write a self-describing checkpoint atomically (``critic``: the adversarial
    term's (discriminator, its optimizer), ``probe``: the phone read-out, both kept for
    resuming)."""
    import torch

    doc = {"kind": "whisper-head", "dims": dataclasses.asdict(net.dims),
           "state_dict": net.state_dict(), "step": step, "config": dataclasses.asdict(cfg)}
    if optimizer is not None:
        doc["optimizer"] = optimizer.state_dict()
    if critic is not None:
        doc["disc"], doc["disc_optimizer"] = (part.state_dict() for part in critic)
    if probe is not None:
        doc["phone_probe"] = probe.state_dict()
    tmp = path.with_name(path.name + ".part")
    torch.save(doc, tmp)
    os.replace(tmp, path)


def load_head(path: str | Path):
    """(WhisperHead in eval mode, the checkpoint document)."""
    import torch

    from talkrig.model.whisper_head import WhisperHead

    doc = torch.load(path, map_location="cpu", weights_only=False)
    net = WhisperHead(WhisperHeadDims.from_dict(doc["dims"]))
    net.load_state_dict(doc["state_dict"])
    net.eval()
    return net, doc


def train_step(net, optimizer, batch: dict, weights, cfg: TrainConfig,
               critic=None, probe=None) -> dict:
    """One optimiser step (with the adversarial term when ``critic``, a discriminator
    and its optimizer, is given; with the phone read-out's cross-entropy, weighted by
    ``cfg.phone_weight``, when ``probe`` is: a (read-out, HiddenTap) pair; with
    ``cfg.states_dropout``, on states with dropout); the loss terms as floats."""
    import torch

    from training import losses
    from training.phone_probe import phone_loss

    b = {k: torch.from_numpy(v) for k, v in batch.items()}
    states = b["states"]  # (B, T, W)
    if cfg.states_dropout > 0:
        states = torch.nn.functional.dropout(states, cfg.states_dropout)
    pred = net(torch.cat([states, states]), b["emotion"])  # (2B, T, 52)
    loss, terms = losses.objective(pred, b["target"], b["emotion"], weights, cfg, critic)
    if probe is not None:
        readout, tap = probe
        terms["phone"] = phone_loss(readout, tap.features,
                                    torch.cat([b["phones"], b["phones"]]))  # (2B, T) labels
        loss = loss + cfg.phone_weight * terms["phone"]
    descend(loss, optimizer)  # (the read-out's parameters are the optimizer's too)
    return {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}


def train(dims: WhisperHeadDims, cfg: TrainConfig, out: Path,
          encoder_path: Path | None = None) -> Path:
    """Train (resuming from ``out/last.pt``) on the states of the encoder at
    ``encoder_path`` (the shipped one by default); the path of the last checkpoint."""
    import torch

    from talkrig.model.whisper_head import WhisperHead
    from talkrig.whisper_encoder import WhisperEncoder, reads_states_of
    from training import losses
    from training.phone_probe import HiddenTap, make_probe
    from training.whisper_states import corpus_states, load_states

    encoder = WhisperEncoder(encoder_path, device="cpu")
    if not reads_states_of(dims, encoder):
        raise SystemExit(f"{encoder.path}: runs {encoder.layers} blocks of {encoder.model} "
                         f"({encoder.width} values a state); the config asks for encoder = "
                         f"{dims.encoder!r}, encoder_layers = {dims.encoder_layers}, features = "
                         f"{dims.features} (export one with training.export_whisper_encoder "
                         "--model/--layers and pass --encoder)")
    check_teacher(cfg, len(cfg.corpus))
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    folders = corpus_folders(cfg.corpus)
    clips = load_corpus(folders)

    def states_read_in(window_s: float) -> list[np.ndarray]:  # cached beside each corpus
        return [s for folder in folders
                for s in load_states(corpus_states(folder, encoder, window_s))]

    states = states_read_in(dims.window_s)
    second = states_read_in(cfg.second_window_s) if cfg.second_window_s else None
    teacher = head_teacher(cfg, folders) if cfg.teacher_weight > 0 else None
    batches = HeadBatches(clips, states, list(range(len(clips))), cfg, cfg.seed, second,
                          teacher)
    net = WhisperHead(dims)
    readout = make_probe(dims.channels) if cfg.phone_weight > 0 else None
    trained = list(net.parameters()) + (list(readout.parameters()) if readout else [])
    optimizer = torch.optim.AdamW(trained, lr=cfg.lr, weight_decay=cfg.weight_decay)
    critic = losses.make_critic(cfg.lr) if cfg.gan_weight > 0 else None
    probe = (readout, HiddenTap(net.out)) if readout is not None else None
    step = 0
    out.mkdir(parents=True, exist_ok=True)
    if (out / "last.pt").exists():
        doc = torch.load(out / "last.pt", map_location="cpu", weights_only=False)
        net.load_state_dict(doc["state_dict"])
        optimizer.load_state_dict(doc["optimizer"])
        if critic is not None:
            critic[0].load_state_dict(doc["disc"])
            critic[1].load_state_dict(doc["disc_optimizer"])
        if readout is not None:
            readout.load_state_dict(doc["phone_probe"])
        step = doc["step"]
        batches.reseed(cfg.seed, step)
        print(f"resumed at step {step}", file=sys.stderr)
    weights = losses.channel_weights(cfg.mouth_weight, "cpu")
    started = time.time()
    with (out / "log.jsonl").open("a", encoding="utf-8") as log:
        while step < cfg.steps and time.time() - started < cfg.max_minutes * 60:
            set_learning_rate(optimizer, step, cfg)
            adversary = critic if step >= cfg.gan_start else None
            terms = train_step(net, optimizer, batches.next(), weights, cfg, adversary, probe)
            step += 1
            if step % cfg.val_every == 0 or step == cfg.steps:
                log.write(json.dumps({"step": step, **terms}) + "\n")
                log.flush()
                print(json.dumps({"step": step, **terms}), file=sys.stderr)
                save_head(out / f"step_{step:06d}.pt", net, step, cfg)
                save_head(out / "last.pt", net, step, cfg, optimizer, critic, readout)
    save_head(out / "last.pt", net, step, cfg, optimizer, critic, readout)
    return out / "last.pt"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("config", type=Path, help="TOML config ([model] and [train])")
    parser.add_argument("--out", type=Path, default=Path("out/train_whisper_head"),
                        help="checkpoint folder (resumed when it holds last.pt)")
    parser.add_argument("--encoder", type=Path, default=None,
                        help="Whisper encoder ONNX file (default: the shipped one)")
    args = parser.parse_args(argv)
    dims, cfg = load_head_config(args.config)
    print(train(dims, cfg, args.out, args.encoder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
