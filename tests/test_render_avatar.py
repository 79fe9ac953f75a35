"""``talkrig avatar train / render / compare`` end to end on a synthetic head video.

The clip: the ICT head rendered with a smooth albedo over a gradient background,
jaw opening and closing, 24 frames at 15 fps, with real speech as its audio track.
"""

import json

import numpy as np
import pytest
import soundfile as sf

torch = pytest.importorskip("torch")
pytest.importorskip("imageio_ffmpeg")

from tests.conftest import EXAMPLE_SPEECH, run_cli  # noqa: E402
from talkrig.render.head import load_head  # noqa: E402
from talkrig.render.track import HeadTensors, TrackOptions, render_albedo  # noqa: E402
from talkrig.render.video import probe, write_mp4  # noqa: E402

SIZE = 64
N_FRAMES = 24
FPS = 15
STEPS = 150


def _clip(path):
    torch.set_num_threads(1)
    head = load_head()
    ht = HeadTensors(head)
    u, v = np.meshgrid(np.linspace(0, 1, 64), np.linspace(0, 1, 64))
    tex = torch.tensor(np.stack([0.6 + 0.3 * np.sin(9 * u), 0.5 + 0.3 * np.cos(8 * v),
                                 0.45 + 0.2 * u]), dtype=torch.float32)
    pose = torch.tensor(TrackOptions().init_pose, dtype=torch.float32)
    ramp = torch.linspace(0.1, 0.3, SIZE)
    frames = []
    with torch.no_grad():
        for t in range(N_FRAMES):
            w = torch.zeros(len(head.shape_names))
            w[head.shape_names.index("jawOpen")] = 0.4 * (1 - np.cos(2 * np.pi * t / 8)) / 2
            img = render_albedo(ht, pose, w, tex, torch.zeros(3), SIZE, 34.0)
            img = torch.where(img.sum(0, keepdim=True) > 0, img, ramp[None, :, None].expand(3, SIZE, SIZE))
            frames.append((img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
    write_mp4(np.stack(frames), FPS, path, EXAMPLE_SPEECH)
    return path


@pytest.fixture(scope="module")
def avatar(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("avatar")
    video = _clip(tmp / "clip.mp4")
    out = tmp / "avatar"
    proc = run_cli("avatar", "train", video, "-o", out, "--size", SIZE, "--every", 1,
                   "--steps", STEPS, "--key-iters", 30, "--track-iters", 5)
    assert proc.returncode == 0, proc.stderr
    return tmp, out, proc


def test_training_cuts_the_reconstruction_error_by_a_large_factor(avatar):
    _, out, proc = avatar
    m = json.loads((out / "metrics.json").read_text())
    print(proc.stdout, {k: m[k] for k in ("l1_first_10", "l1_last_10", "held_out_psnr",
                                          "held_out_face_psnr", "held_out_ssim")})
    assert m["steps"] == STEPS
    assert m["l1_last_10"] < m["l1_first_10"] / 3
    assert m["held_out_psnr"] > 22.0
    assert "held-out PSNR" in proc.stdout


def test_the_track_is_saved_as_a_take_with_arkit_channels(avatar):
    from talkrig.formats import read_take
    _, out, _ = avatar
    take = read_take(out / "track.take.json")
    assert take.values.shape == (N_FRAMES, 52) and take.fps == FPS
    jaw = take.values[:, take.channels.index("jawOpen")]
    assert jaw.max() > 0.05  # the jaw opens in the clip
    assert take.head_pose.shape == (N_FRAMES, 3)
    assert np.degrees(np.abs(take.head_pose)).max() < 10  # the synthetic head faces front


def test_training_resumes_from_its_checkpoint(avatar):
    _, out, _ = avatar
    proc = run_cli("avatar", "train", "unused.mp4", "-o", out, "--size", SIZE, "--every", 1,
                   "--steps", STEPS + 5)
    assert proc.returncode == 0, proc.stderr
    state = torch.load(out / "avatar.pt", weights_only=False)
    assert state["step"] == STEPS + 5 and len(state["history"]) == STEPS + 5


def test_render_writes_an_h264_mp4_with_the_audio_track(avatar):
    tmp, out, _ = avatar
    mp4 = tmp / "talk.mp4"
    proc = run_cli("avatar", "render", out, EXAMPLE_SPEECH, "--emotion", "happy:0.6", "-o", mp4)
    assert proc.returncode == 0, proc.stderr
    info = probe(mp4)
    assert info["size"] == (SIZE, SIZE) and info["fps"] == FPS
    assert abs(info["duration"] - sf.info(str(EXAMPLE_SPEECH)).duration) < 0.3  # the audio's
    import imageio_ffmpeg
    meta = next(imageio_ffmpeg.read_frames(str(mp4)))
    assert meta["codec"] == "h264" and meta["audio_codec"] == "aac"


def test_render_refuses_to_overwrite_without_force(avatar):
    tmp, out, _ = avatar
    existing = tmp / "keep.mp4"
    existing.write_bytes(b"user file")
    proc = run_cli("avatar", "render", out, EXAMPLE_SPEECH, "-o", existing)
    assert proc.returncode != 0 and existing.read_bytes() == b"user file"


def test_compare_puts_reference_and_reconstruction_side_by_side(avatar):
    tmp, out, _ = avatar
    proc = run_cli("avatar", "compare", out, "-o", tmp / "cmp.mp4")
    assert proc.returncode == 0, proc.stderr
    assert probe(tmp / "cmp.mp4")["size"] == (2 * SIZE, SIZE)


def test_render_of_a_folder_that_is_no_avatar_is_a_one_line_error(tmp_path):
    proc = run_cli("avatar", "render", tmp_path, EXAMPLE_SPEECH, "-o", tmp_path / "x.mp4")
    assert proc.returncode != 0
    assert "not a trained avatar folder" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_the_reconstructed_mouth_moves_like_the_footage(avatar):
    _, out, _ = avatar
    m = json.loads((out / "metrics.json").read_text())
    print("mouth motion ratio", m["mouth_motion_ratio"])
    assert 0.2 < m["mouth_motion_ratio"] < 1.5  # 0.35 measured at 150 steps; frozen = 0


def test_region_motion_is_zero_for_a_frozen_region_and_grows_with_change():
    from talkrig.render.metrics import region_motion
    frames = np.full((6, 8, 8, 3), 0.5)
    mask = np.zeros((8, 8), bool)
    mask[2:5, 2:5] = True
    assert region_motion(frames, mask) == pytest.approx(0.0, abs=1e-12)
    frames[::2, 3, 3] = 0.8  # one pixel of the region flickers
    small = region_motion(frames, mask)
    frames[::2, 2:5, 2:5] = 0.8  # the whole region flickers
    assert 0 < small < region_motion(frames, mask)
    assert np.isnan(region_motion(frames, np.zeros((8, 8), bool)))


def test_a_clip_whose_face_the_landmark_network_cannot_find_warns_and_tracks_by_colour(avatar):
    """The synthetic head's sinusoid albedo does not look like a face to MediaPipe."""
    _, out, proc = avatar
    warning = [line for line in proc.stderr.replace("\r", "\n").splitlines()
               if "talkrig: warning:" in line]
    assert len(warning) == 1 and "found no face" in warning[0] and "clip.mp4" in warning[0]
    with np.load(out / "track.npz") as track:
        assert "landmarks" not in track.files and not track["identity"].any()


@pytest.mark.parametrize("device", ["gpu", "cuda"])
def test_a_device_this_machine_lacks_is_a_one_line_error(device, tmp_path):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    proc = run_cli("avatar", "train", EXAMPLE_SPEECH, "-o", tmp_path / "a", "--device", device)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--device" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "a").exists()


def test_a_crop_outside_the_frame_or_missing_audio_fails_before_any_work(avatar, tmp_path):
    tmp, out, _ = avatar
    proc = run_cli("avatar", "train", tmp / "clip.mp4", "-o", tmp_path / "a", "--crop", "10,10,500")
    assert proc.returncode == 2 and "falls outside the 64x64 frame" in proc.stderr
    assert "%" not in proc.stderr  # no progress bar was started
    proc = run_cli("avatar", "render", out, tmp_path / "missing.wav", "-o", tmp_path / "o.mp4")
    assert proc.returncode == 2 and "audio file not found" in proc.stderr and "%" not in proc.stderr


def test_without_torch_avatar_commands_say_what_to_install(tmp_path):
    """The plain install has no torch: a one-line hint, not an ImportError traceback."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['torch'] = None\n"  # makes `import torch` fail
            "from talkrig.cli.main import main\n"
            f"sys.exit(main(['avatar', 'train', {str(EXAMPLE_SPEECH)!r}, '-o', "
            f"{str(tmp_path / 'a')!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "pip install 'talkrig[train,video]'" in proc.stderr
