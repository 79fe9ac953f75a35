"""Training losses: L1 + velocity (READ Avatars), emotion consistency (EVP's
content/emotion split), and a conditional LSGAN discriminator (READ, lambda 0.02).

Curves are (B, T, 52) in canonical ARKit-52 order.
"""

from __future__ import annotations

import torch
from torch import nn

from talkrig.rigs import ARKIT_INDEX

JAW, CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
LIPS = [ARKIT_INDEX[n] for n in ("mouthLowerDownLeft", "mouthLowerDownRight",
                                 "mouthUpperUpLeft", "mouthUpperUpRight")]
ROUND = [ARKIT_INDEX[n] for n in ("mouthFunnel", "mouthPucker")]
MOUTH = [JAW, CLOSE, *LIPS, *ROUND, ARKIT_INDEX["mouthPressLeft"],
         ARKIT_INDEX["mouthPressRight"], ARKIT_INDEX["mouthRollLower"],
         ARKIT_INDEX["mouthRollUpper"]]
CLOSED_BELOW = 0.05  # teacher aperture under this = lips closed


def aperture(curves: torch.Tensor) -> torch.Tensor:
    """Lip aperture A(t) of the evaluation, (B, T, 52) -> (B, T)."""
    jaw = (curves[..., JAW] - curves[..., CLOSE]).clamp(0.0, 1.0)
    lower = curves[..., LIPS[:2]].mean(-1)
    upper = curves[..., LIPS[2:]].mean(-1)
    return jaw + 0.3 * lower + 0.3 * upper


def channel_weights(mouth_weight: float, device) -> torch.Tensor:
    w = torch.ones(52, device=device)
    w[MOUTH] = mouth_weight
    return w / w.mean()


def reconstruction(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor,
                   vel_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(weighted L1, weighted L1 of frame differences)."""
    l1 = ((pred - target).abs() * weights).mean()
    vel = (((pred[:, 1:] - pred[:, :-1]) - (target[:, 1:] - target[:, :-1])).abs()
           * weights).mean()
    return l1, vel_weight * vel


def closure(pred: torch.Tensor, target: torch.Tensor,
            closed_extra: float = 2.0) -> torch.Tensor:
    """L1 of lip aperture over all frames, frames where the teacher's lips are closed
    (bilabials, rest) counting ``1 + closed_extra`` times: plain per-channel regression
    under-shoots these short, sharp closures. Unbiased: it pulls towards the teacher's
    aperture, not towards closed."""
    target_a = aperture(target)
    weight = 1.0 + closed_extra * (target_a < CLOSED_BELOW).float()
    return ((aperture(pred) - target_a).abs() * weight).sum() / weight.sum()


def emotion_consistency(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Same audio, two emotions (rows 0..B-1 and B..2B-1): where the teacher closes
    the lips under both, the predicted apertures must agree (and be closed)."""
    half = pred.shape[0] // 2
    a1, a2 = aperture(pred[:half]), aperture(pred[half:])
    t1, t2 = aperture(target[:half]), aperture(target[half:])
    closed = ((t1 < CLOSED_BELOW) & (t2 < CLOSED_BELOW)).float()
    return ((a1 - a2).abs() * closed).sum() / closed.sum().clamp(min=1.0)


class Discriminator(nn.Module):
    """Conditional sequence critic: curves (B, T, 52) + emotion (B, T, 7) -> (B, T') scores."""

    def __init__(self, channels: int = 64):
        super().__init__()
        layers, width = [], 52 + 7
        for dilation in (1, 2, 4, 8):
            layers += [nn.Conv1d(width, channels, 3, dilation=dilation, padding=dilation),
                       nn.LeakyReLU(0.2)]
            width = channels
        layers.append(nn.Conv1d(channels, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, curves: torch.Tensor, emotion: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([curves, emotion], -1).transpose(1, 2))[:, 0]


CRITIC_LR_SCALE = 0.5  # the critic learns at half the generator's peak rate


def make_critic(lr: float, device: str = "cpu") -> tuple[Discriminator, torch.optim.Optimizer]:
    """A fresh :class:`Discriminator` on ``device`` and its AdamW optimizer, for a
    generator trained at peak learning rate ``lr``."""
    disc = Discriminator().to(device)
    return disc, torch.optim.AdamW(disc.parameters(), lr=lr * CRITIC_LR_SCALE)


def lsgan_d(disc: Discriminator, real, fake, emotion) -> torch.Tensor:
    """Least-squares critic loss: real -> 1, fake -> 0."""
    return ((disc(real, emotion) - 1) ** 2).mean() + (disc(fake.detach(), emotion) ** 2).mean()


def lsgan_g(disc: Discriminator, fake, emotion) -> torch.Tensor:
    """Least-squares generator loss: make the critic say 1."""
    return ((disc(fake, emotion) - 1) ** 2).mean()


def adversarial(disc: Discriminator, opt_d, real, fake, emotion) -> torch.Tensor:
    """One critic step on ``real`` and (detached) ``fake`` curves, then the generator's
    least-squares loss on ``fake`` (unweighted)."""
    opt_d.zero_grad()
    lsgan_d(disc, real, fake, emotion).backward()
    opt_d.step()
    return lsgan_g(disc, fake, emotion)


def objective(pred, target, emotion, weights, cfg, critic=None) -> tuple[torch.Tensor, dict]:
    """The training loss of both trainers and its terms: weighted L1 + velocity, emotion
    consistency and lip closure, plus the adversarial term when ``critic`` (a
    discriminator and its optimizer, stepped here) is given. ``cfg``: a
    :class:`training.config.TrainConfig`. Returns (loss, {term: tensor})."""
    l1, vel = reconstruction(pred, target, weights, cfg.vel_weight)
    terms = {"l1": l1, "vel": vel,
             "emo": cfg.emo_weight * emotion_consistency(pred, target),
             "closure": cfg.closure_weight * closure(pred, target)}
    loss = terms["l1"] + terms["vel"] + terms["emo"] + terms["closure"]
    terms["gan"] = torch.zeros(())
    if critic is not None:
        terms["gan"] = cfg.gan_weight * adversarial(*critic, target, pred, emotion)
        loss = loss + terms["gan"]
    return loss, terms
