"""A small level for the stand-in editor: a MetaHuman-like actor and an ARKit character.

The stand-in face Control Rig gets its control names from EmoFace's list of MetaHuman
face-board controls (test data, DHI rig) plus the MH.4 controls that list predates,
as given in ../shared/reference/metahuman.md section 2 — a source independent of
TalkRig's ``rigs/metahuman_controls.json``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from standins import unreal_standin as ue

REPO = Path(__file__).resolve().parents[2]
PLUGIN_PYTHON = REPO / "unreal_plugin/TalkRig/Content/Python"
SHARED = Path(os.environ.get("TALKRIG_SHARED", REPO.parent / "shared"))
EMOFACE_NAMES = SHARED / "data/emoface-sample/metahuman_attr_names.txt"  # test-only data
FACE_BOARD = "/Game/MetaHumans/Common/Face/Face_ControlBoard_CtrlRig"
MH4_ONLY = {  # reference/metahuman.md section 2: MH.4 board controls absent from DHI
    "CTRL_C_tongue_move": "vector2d", "CTRL_C_tongue_bendTwist": "vector2d",
    "CTRL_C_tongue_tipMove": "vector2d", "CTRL_C_tongue_wideNarrow": "float",
    "CTRL_C_tongue_roll": "float", "CTRL_C_tongue_thickThin": "float",
    **{f"CTRL_{s}_mouth_thicknessInward{ud}": "float" for s in "LR" for ud in "UD"},
}


def face_board_controls(names_file: Path = EMOFACE_NAMES) -> dict[str, str]:
    """Control name -> "float" (translateY only) or "vector2d" (translateX and Y)."""
    axes: dict[str, set[str]] = {}
    for line in names_file.read_text().split():
        control, axis = line.rsplit("-", 1)
        axes.setdefault(control, set()).add(axis)
    controls = {c: "vector2d" if "translateX" in a else "float" for c, a in axes.items()}
    controls.update(MH4_ONLY)
    return controls


def build_stage() -> None:
    """Reset the stand-in editor and place two characters in the level."""
    ue.reset()
    face_mesh = ue.SkeletalMesh("/Game/MetaHumans/Ada/Face/Ada_FaceMesh",
                                skeleton=ue.Skeleton("/Game/MetaHumans/Common/Face/Face_Archetype_Skeleton"))
    body = ue.SkeletalMeshComponent("Body", ue.SkeletalMesh("/Game/MetaHumans/Ada/Body"))
    ue.ACTORS.append(ue.Actor("BP_Ada", [body, ue.SkeletalMeshComponent("Face", face_mesh)]))
    arkit_mesh = ue.SkeletalMesh("/Game/Characters/Robo/SK_Robo",
                                 skeleton=ue.Skeleton("/Game/Characters/Robo/SK_Robo_Skeleton"))
    ue.ACTORS.append(ue.Actor("Robo", [ue.SkeletalMeshComponent("Mesh", arkit_mesh)]))
    ue.BLUEPRINT_CLASSES[FACE_BOARD] = ue.ControlRigClass(face_board_controls())


def install(monkeypatch) -> None:
    """Make ``import unreal`` give the stand-in and the plugin importable, for one test."""
    monkeypatch.setitem(sys.modules, "unreal", ue)
    monkeypatch.syspath_prepend(str(PLUGIN_PYTHON))
    build_stage()


def use_talkrig_cli(monkeypatch) -> str:
    """Point the plugin's ``TALKRIG_CLI`` at the ``talkrig`` console script beside this
    interpreter (skip the test when it is not installed); returns its path."""
    import shutil

    import pytest

    cli = shutil.which("talkrig", path=os.path.dirname(sys.executable))
    if cli is None:
        pytest.skip("talkrig console script not installed beside this interpreter")
    monkeypatch.setenv("TALKRIG_CLI", cli)
    return cli
