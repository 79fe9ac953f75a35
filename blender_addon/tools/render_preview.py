"""Render a take on the demo head with Workbench: numbered PNG frames.

Runs inside Blender's Python, either the ``bpy`` module::

    python blender_addon/tools/render_preview.py TAKE FRAMES_DIR --fps 30 --size 256

or a Blender binary::

    blender -b --factory-startup -P blender_addon/tools/render_preview.py -- TAKE FRAMES_DIR

Writes ``FRAMES_DIR/00001.png ...`` (one per frame at ``--fps``) and
``FRAMES_DIR/preview.json`` (frame count, fps, mouth box). ``talkrig preview``
calls this in a child process (the core never imports bpy) and muxes the frames
with the audio into an mp4.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# Shapes whose moving vertices span brows to lips; the margin adds forehead and chin.
FACE_KEYS = ("browInnerUp", "eyeBlinkLeft", "eyeBlinkRight", "mouthSmileLeft",
             "mouthSmileRight", "mouthFunnel", "mouthClose")
FACE_MARGIN = 1.5
FACE_MOVE_M = 0.002  # only vertices these shapes move by over 2 mm: the features
ADDON_DIR = Path(__file__).resolve().parents[1]  # blender_addon/, holds talkrig_blender


def parse(argv: list[str]) -> argparse.Namespace:
    if "--" in argv:  # blender -b -P script.py -- args
        argv = argv[argv.index("--") + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("take", help="take file (.take.json, .npz, Live Link .csv)")
    parser.add_argument("frames", help="folder for the PNG frames (created)")
    parser.add_argument("--fps", type=float, default=30.0, help="preview frame rate")
    parser.add_argument("--size", type=int, default=256, help="square frame size, px")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    sys.path.insert(0, str(ADDON_DIR))
    import bpy

    from talkrig.errors import TalkRigError
    from talkrig.formats import read_take
    from talkrig_blender import api, preview_scene

    take = read_take(args.take)
    if take.rig != "arkit52":
        raise TalkRigError(f"preview renders ARKit-52 takes on the demo head; this take's "
                           f"rig is {take.rig!r}", args.take)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    fps = int(round(args.fps))
    scene.render.fps, scene.render.fps_base = fps, fps / args.fps
    head = api.build_demo_head()
    result = api.apply_take(head, take, start_frame=1, add_sound=False)
    scene.frame_start, scene.frame_end = 1, result.last_frame
    preview_scene.setup_workbench(scene, args.size)
    face = preview_scene.moving_vertices(head, FACE_KEYS, eps=FACE_MOVE_M)
    preview_scene.add_front_camera(scene, head, face, margin=FACE_MARGIN)
    frames = Path(args.frames)
    frames.mkdir(parents=True, exist_ok=True)
    scene.render.filepath = str(frames / "#####")
    scene.render.use_file_extension = True
    bpy.ops.render.render(animation=True)
    mouth = preview_scene.moving_vertices(head, ("jawOpen",))
    info = {"frames": result.last_frame, "fps": args.fps, "size": args.size,
            "mouth_box": preview_scene.pixel_box(scene, head, mouth),
            "mapped": len(result.mapping.pairs)}
    (frames / "preview.json").write_text(json.dumps(info))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:  # one line for the parent process, never a bare traceback
        from talkrig.errors import TalkRigError

        if isinstance(exc, TalkRigError):
            print(f"talkrig-preview-error: {exc}", file=sys.stderr)
            sys.exit(2)
        raise
