"""Frame strip PNG of a trained avatar: reference | tracked mesh | reconstruction.

Rows: the reference frame, the tracked head's UV raster (red = u, green = v)
blended over it, and the network's reconstruction, for held-out frames (the
frames the trainer left out: index % holdout_every == holdout_every // 2).

    python training/avatar_strip.py AVATAR_DIR -o docs/render_strip.png [--count 5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def strip(avatar_dir: Path, count: int) -> np.ndarray:
    import torch
    from talkrig.render.infer import reconstruct_footage
    from talkrig.render.train import rasterize_track
    torch.set_num_threads(1)
    rec, data, saved = reconstruct_footage(avatar_dir)
    frames = data["frames"]
    every = saved["holdout_every"]
    held = np.arange(len(frames))[np.arange(len(frames)) % every == every // 2]
    pick = held[np.linspace(0, len(held) - 1, min(count, len(held))).round().astype(int)]
    uv, mask, _ = rasterize_track(data["pose"][pick], data["weights"][pick], saved["size"],
                                  saved["track"]["head_height_cm"], data.get("identity"))
    uv_rgb = torch.cat([uv, torch.zeros_like(uv[:, :1])], 1).permute(0, 2, 3, 1).numpy()
    m = mask.numpy()[..., None] * 0.6
    overlay = ((1 - m) * frames[pick] / 255 + m * uv_rgb) * 255
    rows = [frames[pick], overlay.astype(np.uint8), rec[pick]]
    return np.concatenate([np.concatenate(list(r), axis=1) for r in rows], axis=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("avatar", type=Path, help="trained avatar folder")
    ap.add_argument("-o", "--output", type=Path, required=True, help="PNG to write")
    ap.add_argument("--count", type=int, default=5, help="held-out frames shown")
    args = ap.parse_args()
    from PIL import Image
    Image.fromarray(strip(args.avatar, args.count)).save(args.output)
    metrics = args.avatar / "metrics.json"
    if metrics.is_file():
        print(json.dumps(json.loads(metrics.read_text()), indent=1))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
