"""Build the compact demo-head asset shipped with the Blender add-on.

Reads ICT-FaceKit (MIT, USC ICT) OBJ files and writes one ``.npz`` holding the
neutral head (skin, mouth socket, gums and tongue, teeth, eyeballs), its UVs,
per-face material slots and sparse ARKit-named shape-key deltas, quantised to
16-bit integers so the file stays around a megabyte or two.

Usage::

    python blender_addon/tools/make_demo_head.py \\
        --facekit ../shared/assets/ict-facekit \\
        -o core/talkrig/assets/demo_head.npz

The ICT-FaceKit LICENSE is copied beside the output as ``ICT-FaceKit-LICENSE.txt``.
Runs with plain Python + NumPy (no bpy).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

from talkrig.rigs import canonical_arkit_name

# ICT-FaceKit vertex ranges (README "Face Model Topology"): everything before the
# lacrimal fluid, i.e. face, head and neck, mouth and eye sockets, gums and tongue,
# teeth and both eyeballs. Eyelashes and the translucent eye helpers are dropped.
KEEP_VERTICES = 24591  # first index of "Lacrimal fluid left"
# Materials in the order they appear in the OBJ; the ones we keep and their slot.
MATERIAL_SLOTS = {"M_Face": 0, "M_BackHead": 0, "M_GumsTongue": 1, "M_Teeth": 2,
                  "M_ScleraLeft": 3, "M_ScleraRight": 3, "M_IrisLeft": 4, "M_IrisRight": 4}
MATERIAL_NAMES = ("skin", "mouth", "teeth", "sclera", "iris")
# ICT expression file -> canonical ARKit channel. Side-split centre shapes
# (browInnerUp_L/_R, cheekPuff_L/_R) sum into the one centre channel; cheekRaiser and PupilDilate are not ARKit shapes.
SKIP_SHAPES = {"cheekRaiser_L", "cheekRaiser_R", "PupilDilate_L", "PupilDilate_R"}
DELTA_EPS = 2e-3  # ICT units are cm: deltas under 20 micrometres are invisible
QUANT_LEVELS = 32767  # int16 quantisation range (symmetric)


def read_obj(path: Path, positions_only: bool = False):
    """Parse an OBJ file.

    Returns
    -------
    positions : (V, 3) float64
    uvs : (U, 2) float64 (None when ``positions_only``)
    faces : list of (vertex indices, uv indices, material name)
    """
    positions, uvs, faces = [], [], []
    material = ""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("v "):
                positions.append(line[2:].split())
            elif positions_only:
                continue
            elif line.startswith("vt "):
                uvs.append(line[3:].split()[:2])
            elif line.startswith("usemtl "):
                material = line.split()[1]
            elif line.startswith("f "):
                corners = [c.split("/") for c in line.split()[1:]]
                faces.append(([int(c[0]) - 1 for c in corners],
                              [int(c[1]) - 1 for c in corners], material))
    pos = np.asarray(positions, dtype=np.float64)
    return pos, (None if positions_only else np.asarray(uvs, dtype=np.float64)), faces


def arkit_name(ict_name: str) -> str:
    """ICT expression name -> canonical ARKit name (eyeBlink_L -> eyeBlinkLeft).

    Side-split centre shapes (browInnerUp_L, cheekPuff_L) map to the centre channel.
    """
    name = canonical_arkit_name(ict_name)
    if name is None:
        raise SystemExit(f"make_demo_head: no ARKit channel for ICT shape {ict_name!r}")
    return name


def quantise(values: np.ndarray, scale: float) -> np.ndarray:
    """Round ``values / scale`` into int16."""
    return np.clip(np.rint(values / scale), -QUANT_LEVELS, QUANT_LEVELS).astype(np.int16)


def build(facekit: Path) -> dict[str, np.ndarray]:
    """All arrays of the asset (see ``talkrig_blender.demo_head_data`` for the layout)."""
    model = facekit / "FaceXModel"
    neutral, uvs, faces = read_obj(model / "generic_neutral_mesh.obj")
    kept = [f for f in faces if max(f[0]) < KEEP_VERTICES and f[2] in MATERIAL_SLOTS]
    neutral = neutral[:KEEP_VERTICES]
    center = 0.5 * (neutral.min(0) + neutral.max(0))
    pos_scale = float(np.abs(neutral - center).max()) / QUANT_LEVELS
    face_sizes = np.array([len(f[0]) for f in kept], dtype=np.uint8)
    corner_verts = np.concatenate([f[0] for f in kept]).astype(np.int32)
    corner_uvs = np.concatenate([f[1] for f in kept])
    used_uv = np.unique(corner_uvs)
    uv_remap = np.full(len(uvs), -1, dtype=np.int64)
    uv_remap[used_uv] = np.arange(len(used_uv))
    names, indices, deltas, counts = [], [], [], []
    accum: dict[str, np.ndarray] = {}
    for path in sorted(model.glob("*.obj")):
        if path.stem in SKIP_SHAPES or path.stem == "generic_neutral_mesh":
            continue
        shape, _, _ = read_obj(path, positions_only=True)
        name = arkit_name(path.stem)
        delta = shape[:KEEP_VERTICES] - neutral
        accum[name] = accum.get(name, 0.0) + delta
    delta_scale = max(float(np.abs(d).max()) for d in accum.values()) / QUANT_LEVELS
    for name in sorted(accum):
        delta = accum[name]
        moving = np.flatnonzero(np.abs(delta).max(1) > DELTA_EPS)
        names.append(name)
        counts.append(len(moving))
        indices.append(moving.astype(np.int32))
        deltas.append(quantise(delta[moving], delta_scale))
    return {
        "positions_q": quantise(neutral - center, pos_scale),
        "position_scale": np.float64(pos_scale),
        "position_center": center,
        "face_sizes": face_sizes,
        "corner_vertices": corner_verts,
        "uvs_q": np.rint(np.clip(uvs[used_uv], 0, 1) * 65535).astype(np.uint16),
        "corner_uvs": uv_remap[corner_uvs].astype(np.int32),
        "face_materials": np.array([MATERIAL_SLOTS[f[2]] for f in kept], dtype=np.uint8),
        "material_names": np.array(MATERIAL_NAMES),
        "shape_names": np.array(names),
        "shape_counts": np.array(counts, dtype=np.int32),
        "shape_indices": np.concatenate(indices),
        "shape_deltas_q": np.concatenate(deltas),
        "delta_scale": np.float64(delta_scale),
        "units_to_m": np.float64(0.01),  # ICT-FaceKit is modelled in centimetres
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--facekit", type=Path, default=Path("../shared/assets/ict-facekit"),
                        help="ICT-FaceKit folder (holds FaceXModel/ and LICENSE)")
    parser.add_argument("-o", "--output", type=Path,
                        default=Path("core/talkrig/assets/demo_head.npz"),
                        help="output .npz path")
    args = parser.parse_args(argv)
    if not (args.facekit / "FaceXModel" / "generic_neutral_mesh.obj").is_file():
        print(f"make_demo_head: {args.facekit}: not an ICT-FaceKit folder", file=sys.stderr)
        return 2
    arrays = build(args.facekit)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, **arrays)
    shutil.copyfile(args.facekit / "LICENSE", args.output.parent / "ICT-FaceKit-LICENSE.txt")
    size_kb = args.output.stat().st_size / 1024
    print(f"wrote {args.output} ({size_kb:.0f} KiB): {len(arrays['positions_q'])} vertices, "
          f"{len(arrays['face_sizes'])} faces, {len(arrays['shape_names'])} shape keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
