"""Train the neural engine on the corpus with the phonetic engine as teacher.

With ``teacher_head`` in the config, a trained neural-whisper head teaches the clips of
the folders in ``teacher_folders`` instead (``teacher_weight`` of its curves, the rest
the phonetic engine's; :mod:`training.head_teacher`).

Usage::

    python -m training.train training/configs/small.toml --out out/train_small
    python -m training.train training/configs/small.toml --out out/train_small  # resumes

Checkpoints (``last.pt``, ``best.pt`` by validation L1) hold the weights, the model
dims, the config, the optimizer state and the step, so a run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from training.config import TrainConfig, load_config
from training.dataset import Batches, corpus_folders, load_corpus, split
from training.head_teacher import check_teacher, head_teacher
from training.optim import descend, learning_rate, set_learning_rate

VAL_BATCHES = 6  # fixed validation batches


def _tensors(batch: dict, device):
    import torch

    return {k: torch.from_numpy(v).to(device) for k, v in batch.items()}


def _forward(net, batch):
    import torch

    audio = torch.cat([batch["audio"], batch["audio"]])  # each clip, two emotions
    return net(audio, batch["emotion"])


def validate(net, val_batches: list[dict], device) -> dict:
    """Mean L1 and closure agreement on the fixed validation batches."""
    import torch

    from training.losses import aperture, emotion_consistency

    net.eval()
    l1, emo, ap = [], [], []
    with torch.no_grad():
        for batch in val_batches:
            b = _tensors(batch, device)
            pred = _forward(net, b).clamp(0, 1)
            l1.append(float((pred - b["target"]).abs().mean()))
            emo.append(float(emotion_consistency(pred, b["target"])))
            ap.append(float((aperture(pred) - aperture(b["target"])).abs().mean()))
    net.train()
    return {"val_l1": float(np.mean(l1)), "val_aperture_l1": float(np.mean(ap)),
            "val_consistency": float(np.mean(emo))}


def build_net(dims, cfg: TrainConfig, resuming: bool):
    """The network to train: with the pretrained speech encoder of
    ``cfg.speech_encoder_dir`` (its weights loaded unless resuming) when one is named."""
    from talkrig.model.network import TalkRigNet

    if not cfg.speech_encoder_dir:
        return TalkRigNet(dims)
    from talkrig.model.pretrained import load_pretrained_weights, with_pretrained_encoder

    net = TalkRigNet(with_pretrained_encoder(dims, cfg.speech_encoder_dir))
    if not resuming:
        load_pretrained_weights(net.audio, cfg.speech_encoder_dir)
    if cfg.freeze_speech_encoder:
        net.audio.freeze()
    return net


def with_overrides(cfg: TrainConfig, steps: int | None = None,
                   max_minutes: float | None = None, corpus: list[Path] | None = None,
                   speech_encoder_dir: str | None = None) -> TrainConfig:
    """``cfg`` with the command line's overrides (None or empty: the file's value)."""
    given = {"steps": steps, "max_minutes": max_minutes}
    given = {key: value for key, value in given.items() if value is not None}
    if corpus:
        given["corpus"] = tuple(str(c) for c in corpus)
    if speech_encoder_dir:
        given["speech_encoder_dir"] = str(speech_encoder_dir)
    return dataclasses.replace(cfg, **given)


class _Run:
    """One training run's state: network, optimisers, step, best validation L1, and the
    checkpoints and log in ``out``."""

    def __init__(self, dims, cfg: TrainConfig, out: Path, device: str, n_clips: int):
        import torch

        from training import losses

        self.cfg, self.out, self.device, self.n_clips = cfg, out, device, n_clips
        self.net = build_net(dims, cfg, resuming=(out / "last.pt").exists()).to(device)
        self.opt = torch.optim.AdamW(self.net.parameters(), lr=cfg.lr,
                                     weight_decay=cfg.weight_decay)
        self.disc, self.opt_d = (losses.make_critic(cfg.lr, device) if cfg.gan_weight > 0
                                 else (None, None))
        self.weights = losses.channel_weights(cfg.mouth_weight, device)
        self.step, self.best, self.metrics = 0, float("inf"), {}

    def resume(self) -> None:
        """Continue from ``last.pt`` when the folder has one."""
        from talkrig.model.checkpoint import load_checkpoint

        if not (self.out / "last.pt").exists():
            return
        _, doc = load_checkpoint(self.out / "last.pt")
        self.net.load_state_dict(doc["state_dict"])
        self.opt.load_state_dict(doc["optimizer"])
        self.step, self.best = doc["step"], doc["extra"].get("best", self.best)
        if self.disc is not None and "disc" in doc["extra"]:
            self.disc.load_state_dict(doc["extra"]["disc"])
        print(f"resumed at step {self.step}", file=sys.stderr)

    def train_step(self, batch: dict) -> dict:
        """One optimiser step on ``batch``; the loss terms, as floats."""
        from training import losses

        cfg = self.cfg
        set_learning_rate(self.opt, self.step, cfg)
        b = _tensors(batch, self.device)
        with self.front_end(len(batch["audio"])):
            pred = _forward(self.net, b)
        adversarial = self.disc is not None and self.step >= cfg.gan_start
        critic = (self.disc, self.opt_d) if adversarial else None
        loss, terms = losses.objective(pred, b["target"], b["emotion"], self.weights, cfg,
                                       critic)
        descend(loss, self.opt)
        self.step += 1
        return {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}

    def front_end(self, clips: int):
        """The log-mel front end this step reads through: warped per clip when the config
        asks for VTLP (the same factor for a clip's two emotion rows), else as it is."""
        if not self.cfg.vtlp:
            return contextlib.nullcontext()
        from training.vtlp import random_alphas, warped_front_end

        rng = np.random.default_rng((self.cfg.seed, self.step))  # reproducible on resume
        alphas = random_alphas(rng, clips, *self.cfg.vtlp)
        return warped_front_end(self.net, np.concatenate([alphas, alphas]))

    def evaluate(self, val_batches: list[dict], log) -> None:
        """Validate, log, and checkpoint ``last.pt`` (and ``best.pt`` when L1 improved)."""
        self.metrics = validate(self.net, val_batches, self.device) | {"step": self.step}
        print(json.dumps(self.metrics), file=sys.stderr)
        log.write(json.dumps(self.metrics) + "\n")
        log.flush()
        if self.metrics["val_l1"] < self.best:
            self.best = self.metrics["val_l1"]
            self.checkpoint("best.pt")
        self.checkpoint("last.pt")

    def checkpoint(self, name: str) -> None:
        from talkrig.model.checkpoint import save_checkpoint

        extra = {"config": dataclasses.asdict(self.cfg), "best": self.best,
                 "metrics": self.metrics, "corpus_clips": self.n_clips}
        if self.disc is not None:
            extra["disc"] = self.disc.state_dict()
        save_checkpoint(self.out / name, self.net, step=self.step, optimizer=self.opt,
                        extra=extra)


LOG_EVERY = 25  # steps between loss rows in log.jsonl


def train(config_path: Path, out: Path, device: str = "cpu", steps: int | None = None,
          corpus: list[Path] | None = None, max_minutes: float | None = None,
          keep_every: int = 0, speech_encoder_dir: str | None = None) -> dict:
    """Run (or resume) training; returns the last validation metrics."""
    import torch

    dims, cfg = load_config(config_path)
    cfg = with_overrides(cfg, steps=steps, max_minutes=max_minutes, corpus=corpus,
                         speech_encoder_dir=speech_encoder_dir)
    folders = corpus_folders(cfg.corpus)
    check_teacher(cfg, len(folders))
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    out.mkdir(parents=True, exist_ok=True)
    clips = load_corpus(folders)
    teacher = head_teacher(cfg, folders) if cfg.teacher_weight > 0 else None
    train_idx, val_idx = split(clips, cfg.val_fraction, cfg.seed)
    val_source = Batches(clips, val_idx, cfg.batch_size, cfg.crop_blocks, cfg.seed + 1,
                         cfg.use_loudness, gain_db=0.0, teacher=teacher)
    val_batches = [val_source.next() for _ in range(VAL_BATCHES)]

    run = _Run(dims, cfg, out, device, len(clips))
    run.resume()
    source = Batches(clips, train_idx, cfg.batch_size, cfg.crop_blocks,
                     cfg.seed + 100 + run.step, cfg.use_loudness,
                     folder_weights=cfg.corpus_weights, noise_prob=cfg.noise_prob,
                     teacher=teacher)
    started = time.time()
    run.net.train()
    with (out / "log.jsonl").open("a") as log:
        while run.step < cfg.steps and (time.time() - started) < cfg.max_minutes * 60:
            terms = run.train_step(source.next())
            if run.step % LOG_EVERY == 0:
                row = {"step": run.step, **terms, "lr": learning_rate(run.step, cfg),
                       "minutes": round((time.time() - started) / 60, 2)}
                log.write(json.dumps(row) + "\n")
                log.flush()
            if run.step % cfg.val_every == 0 or run.step == cfg.steps:
                run.evaluate(val_batches, log)
                if keep_every and run.step % keep_every == 0:
                    run.checkpoint(f"step_{run.step:06d}.pt")  # for select_checkpoint
        if run.metrics.get("step") != run.step:  # stopped between validations
            run.evaluate(val_batches, log)
    return run.metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("config", type=Path, help="TOML config (training/configs/*.toml)")
    parser.add_argument("--out", type=Path, default=Path("out/train"),
                        help="folder for checkpoints and log.jsonl (resumes from last.pt)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu or cuda")
    parser.add_argument("--steps", type=int, default=None, help="override the config's steps")
    parser.add_argument("--corpus", type=Path, nargs="*", default=None,
                        help="override the config's corpus folders")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="override the config's wall-time budget for this run")
    parser.add_argument("--keep-every", type=int, default=0,
                        help="also keep step_NNNNNN.pt every this many steps (0 = no)")
    parser.add_argument("--speech-encoder", metavar="DIR", default=None,
                        help="local transformers wav2vec2/HuBERT directory to use instead of "
                             "the log-mel front end (nothing is downloaded)")
    args = parser.parse_args(argv)
    print(json.dumps(train(args.config, args.out, args.device, args.steps, args.corpus,
                           args.max_minutes, args.keep_every, args.speech_encoder)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
