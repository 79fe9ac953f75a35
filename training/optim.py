"""The optimiser side shared by both trainers: the learning-rate schedule and one
gradient step."""

from __future__ import annotations

import math

from training.config import TrainConfig

GRAD_CLIP_NORM = 1.0  # global L2 norm the gradients are clipped to before each step


def learning_rate(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up over ``cfg.warmup`` steps, then cosine decay to ``cfg.lr_min``."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * progress))


def set_learning_rate(optimizer, step: int, cfg: TrainConfig) -> None:
    """Give every parameter group of ``optimizer`` the schedule's rate at ``step``."""
    for group in optimizer.param_groups:
        group["lr"] = learning_rate(step, cfg)


def descend(loss, optimizer) -> None:
    """Back-propagate ``loss``, clip the gradients of the parameters ``optimizer``
    trains to :data:`GRAD_CLIP_NORM` and take one step of it."""
    import torch

    optimizer.zero_grad()
    loss.backward()
    trained = [p for group in optimizer.param_groups for p in group["params"]]
    torch.nn.utils.clip_grad_norm_(trained, GRAD_CLIP_NORM)
    optimizer.step()
