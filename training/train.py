"""Train the neural engine on the corpus with the phonetic engine as teacher.

Usage::

    python -m training.train training/configs/small.toml --out out/train_small
    python -m training.train training/configs/small.toml --out out/train_small  # resumes

Checkpoints (``last.pt``, ``best.pt`` by validation L1) hold the weights, the model
dims, the config, the optimizer state and the step, so a run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from training.config import TrainConfig, load_config
from training.dataset import Batches, load_corpus, split

VAL_BATCHES = 6  # fixed validation batches


def _lr(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * progress))


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


def train(config_path: Path, out: Path, device: str = "cpu", steps: int | None = None,
          corpus: list[Path] | None = None, max_minutes: float | None = None,
          keep_every: int = 0, speech_encoder_dir: str | None = None) -> dict:
    """Run (or resume) training; returns the last validation metrics."""
    import torch

    from talkrig.model.checkpoint import load_checkpoint, save_checkpoint
    from training import losses

    dims, cfg = load_config(config_path)
    if steps is not None:
        cfg = dataclasses.replace(cfg, steps=steps)
    if max_minutes is not None:
        cfg = dataclasses.replace(cfg, max_minutes=max_minutes)
    if corpus:
        cfg = dataclasses.replace(cfg, corpus=tuple(str(c) for c in corpus))
    if speech_encoder_dir:
        cfg = dataclasses.replace(cfg, speech_encoder_dir=str(speech_encoder_dir))
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    out.mkdir(parents=True, exist_ok=True)
    folders = [Path(c) for c in cfg.corpus if (Path(c) / "manifest.json").exists()]
    if not folders:
        raise SystemExit(f"no corpus found in {cfg.corpus}: run python -m training.build_corpus")
    clips = load_corpus(folders)
    train_idx, val_idx = split(clips, cfg.val_fraction, cfg.seed)
    val_source = Batches(clips, val_idx, cfg.batch_size, cfg.crop_blocks, cfg.seed + 1,
                         cfg.use_loudness, gain_db=0.0)
    val_batches = [val_source.next() for _ in range(VAL_BATCHES)]

    net = build_net(dims, cfg, resuming=(out / "last.pt").exists()).to(device)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    disc = losses.Discriminator().to(device) if cfg.gan_weight > 0 else None
    opt_d = torch.optim.AdamW(disc.parameters(), lr=cfg.lr * 0.5) if disc else None
    step, best = 0, float("inf")
    if (out / "last.pt").exists():
        _, doc = load_checkpoint(out / "last.pt")
        net.load_state_dict(doc["state_dict"])
        opt.load_state_dict(doc["optimizer"])
        step, best = doc["step"], doc["extra"].get("best", best)
        if disc is not None and "disc" in doc["extra"]:
            disc.load_state_dict(doc["extra"]["disc"])
        print(f"resumed at step {step}", file=sys.stderr)
    source = Batches(clips, train_idx, cfg.batch_size, cfg.crop_blocks, cfg.seed + 100 + step,
                     cfg.use_loudness, folder_weights=cfg.corpus_weights,
                     noise_prob=cfg.noise_prob)
    weights = losses.channel_weights(cfg.mouth_weight, device)
    started, metrics = time.time(), {}
    log = (out / "log.jsonl").open("a")

    def checkpoint(name: str) -> None:
        extra = {"config": dataclasses.asdict(cfg), "best": best, "metrics": metrics,
                 "corpus_clips": len(clips)}
        if disc is not None:
            extra["disc"] = disc.state_dict()
        save_checkpoint(out / name, net, step=step, optimizer=opt, extra=extra)

    net.train()
    while step < cfg.steps and (time.time() - started) < cfg.max_minutes * 60:
        for group in opt.param_groups:
            group["lr"] = _lr(step, cfg)
        b = _tensors(source.next(), device)
        pred = _forward(net, b)
        l1, vel = losses.reconstruction(pred, b["target"], weights, cfg.vel_weight)
        emo = cfg.emo_weight * losses.emotion_consistency(pred, b["target"])
        shut = cfg.closure_weight * losses.closure(pred, b["target"])
        loss = l1 + vel + emo + shut
        gan = torch.zeros(())
        if disc is not None and step >= cfg.gan_start:
            opt_d.zero_grad()
            losses.lsgan_d(disc, b["target"], pred, b["emotion"]).backward()
            opt_d.step()
            gan = cfg.gan_weight * losses.lsgan_g(disc, pred, b["emotion"])
            loss = loss + gan
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 25 == 0:
            row = {"step": step, "loss": loss.item(), "l1": l1.item(), "vel": vel.item(),
                   "emo": emo.item(), "closure": shut.item(), "gan": gan.item(), "lr": _lr(step, cfg),
                   "minutes": round((time.time() - started) / 60, 2)}
            log.write(json.dumps(row) + "\n")
            log.flush()
        if step % cfg.val_every == 0 or step == cfg.steps:
            metrics = validate(net, val_batches, device) | {"step": step}
            print(json.dumps(metrics), file=sys.stderr)
            log.write(json.dumps(metrics) + "\n")
            if metrics["val_l1"] < best:
                best = metrics["val_l1"]
                checkpoint("best.pt")
            checkpoint("last.pt")
            if keep_every and step % keep_every == 0:
                checkpoint(f"step_{step:06d}.pt")  # candidates for select_checkpoint
    metrics = validate(net, val_batches, device) | {"step": step}
    log.write(json.dumps(metrics) + "\n")
    checkpoint("last.pt")
    if metrics["val_l1"] < best:
        best = metrics["val_l1"]
        checkpoint("best.pt")
    log.close()
    return metrics


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
