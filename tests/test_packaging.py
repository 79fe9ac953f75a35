"""Packaging: every subpackage is installed, every top-level folder says what it holds."""

from __future__ import annotations

import tomllib

from conftest import REPO

TOP_LEVEL = ("core", "blender_addon", "unreal_plugin", "training", "rigs", "tests", "bench",
             "examples", "docs")


def test_every_talkrig_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    root = REPO / "core"
    found = {str(p.parent.relative_to(root)).replace("/", ".")
             for p in (root / "talkrig").rglob("__init__.py")}
    assert found - listed == set(), f"add to pyproject packages: {sorted(found - listed)}"


def test_the_plain_install_has_no_torch():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = " ".join(config["project"]["dependencies"]).lower()
    assert "torch" not in deps and "bpy" not in deps


def test_each_top_level_folder_has_a_readme():
    missing = [d for d in TOP_LEVEL if (REPO / d).is_dir() and not (REPO / d / "README.md").exists()]
    assert not missing


def test_rig_data_is_installed_with_the_package():
    from importlib import resources

    names = {p.name for p in resources.files("talkrig.rigdata").iterdir()}
    assert {"arkit52.json", "metahuman.json", "flame.json"} <= names


def test_the_wheel_carries_every_runtime_file_with_its_licence_notice(tmp_path):
    """An installed wheel (not the editable checkout) must hold the models, the demo head,
    the rig data and the notices of the third-party material they derive from."""
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("talkrig-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rig_files = {f"talkrig/rigdata/{p.name}" for p in (REPO / "rigs").glob("*.json")}
    assert rig_files <= names
    assert {"talkrig/models/talkrig_neural.onnx", "talkrig/models/LICENSE-MFA",
            "talkrig/models/face_landmark.onnx", "talkrig/models/LICENSE-mediapipe",
            "talkrig/assets/demo_head.npz", "talkrig/assets/ICT-FaceKit-LICENSE.txt",
            "talkrig/rigdata/LICENSE-MFA"} <= names
