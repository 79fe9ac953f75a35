"""Build ``rigs/ict_mediapipe_landmarks.json``: MediaPipe face-mesh points -> ICT head vertices.

The correspondence is measured, not hand-picked: the ICT head is rendered (our torch
rasterizer, Lambert shading, skin / lip / sclera / iris colours) in a few poses with
the mouth open (so the inner-lip points fall on the upper or the lower lip, not on
the seam between them), the shipped landmark network reads each render, and every
detected point is snapped to the visible skin vertex whose projection is nearest
(inner-lip and eyelid points lie on the edge of the skin, so a plain back-projection
would land on the teeth or the eyeball). A point is kept when its vertices agree
across renders within ``MAX_SPREAD_CM`` (rest-pose distance to their mean) and it is
not on the face oval (those points follow the silhouette, not a fixed place on the
skin). Its vertex is the rest vertex nearest that mean.

Usage: ``python training/build_landmark_map.py -o rigs/ict_mediapipe_landmarks.json``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

# MediaPipe face-mesh index groups (FACEMESH_* connection sets of MediaPipe's face_mesh
# solution, as index sets)
FACE_OVAL = {10, 21, 54, 58, 67, 93, 103, 109, 127, 132, 136, 148, 149, 150, 152, 162, 172,
             176, 234, 251, 284, 288, 297, 323, 332, 338, 356, 361, 365, 377, 378, 379, 389,
             397, 400, 454}
LIPS = {0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181,
        185, 191, 267, 269, 270, 291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375, 402,
        405, 409, 415}
EYES = {249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466,
        7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246}
BROWS = {276, 282, 283, 285, 293, 295, 296, 300, 334, 336, 46, 52, 53, 55, 63, 65, 66, 70,
         105, 107}
NOSE = {1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 168, 195, 197, 220, 275, 278, 294,
        326, 327, 344, 440}
GROUPS = ("lips", "eyes", "brows", "nose", "other")

SIZE = 192  # the network's input size
HEAD_HEIGHT_CM = 34.0
LOG_SCALE, OFFSET_Y = 0.45, 0.05  # frames the face like a detector crop
POSES = ((0.0, 0.0, 0.0), (0.0, 0.15, 0.0), (0.0, -0.15, 0.0), (0.1, 0.0, 0.0),
         (-0.1, 0.0, 0.0))  # axis-angle rx, ry, rz (radians): frontal, +-8.6 deg yaw, +-5.7 pitch
OPEN_MOUTH = {"jawOpen": 0.5}
MAX_SPREAD_CM = 0.8  # snapped vertices of one point must agree this well across renders
MATERIAL_RGB = {"skin": (0.85, 0.64, 0.54), "mouth": (0.35, 0.08, 0.08),
                "teeth": (0.92, 0.92, 0.88), "sclera": (0.95, 0.95, 0.95),
                "iris": (0.2, 0.14, 0.1)}
LIP_RGB = (0.72, 0.38, 0.38)
LIGHT = (0.2, 0.3, 1.0)


def group_of(point: int) -> str:
    for name, members in (("lips", LIPS), ("eyes", EYES), ("brows", BROWS), ("nose", NOSE)):
        if point in members:
            return name
    return "other"


def shaded_render(head, weights: np.ndarray, rotation: tuple):
    """Image (S, S, 3) float in [0, 1], the Raster and the projected vertices (V, 2)."""
    import torch
    from talkrig.render.camera import project
    from talkrig.render.raster import rasterize

    verts = head.deform(weights)
    pose = torch.tensor([*rotation, LOG_SCALE, 0.0, OFFSET_Y], dtype=torch.float32)
    xy, depth = project(torch.from_numpy(verts), pose, SIZE, HEAD_HEIGHT_CM)
    r = rasterize(xy, depth, torch.from_numpy(head.faces), SIZE, SIZE)
    shade = _lambert(verts, head.faces)
    colour = np.array([MATERIAL_RGB[head.material_names[m]] for m in head.face_materials])
    lips = head.mouth_faces() & (head.face_materials == head.material_names.index("skin"))
    colour[lips] = LIP_RGB
    corner = torch.from_numpy((shade[head.faces][..., None] * colour[:, None]).astype(np.float32))
    img = r.interpolate(corner).permute(1, 2, 0).numpy()
    img += (1.0 - r.mask().numpy())[..., None] * 0.3
    return np.clip(img, 0, 1), r, xy.numpy()


def _lambert(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    normal = np.cross(verts[faces[:, 1]] - verts[faces[:, 0]], verts[faces[:, 2]] - verts[faces[:, 0]])
    vn = np.zeros_like(verts)
    for k in range(3):
        np.add.at(vn, faces[:, k], normal)
    vn /= np.linalg.norm(vn, axis=1, keepdims=True) + 1e-9
    light = np.asarray(LIGHT) / np.linalg.norm(LIGHT)
    return np.clip(vn @ light, 0, 1) * 0.8 + 0.2


def snap_to_skin(raster, xy: np.ndarray, head, points_px: np.ndarray) -> np.ndarray:
    """Index of the visible skin vertex projected nearest each point, (K,) int64."""
    skin = head.material_names.index("skin")
    faces = np.unique(raster.faces.numpy())
    faces = faces[head.face_materials[faces] == skin]
    visible = np.unique(head.faces[faces])
    dist = np.linalg.norm(xy[visible][None] - points_px[:, None], axis=-1)  # (K, Vv)
    return visible[dist.argmin(1)]


def build(head) -> dict:
    """The map document (see module docstring)."""
    from talkrig.render.landmarks import MAP_SCHEMA, detect

    weights = np.zeros(len(head.shape_names), np.float32)
    for name, value in OPEN_MOUTH.items():
        weights[head.shape_names.index(name)] = value
    snapped = []
    for rotation in POSES:
        img, raster, xy = shaded_render(head, weights, rotation)
        points, score = detect((img[None] * 255).round().astype(np.uint8))
        if not np.isfinite(points).all():
            raise SystemExit(f"no face found in the render at pose {rotation} (score {score})")
        snapped.append(snap_to_skin(raster, xy, head, points[0]))
    rest = head.vertices[np.stack(snapped)]  # (R, 468, 3) rest positions of the snapped vertices
    mean = rest.mean(0)
    spread = np.linalg.norm(rest - mean, axis=-1).max(0)
    points = []
    for i in range(rest.shape[1]):
        if i in FACE_OVAL or spread[i] > MAX_SPREAD_CM:
            continue
        vertex = int(np.argmin(np.linalg.norm(head.vertices - mean[i], axis=1)))
        points.append({"landmark": i, "vertex": vertex, "group": group_of(i),
                       "spread_cm": round(float(spread[i]), 3)})
    return {"schema": MAP_SCHEMA,
            "description": "MediaPipe face-mesh landmark -> ICT head vertex (talkrig.render.head."
                           "load_head indices), measured by training/build_landmark_map.py",
            "head_vertices": int(len(head.vertices)), "groups": list(GROUPS),
            "renders": {"poses_axis_angle": [list(p) for p in POSES], "shapes": OPEN_MOUTH,
                        "size_px": SIZE, "max_spread_cm": MAX_SPREAD_CM},
            "points": points}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("-o", "--output", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)
    import torch
    from talkrig.atomic import atomic_open
    from talkrig.render.head import load_head

    torch.set_num_threads(1)
    doc = build(load_head())
    with atomic_open(args.output, "w", force=True) as f:
        json.dump(doc, f, indent=1)
    counts = {g: sum(p["group"] == g for p in doc["points"]) for g in GROUPS}
    print(f"wrote {args.output}: {len(doc['points'])} points {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
