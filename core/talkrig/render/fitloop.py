"""The renderer's training loop, checkpoints and evaluation (torch)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from talkrig.render import metrics as M
from talkrig.render.model import NeuralAvatar, ms_ssim_loss, neighbour_index
from talkrig.render.nets import PatchDiscriminator, RenderDims

log = logging.getLogger(__name__)

CHECKPOINT = "avatar.pt"


class Trainer:
    """Holds the cached track rasters, networks and optimisers of one avatar."""

    def __init__(self, out_dir: Path, data: dict, opts):
        from talkrig.render.train import audio_windows, rasterize_track
        self.out_dir, self.opts = out_dir, opts
        self.device = torch.device(opts.device)
        self.fps = float(data["fps"])
        frames = torch.from_numpy(data["frames"].astype(np.float32) / 255).permute(0, 3, 1, 2)
        self.frames = frames
        self.n = len(frames)
        uv, mask, mouth = rasterize_track(data["pose"], data["weights"], opts.size,
                                          opts.track.head_height_cm, data.get("identity"))
        self.uv, self.mask, self.mouth = uv, mask, mouth
        self.windows = torch.from_numpy(audio_windows(out_dir, self.n, self.fps, opts.dims))
        idx = np.arange(self.n)
        self.held = idx[idx % opts.holdout_every == opts.holdout_every // 2]
        self.train_idx = np.setdiff1d(idx, self.held)
        self.model = NeuralAvatar(opts.dims).to(self.device)
        self.disc = PatchDiscriminator().to(self.device)
        self.opt_g = self._generator_optimiser()
        self.opt_d = torch.optim.Adam(self.disc.parameters(), lr=opts.lr_disc, betas=(0.5, 0.999))
        self.step, self.history = 0, []
        self._resume()

    def _generator_optimiser(self):
        """Adam with the SIREN texture at its own (lower) learning rate."""
        texture = list(self.model.texture.parameters())
        ids = {id(p) for p in texture}
        rest = [p for p in self.model.parameters() if id(p) not in ids]
        return torch.optim.Adam([{"params": texture, "lr": self.opts.lr_texture},
                                 {"params": rest, "lr": self.opts.lr}], betas=(0.5, 0.999))

    def batch(self, index):
        """Tensors for frames ``index``: uv, mask, windows (with neighbours) and frames."""
        rows = [neighbour_index(int(t), self.n, self.opts.dims.neighbours) for t in index]
        rows = torch.tensor(rows)
        d = self.device
        return (self.uv[rows].to(d), self.mask[rows].to(d), self.windows[rows].to(d),
                self.frames[torch.as_tensor(index)].to(d))

    def run(self, progress=None) -> None:
        rng = np.random.default_rng(self.opts.seed + self.step)
        while self.step < self.opts.steps:
            index = rng.choice(self.train_idx, min(self.opts.batch, len(self.train_idx)),
                               replace=False)
            self.history.append(self._train_step(*self.batch(index)))
            self.step += 1
            if self.step % self.opts.checkpoint_every == 0 or self.step == self.opts.steps:
                self.save()
            if progress:
                progress("train", self.step / self.opts.steps)

    def _train_step(self, uv, mask, windows, frames) -> float:
        out, _ = self.model(uv, mask, windows, frames, self.opts.dilate_px)
        l1 = (out - frames).abs().mean()
        loss = l1 + self.opts.ssim_weight * ms_ssim_loss(out, frames)
        if self.opts.gan_weight > 0:
            loss = loss + self.opts.gan_weight * ((self.disc(out) - 1) ** 2).mean()
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        if self.opts.gan_weight > 0:
            d_loss = ((self.disc(frames) - 1) ** 2).mean() + (self.disc(out.detach()) ** 2).mean()
            self.opt_d.zero_grad()
            (0.5 * d_loss).backward()
            self.opt_d.step()
        return float(l1.detach())

    @torch.no_grad()
    def reconstruct(self, index) -> np.ndarray:
        """Composited reconstructions of frames ``index`` -> (N, S, S, 3) float in [0, 1]."""
        self.model.eval()
        outs = [self.model(*self.batch([t]), self.opts.dilate_px)[0] for t in index]
        self.model.train()
        return torch.cat(outs).permute(0, 2, 3, 1).cpu().numpy()

    def evaluate(self) -> dict:
        """PSNR / SSIM / mouth L1 on held-out and (a sample of) training frames."""
        result = {"frames": self.n, "held_out": len(self.held), "steps": self.step,
                  "l1_first_10": float(np.mean(self.history[:10])) if self.history else None,
                  "l1_last_10": float(np.mean(self.history[-10:])) if self.history else None}
        every_frame = self.reconstruct(np.arange(self.n))  # once, for all the figures below
        for name, index in (("held_out", self.held), ("train", self.train_idx[:: 5])):
            rec = every_frame[index]
            ref = self.frames[torch.as_tensor(index)].permute(0, 2, 3, 1).numpy()
            mouth = self.mouth[torch.as_tensor(index)].numpy() > 0
            face = self.mask[torch.as_tensor(index)].numpy() > 0
            result[f"{name}_face_psnr"] = float(np.mean(
                [M.psnr(a[m], b[m]) for a, b, m in zip(rec, ref, face)]))
            result[f"{name}_psnr"] = float(np.mean([M.psnr(a, b) for a, b in zip(rec, ref)]))
            result[f"{name}_ssim"] = float(np.mean([M.ssim(a, b) for a, b in zip(rec, ref)]))
            result[f"{name}_mouth_l1"] = float(np.nanmean(
                [M.region_l1(a, b, m) for a, b, m in zip(rec, ref, mouth)]))
        result["mouth_motion_ratio"] = self.mouth_motion_ratio(every_frame)
        return result

    def mouth_motion_ratio(self, rec: np.ndarray) -> float:
        """Mouth-region motion of the reconstruction ``rec`` (every frame, (T, S, S, 3)) over
        that of the footage (region = union of the tracked mouth masks): 1 = the lips move
        as much as the real ones, 0 = a frozen mouth."""
        region = self.mouth.numpy().max(0) > 0
        ref = self.frames.permute(0, 2, 3, 1).numpy()
        return M.region_motion(rec, region) / max(M.region_motion(ref, region), 1e-6)

    def save(self) -> None:
        from talkrig.atomic import atomic_open
        from talkrig.render.train import options_dict
        state = {"dims": asdict(self.opts.dims), "options": options_dict(self.opts),
                 "model": self.model.state_dict(), "disc": self.disc.state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "step": self.step, "history": self.history, "format": "talkrig-avatar-1"}
        with atomic_open(self.out_dir / CHECKPOINT, "wb", force=True) as fh:
            torch.save(state, fh)

    def _resume(self) -> None:
        path = self.out_dir / CHECKPOINT
        if not path.is_file():
            return
        state = torch.load(path, map_location=self.device, weights_only=False)
        if state["dims"] != asdict(self.opts.dims):
            return  # different network sizes: start over
        self.model.load_state_dict(state["model"])
        self.disc.load_state_dict(state["disc"])
        try:
            self.opt_g.load_state_dict(state["opt_g"])
        except ValueError:  # saved before the texture had its own learning rate
            log.warning("%s: optimiser state of an older TalkRig; weights kept, "
                        "optimiser restarted", path)
        self.opt_d.load_state_dict(state["opt_d"])
        self.step, self.history = state["step"], list(state["history"])


def load_model(out_dir: Path, device: str = "cpu") -> tuple[NeuralAvatar, dict]:
    """Rebuild the renderer from ``avatar.pt`` -> (model, saved options dict)."""
    state = torch.load(Path(out_dir) / CHECKPOINT, map_location=device, weights_only=False)
    model = NeuralAvatar(RenderDims(**state["dims"])).to(device)
    model.load_state_dict(state["model"])
    return model.eval(), state["options"]


