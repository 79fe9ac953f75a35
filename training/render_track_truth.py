"""Render a ground-truth clip of the demo head in Blender for checking the tracker.

The ICT-FaceKit demo head (MIT, USC ICT) wears a procedural skin (tone noise,
darker brows and eyelids, red lips, coloured mouth, teeth and eyes) held in a
face-corner colour attribute, and is shaded by Workbench's studio light through an
orthographic camera. Known ARKit weights and a known head rotation drive every
frame. Runs in the ``bpy`` module::

    .venv/bin/python training/render_track_truth.py OUT_DIR [--frames 32] [--size 64]

Writes ``OUT_DIR/frames.npz`` (``frames``: (T, H, W, 3) uint8), ``OUT_DIR/truth.json``
and, with ``--png``, ``OUT_DIR/frames/00000.png ...``. The tracker-side comparison
lives in ``bench/track_truth.py``.

Pose convention (``truth.json``, ``angles_deg`` per frame = yaw, pitch, roll): the
head's rotation in the tracker's camera frame (:mod:`talkrig.render.camera`: ICT axes,
x to the image right, y up, z toward the camera), ``R = Ry(yaw) Rx(pitch) Rz(roll)``
(intrinsic Y-X-Z, the convention of a tracked Take's ``head_pose``), applied about the
head's bounding-box centre. Positive yaw turns the face toward the image right (the
subject's left), positive pitch turns it down, positive roll tilts the top of the
head toward the image left. The head's Blender rotation is ``B R B^T`` with ``B`` the
add-on's ICT -> Blender axis change ((x, y, z) -> (x, -z, y)), so yaw is about
Blender +Z, pitch about +X and roll about -Y.

bpy is imported only inside the functions that render (never by ``talkrig``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
ADDON_DIR = ROOT / "blender_addon"

# Same matrix as talkrig_blender.demo_head_data.Y_UP_TO_Z_UP (the add-on's axis change).
ICT_TO_BLENDER = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=np.float64)
CM_PER_M = 100.0

# Truth framing in the tracker's weak-perspective terms (talkrig.render.camera):
# log scale, x and y offsets as fractions of the image. Deliberately a little off the
# tracker's default initial pose (0.45, 0.0, 0.05) so it has to find the face.
FRAMING = (0.50, 0.02, 0.03)
HEAD_HEIGHT_CM = 34.0  # TrackOptions.head_height_cm: the span of the image at log scale 0

# Known curves: name -> (amplitude, cycles over the clip, phase in turns). Weights are
# amplitude * (1 - cos(2 pi (cycles t + phase))) / 2, t in [0, 1).
RAISED_COSINE = {
    "jawOpen": (0.7, 1.0, 0.0),
    "mouthSmileLeft": (0.7, 1.0, 0.35),
    "mouthSmileRight": (0.5, 1.5, 0.6),
    "mouthFunnel": (0.6, 1.0, 0.7),
    "browInnerUp": (0.8, 1.0, 0.2),
}
# Blinks: name -> blink centres (fractions of the clip), raised-cosine pulses of this
# half width (fraction of the clip: about 2 frames of 32).
BLINKS = {"eyeBlinkLeft": (0.25, 0.75), "eyeBlinkRight": (0.25, 0.55)}
BLINK_HALF_WIDTH = 0.06
# Pose sweeps, degrees: (amplitude, cycles, phase in turns) of a sine, yaw/pitch/roll.
POSE_SWEEP = ((8.0, 1.0, 0.25), (4.0, 1.0, 0.0), (3.0, 1.0, 0.6))

# Skin: base tone (linear RGB) times smooth 3D noise; features painted by which shapes
# move them (ICT units are cm).
SKIN = (0.78, 0.52, 0.42)
SKIN_NOISE = 0.25  # relative amplitude of the low-frequency tone variation
SPECKLE = 0.06  # relative amplitude of per-vertex speckle
NOISE_WAVELENGTH_CM = (6.0, 3.0, 1.5)
BROW = (0.16, 0.09, 0.06)
BROW_SHAPES, BROW_MIN_Y_CM, BROW_MOVE = ("browDownLeft", "browDownRight"), 8.3, 0.6
LID = (0.42, 0.24, 0.22)
LID_SHAPES, LID_MOVE = ("eyeBlinkLeft", "eyeBlinkRight"), 0.15
LIP = (0.62, 0.12, 0.14)
LIP_SHAPE, LIP_MOTION_CM = "mouthPucker", 1.0  # the vertices it moves most: the lips
MATERIAL_RGB = {"mouth": (0.30, 0.05, 0.06), "teeth": (0.85, 0.83, 0.76),
                "sclera": (0.90, 0.88, 0.86), "iris": (0.10, 0.16, 0.28)}
# The sclera mesh covers the iris disk, so the iris is painted on it around each
# eyeball's front pole (pupil inside).
IRIS_RADIUS_CM, PUPIL_RADIUS_CM, PUPIL = 0.6, 0.25, (0.02, 0.02, 0.02)
BACKGROUND = (0.20, 0.28, 0.36)  # world colour behind the head (linear RGB)
SEED = 7
CHECK_POINTS = 24  # vertices whose Blender projection is stored to check the mapping


def euler_matrix(angles_deg: np.ndarray) -> np.ndarray:
    """(..., 3) yaw, pitch, roll in degrees -> (..., 3, 3) ``Ry(yaw) Rx(pitch) Rz(roll)``."""
    a = np.radians(np.asarray(angles_deg, np.float64))
    c, s = np.cos(a), np.sin(a)
    one, zero = np.ones_like(a[..., 0]), np.zeros_like(a[..., 0])

    def mat(rows):
        return np.stack([np.stack(r, -1) for r in rows], -2)
    ry = mat([[c[..., 0], zero, s[..., 0]], [zero, one, zero], [-s[..., 0], zero, c[..., 0]]])
    rx = mat([[one, zero, zero], [zero, c[..., 1], -s[..., 1]], [zero, s[..., 1], c[..., 1]]])
    rz = mat([[c[..., 2], -s[..., 2], zero], [s[..., 2], c[..., 2], zero], [zero, zero, one]])
    return ry @ rx @ rz


def matrix_euler(rot: np.ndarray) -> np.ndarray:
    """Inverse of :func:`euler_matrix`: (..., 3, 3) -> (..., 3) yaw, pitch, roll degrees."""
    pitch = np.arcsin(np.clip(-rot[..., 1, 2], -1.0, 1.0))
    yaw = np.arctan2(rot[..., 0, 2], rot[..., 2, 2])
    roll = np.arctan2(rot[..., 1, 0], rot[..., 1, 1])
    return np.degrees(np.stack([yaw, pitch, roll], -1))


def axis_angle_matrix(r: np.ndarray) -> np.ndarray:
    """Rodrigues in NumPy, the same map as talkrig.render.camera: (..., 3) -> (..., 3, 3)."""
    r = np.asarray(r, np.float64)
    theta = np.sqrt((r * r).sum(-1, keepdims=True) + 1e-12)
    kx, ky, kz = np.moveaxis(r / theta, -1, 0)
    zero = np.zeros_like(kx)
    k = np.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], -1).reshape(r.shape + (3,))
    s, c = np.sin(theta)[..., None], np.cos(theta)[..., None]
    return np.eye(3) + s * k + (1 - c) * k @ k


def matrix_axis_angle(rot: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation (angle < 180 deg) -> (..., 3) axis-angle, radians."""
    cos = np.clip((np.trace(rot, axis1=-2, axis2=-1) - 1) / 2, -1.0, 1.0)
    theta = np.arccos(cos)[..., None]
    vee = np.stack([rot[..., 2, 1] - rot[..., 1, 2], rot[..., 0, 2] - rot[..., 2, 0],
                    rot[..., 1, 0] - rot[..., 0, 1]], -1)
    return vee * np.where(theta > 1e-8, theta / (2 * np.sin(np.maximum(theta, 1e-8))), 0.5)


def truth_schedule(n_frames: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Known curves: ({name: (T,) weight in [0, 1]}, (T, 3) yaw/pitch/roll degrees)."""
    t = np.arange(n_frames) / n_frames
    weights = {name: amp * (1 - np.cos(2 * np.pi * (cyc * t + ph))) / 2
               for name, (amp, cyc, ph) in RAISED_COSINE.items()}
    for name, centres in BLINKS.items():
        d = np.min([np.abs(t - c) for c in centres], axis=0) / BLINK_HALF_WIDTH
        weights[name] = np.where(d < 1, (1 + np.cos(np.pi * np.minimum(d, 1))) / 2, 0.0)
    angles = np.stack([amp * np.sin(2 * np.pi * (cyc * t + ph))
                       for amp, cyc, ph in POSE_SWEEP], -1)
    return weights, angles


def tracker_pose(angles_deg: np.ndarray, framing=FRAMING) -> np.ndarray:
    """The truth as ``(T, 6)`` tracker poses (axis-angle, log scale, tx, ty)."""
    rot = matrix_axis_angle(euler_matrix(angles_deg))
    rest = np.broadcast_to(np.asarray(framing, np.float64), rot.shape)
    return np.concatenate([rot, rest], -1)


def ortho_camera(size: int, framing=FRAMING) -> tuple[float, float, float]:
    """Orthographic camera equal to the weak-perspective framing:
    (ortho scale m, camera centre x m, camera centre z m) in Blender's frame.

    camera.py maps x_cm to ``x * exp(ls) * size / H + (0.5 + tx) * size`` pixels; an
    orthographic view ``V`` metres wide maps X to ``(X - cx) / V * size + size / 2``.
    """
    log_scale, tx, ty = framing
    view_m = HEAD_HEIGHT_CM / np.exp(log_scale) / CM_PER_M
    return float(view_m), float(-tx * view_m), float(ty * view_m)


def skin_colours(asset) -> np.ndarray:
    """Per-vertex linear RGB (V, 3) of the procedural skin (NumPy)."""
    rng = np.random.default_rng(SEED)
    pos = asset.positions
    tone = np.zeros(len(pos))
    for wavelength in NOISE_WAVELENGTH_CM:
        for _ in range(3):
            direction = rng.normal(size=3)
            direction /= np.linalg.norm(direction)
            tone += np.sin(2 * np.pi * pos @ direction / wavelength + rng.uniform(0, 2 * np.pi))
    tone /= np.abs(tone).max()
    colour = np.asarray(SKIN) * (1 + SKIN_NOISE * tone)[:, None]
    colour *= (1 + SPECKLE * rng.uniform(-1, 1, len(pos)))[:, None]
    paint = ((BROW_SHAPES, BROW_MOVE, BROW), (LID_SHAPES, LID_MOVE, LID),
             ((LIP_SHAPE,), None, LIP))
    for shapes, fraction, rgb in paint:
        moved = np.zeros(len(pos))
        for name in shapes:
            i = asset.shape_names.index(name)
            moved[asset.shape_indices[i]] = np.maximum(
                moved[asset.shape_indices[i]], np.linalg.norm(asset.shape_deltas[i], axis=1))
        if fraction is None:  # the lips: a fixed distance (talkrig.render.head uses 0.8)
            mask = moved > LIP_MOTION_CM
        else:
            mask = moved > fraction * moved.max()
            if rgb is BROW:
                mask &= pos[:, 1] > BROW_MIN_Y_CM
        colour[mask] = np.asarray(rgb) * (1 + 0.5 * SKIN_NOISE * tone[mask])[:, None]
    return np.clip(colour, 0, 1)


def corner_colours(asset) -> np.ndarray:
    """(L, 4) RGBA per face corner: skin colours on skin faces, flat material colours
    on the mouth, teeth and eyes."""
    per_vertex = skin_colours(asset)[asset.corner_vertices]
    face_of_corner = np.repeat(np.arange(len(asset.face_sizes)), asset.face_sizes)
    material = np.asarray(asset.material_names)[asset.face_materials[face_of_corner]]
    for name, rgb in MATERIAL_RGB.items():
        per_vertex[material == name] = rgb
    pos = asset.positions[asset.corner_vertices]
    sclera = material == "sclera"
    for side in (-1, 1):
        eye = sclera & (np.sign(pos[:, 0]) == side)
        pole = pos[eye][pos[eye, 2].argmax()]
        dist = np.linalg.norm(pos - pole, axis=1)
        per_vertex[eye & (dist < IRIS_RADIUS_CM)] = MATERIAL_RGB["iris"]
        per_vertex[eye & (dist < PUPIL_RADIUS_CM)] = PUPIL
    return np.concatenate([per_vertex, np.ones((len(per_vertex), 1))], 1).astype(np.float32)


def build_scene(size: int, framing=FRAMING):
    """Empty scene + textured demo head + orthographic front camera; returns the head."""
    import bpy
    sys.path.insert(0, str(ADDON_DIR))
    from talkrig.demo_head import load_head_asset
    from talkrig_blender.demo_head import build_demo_head

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    head = build_demo_head(bpy.context, name="Truth Head")
    colours = head.data.color_attributes.new("skin", "FLOAT_COLOR", "CORNER")
    colours.data.foreach_set("color", corner_colours(load_head_asset()).ravel())
    head.data.color_attributes.active_color = colours
    head.rotation_mode = "QUATERNION"

    scene.render.engine = "BLENDER_WORKBENCH"
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "VERTEX"
    scene.display.shading.show_specular_highlight = True
    scene.view_settings.view_transform = "Standard"
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.world = bpy.data.worlds.new("Truth World")
    scene.world.color = BACKGROUND

    view_m, cx, cz = ortho_camera(size, framing)
    cam_data = bpy.data.cameras.new("Truth Camera")
    cam_data.type = "ORTHO"
    cam_data.ortho_scale = view_m
    cam_data.sensor_fit = "HORIZONTAL"
    camera = bpy.data.objects.new("Truth Camera", cam_data)
    scene.collection.objects.link(camera)
    camera.location = (cx, -1.0, cz)  # in front of the face (it looks toward -Y)
    camera.rotation_euler = (np.pi / 2, 0.0, 0.0)  # look along +Y, Z up
    cam_data.clip_end = 10.0
    scene.camera = camera
    return scene, head


def set_frame(head, weights: dict[str, float], angles_deg: np.ndarray) -> None:
    """Shape-key values and the head's Blender rotation ``B R B^T`` for one frame."""
    from mathutils import Matrix
    for name, value in weights.items():
        head.data.shape_keys.key_blocks[name].value = float(value)
    rot = ICT_TO_BLENDER @ euler_matrix(angles_deg) @ ICT_TO_BLENDER.T
    head.rotation_quaternion = Matrix(rot.tolist()).to_quaternion()


def projected_points(scene, head, vertex_ids: np.ndarray) -> np.ndarray:
    """Pixel (x right, y down) positions of some deformed vertices, as Blender projects
    them: (N, 2). Used to check the convention mapping against camera.py."""
    import bpy
    from bpy_extras.object_utils import world_to_camera_view
    bpy.context.view_layer.update()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = head.evaluated_get(depsgraph).to_mesh()
    size = scene.render.resolution_x
    out = []
    for i in vertex_ids.tolist():
        p = world_to_camera_view(scene, scene.camera, head.matrix_world @ mesh.vertices[i].co)
        out.append((p.x * size, (1 - p.y) * size))
    head.evaluated_get(depsgraph).to_mesh_clear()
    return np.asarray(out)


def render(out_dir: Path, n_frames: int, size: int, keep_png: bool = False,
           force: bool = False) -> dict:
    """Render the clip; write frames.npz and truth.json into ``out_dir`` (atomically;
    existing ones only with ``force``); return the truth."""
    import bpy
    from talkrig.atomic import atomic_open, check_writable
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("frames.npz", "truth.json"):
        check_writable(out_dir / name, force)
    weights, angles = truth_schedule(n_frames)
    scene, head = build_scene(size)
    check_ids = np.random.default_rng(SEED).choice(len(head.data.vertices), CHECK_POINTS,
                                                   replace=False)
    with tempfile.TemporaryDirectory() as scratch:
        png_dir = out_dir / "frames" if keep_png else Path(scratch)
        png_dir.mkdir(exist_ok=True)
        frames, check_xy = [], []
        for t in range(n_frames):
            set_frame(head, {k: v[t] for k, v in weights.items()}, angles[t])
            check_xy.append(projected_points(scene, head, check_ids))
            scene.render.filepath = str(png_dir / f"{t:05d}.png")
            bpy.ops.render.render(write_still=True)
            frames.append(read_png(scene.render.filepath))
    truth = {
        "frames": n_frames, "size": size, "engine": scene.render.engine,
        "head_height_cm": HEAD_HEIGHT_CM,
        "framing": {"log_scale": FRAMING[0], "tx": FRAMING[1], "ty": FRAMING[2]},
        "angle_convention": "yaw, pitch, roll degrees; R = Ry(yaw) Rx(pitch) Rz(roll) "
                            "(intrinsic YXZ, as Take.head_pose) in camera.py's frame "
                            "(x right, y up, z toward the camera)",
        "angles_deg": angles.round(6).tolist(),
        "tracker_pose": tracker_pose(angles).round(6).tolist(),
        "weights": {k: v.round(6).tolist() for k, v in weights.items()},
        "check_vertex_ids": check_ids.tolist(),
        "check_pixels": np.asarray(check_xy).round(4).tolist(),
    }
    with atomic_open(out_dir / "frames.npz", "wb", force=force) as handle:
        np.savez_compressed(handle, frames=np.stack(frames))
    with atomic_open(out_dir / "truth.json", force=force) as handle:
        json.dump(truth, handle)
    return truth


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output folder (created)")
    ap.add_argument("--frames", type=int, default=32, help="clip length")
    ap.add_argument("--size", type=int, default=64, help="square frame size, px")
    ap.add_argument("--png", action="store_true", help="keep the PNG frames too")
    ap.add_argument("--force", action="store_true", help="overwrite frames.npz / truth.json")
    args = ap.parse_args(argv)
    render(args.out, args.frames, args.size, args.png, args.force)
    return 0


def read_png(path: str) -> np.ndarray:
    """(H, W, 3) uint8 of a PNG through bpy (top row first)."""
    import bpy
    image = bpy.data.images.load(path, check_existing=False)
    try:
        w, h = image.size
        pix = np.empty(w * h * image.channels, np.float32)
        image.pixels.foreach_get(pix)
        rgb = pix.reshape(h, w, image.channels)[::-1, :, :3]
        return (rgb * 255).round().astype(np.uint8)
    finally:
        bpy.data.images.remove(image)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:  # one line for a TalkRigError, a traceback for a bug
        from talkrig.errors import TalkRigError
        if isinstance(exc, TalkRigError):
            print(f"render_track_truth: {exc}", file=sys.stderr)
            sys.exit(2)
        raise
