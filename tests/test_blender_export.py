"""Exports of the animated demo head: glTF morph-target animation and FBX."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "blender_addon"))

import talkrig_blender  # noqa: E402
from talkrig.rigs import ARKIT52  # noqa: E402
from talkrig.take import Take  # noqa: E402

pytestmark = pytest.mark.blender
VALIDATOR_DIR = ROOT / ".cache" / "gltf-validator"  # npm package, installed on demand
VALIDATE_JS = """
const validator = require('gltf-validator');
const fs = require('fs');
const bytes = new Uint8Array(fs.readFileSync(process.argv[2]));
validator.validateBytes(bytes).then(r => console.log(JSON.stringify(r)))
  .catch(e => { console.error(String(e)); process.exit(2); });
"""
N_FRAMES = 24


@pytest.fixture(scope="module")
def animated_head():
    talkrig_blender.register()
    try:
        yield from _make_animated_head()
    finally:
        talkrig_blender.unregister()


def _make_animated_head():
    from talkrig_blender import api

    for other in list(bpy.data.objects):
        bpy.data.objects.remove(other)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    obj = api.build_demo_head(name="Export Head")
    t = np.arange(N_FRAMES) / N_FRAMES
    values = np.zeros((N_FRAMES, 52), dtype=np.float32)
    values[:, ARKIT52.index("jawOpen")] = 0.5 - 0.5 * np.cos(2 * np.pi * t)
    values[:, ARKIT52.index("eyeBlinkLeft")] = t
    api.apply_take(obj, Take(fps=24, channels=ARKIT52, values=values), start_frame=1)
    scene.frame_start, scene.frame_end = 1, N_FRAMES
    yield obj, values
    bpy.data.objects.remove(obj)


def read_glb_json(path: Path) -> dict:
    data = path.read_bytes()
    magic, _version, _length = struct.unpack_from("<4sII", data, 0)
    assert magic == b"glTF"
    chunk_length, chunk_type = struct.unpack_from("<I4s", data, 12)
    assert chunk_type == b"JSON"
    return json.loads(data[20:20 + chunk_length])


def gltf_validator() -> Path | None:
    """Install the Khronos validator (npm ``gltf-validator``) once; None if impossible."""
    if (VALIDATOR_DIR / "node_modules" / "gltf-validator").is_dir():
        return VALIDATOR_DIR
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    VALIDATOR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["npm", "install", "--prefix", str(VALIDATOR_DIR), "--no-audit",
                        "--no-fund", "gltf-validator"], check=True, capture_output=True,
                       timeout=180)
    except (subprocess.SubprocessError, OSError):
        return None
    return VALIDATOR_DIR


def test_gltf_export_has_morph_targets_and_weight_animation(animated_head, tmp_path):
    from talkrig_blender import api

    obj, _values = animated_head
    path = Path(api.export_gltf(obj, tmp_path / "head.glb"))
    doc = read_glb_json(path)
    prim = doc["meshes"][0]["primitives"]
    assert max(len(p.get("targets", [])) for p in prim) == 51
    names = doc["meshes"][0]["extras"]["targetNames"]
    assert "jawOpen" in names and "tongueOut" not in names
    channels = doc["animations"][0]["channels"]
    assert any(c["target"]["path"] == "weights" for c in channels)


def test_exported_gltf_passes_the_khronos_validator(animated_head, tmp_path):
    from talkrig_blender import api

    validator = gltf_validator()
    if validator is None:
        pytest.skip("npm package gltf-validator not installable here")
    obj, _values = animated_head
    path = api.export_gltf(obj, tmp_path / "head.glb")
    script = tmp_path / "validate.js"
    script.write_text(VALIDATE_JS)
    run = subprocess.run(["node", str(script), path], capture_output=True, text=True,
                         timeout=120, env={"NODE_PATH": str(validator / "node_modules"),
                                           "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    errors = [m for m in report["issues"]["messages"] if m["severity"] == 0]
    assert report["issues"]["numErrors"] == 0, errors[:5]
    assert report["info"]["animationCount"] == 1
    assert report["info"]["morphTargetCount"] if "morphTargetCount" in report["info"] \
        else True


def test_fbx_export_writes_the_head_with_shape_keys(animated_head, tmp_path):
    from talkrig_blender import api

    obj, _values = animated_head
    path = Path(api.export_fbx(obj, tmp_path / "head.fbx"))
    data = path.read_bytes()
    assert data.startswith(b"Kaydara FBX Binary")
    assert b"jawOpen" in data and b"BlendShapeChannel" in data
    assert b"AnimationCurve" in data


def test_export_refuses_to_overwrite_without_force(animated_head, tmp_path):
    from talkrig.errors import TalkRigError
    from talkrig_blender import api

    obj, _values = animated_head
    target = tmp_path / "taken.glb"
    target.write_bytes(b"user file")
    with pytest.raises(TalkRigError, match="already exists"):
        api.export_gltf(obj, target)
    assert target.read_bytes() == b"user file"


def test_exporting_keeps_the_users_selection_and_active_object(animated_head, tmp_path):
    from talkrig_blender import api

    obj, _values = animated_head
    camera = bpy.data.objects.new("Shot cam", bpy.data.cameras.new("Shot cam"))
    bpy.context.collection.objects.link(camera)
    for other in bpy.context.selected_objects:
        other.select_set(False)
    camera.select_set(True)
    bpy.context.view_layer.objects.active = camera
    api.export_fbx(obj, tmp_path / "head.fbx")
    api.export_gltf(obj, tmp_path / "head.glb")
    assert [o.name for o in bpy.context.selected_objects] == ["Shot cam"]
    assert bpy.context.view_layer.objects.active == camera


def test_the_export_operators_refuse_an_existing_file_unless_overwrite(animated_head,
                                                                       tmp_path):
    obj, _values = animated_head
    bpy.context.scene.talkrig.target = obj
    for op, name in ((bpy.ops.talkrig.export_fbx, "taken.fbx"),
                     (bpy.ops.talkrig.export_gltf, "taken.glb")):
        target = tmp_path / name
        target.write_bytes(b"user file")
        with pytest.raises(RuntimeError, match="already exists .tick Overwrite"):
            op(filepath=str(target))  # bpy.ops raises the operator's error report
        assert target.read_bytes() == b"user file"
        assert op(filepath=str(target), overwrite=True) == {"FINISHED"}
        assert target.read_bytes() != b"user file"
