"""Self-describing checkpoints: weights + dims + training config + progress."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import torch

from talkrig.model.dims import MODEL_VERSION, ModelDims
from talkrig.model.network import TalkRigNet


def save_checkpoint(path: str | os.PathLike, net: TalkRigNet, *, step: int = 0,
                    optimizer: torch.optim.Optimizer | None = None,
                    extra: dict | None = None) -> None:
    """Write ``path`` atomically (temp file + rename)."""
    doc = {"version": MODEL_VERSION, "dims": dataclasses.asdict(net.dims),
           "state_dict": net.state_dict(), "step": step, "extra": extra or {}}
    if optimizer is not None:
        doc["optimizer"] = optimizer.state_dict()
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    torch.save(doc, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: str | os.PathLike) -> tuple[TalkRigNet, dict]:
    """Rebuild the network from ``path``; returns (net in eval mode, the whole document)."""
    doc = torch.load(path, map_location="cpu", weights_only=False)
    net = TalkRigNet(ModelDims.from_dict(doc["dims"]))
    net.load_state_dict(doc["state_dict"])
    net.eval()
    return net, doc
