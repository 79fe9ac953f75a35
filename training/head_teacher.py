"""A trained neural-whisper head as a second teacher beside the phonetic engine.

The target becomes ``(1 - w) x the phonetic engine's curves + w x the head's curves`` on
the head's own encoder states of the same audio (cached beside each corpus by
:mod:`training.whisper_states`). Two students use it:

- a head on a smaller encoder (:mod:`training.train_whisper_head`, session 22): every
  crop is taught, on the teacher's states of the same crop and window view;
- the log-mel network (:mod:`training.train`, session 28): only the clips of the corpus
  folders named in ``teacher_folders`` are taught, on the whole clip's states, so that
  real voices whose aligned phones are poor labels (another language's lines forced
  onto an English aligner) get the curves Whisper's encoder implies instead
  (knowledge distillation into the fast network).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talkrig.model.dims import OUTPUT_FPS, WHISPER_FEATURE_FPS


def states_at_frames(states: np.ndarray, first: int, count: int) -> np.ndarray:
    """Encoder states (K, W) at 50 per second, interpolated to the 60 fps frames
    ``first .. first + count - 1`` (a crop, not the whole clip): (count, W) float32, zero
    past the clip's last state (padding, as at run time past the audio)."""
    from talkrig.take import resample_frames

    out = resample_frames(states, WHISPER_FEATURE_FPS, OUTPUT_FPS, count, first)
    out[np.arange(first, first + count) / OUTPUT_FPS * WHISPER_FEATURE_FPS >= len(states)] = 0.0
    return out


class HeadTeacher:
    """A head file (ONNX, e.g. the shipped one) and its encoder's states of the corpus.

    ``views``: per window length, per clip (corpus order), the states (K, W) the teacher
    reads, or None for a clip it does not teach.
    """

    def __init__(self, path: str | Path, weight: float, views: list[list[np.ndarray | None]]):
        from talkrig.engines.neural_whisper import shared_head

        self.model = shared_head(path, "cpu")  # the session head_teacher read the dims from
        self.weight = weight
        self.views = views

    def teaches(self, index: int) -> bool:
        """Whether clip ``index`` (corpus order) has the teacher's states."""
        return self.views[0][index] is not None

    def blend(self, target: np.ndarray, states: np.ndarray, emotion: np.ndarray) -> np.ndarray:
        """target (2B, T, 52), the teacher's states (B, T, W), emotion (2B, T, 7) -> the
        blended target (2B, T, 52): rows b and B + b share crop b's states."""
        doubled = np.concatenate([states, states])  # (2B, T, W)
        return self._mix(target, np.stack([self.model.curves(s, e)
                                           for s, e in zip(doubled, emotion)]))

    def blend_clip(self, target: np.ndarray, index: int, emotion: np.ndarray) -> np.ndarray:
        """A whole clip's target (T, 52) and emotion (T, 7) -> the blended target (T, 52),
        the head reading the clip's states in its own windows (zero past the clip)."""
        states = states_at_frames(self.views[0][index], 0, len(target))
        return self._mix(target, self.model.curves(states, emotion.astype(np.float32)))

    def _mix(self, target: np.ndarray, taught: np.ndarray) -> np.ndarray:
        """``(1 - weight) x target + weight x taught``, float32, any shape."""
        return ((1.0 - self.weight) * target + self.weight * taught).astype(np.float32)


def check_teacher(cfg, n_folders: int) -> None:
    """SystemExit with one line when the config's head teacher cannot be used."""
    if (cfg.teacher_weight or cfg.teacher_head) and not (
            0.0 < cfg.teacher_weight <= 1.0 and Path(cfg.teacher_head).is_file()):
        raise SystemExit(f"{cfg.teacher_head or 'teacher_head'}: a head teacher needs an "
                         f"existing head file and teacher_weight in (0, 1], got "
                         f"{cfg.teacher_weight}")
    outside = [i for i in cfg.teacher_folders if not 0 <= i < n_folders]
    if outside:
        raise SystemExit(f"teacher_folders {list(cfg.teacher_folders)}: the corpus has "
                         f"{n_folders} folders (0 to {n_folders - 1})")


def clip_count(folder: Path) -> int:
    """How many clips a corpus folder holds (without reading their audio)."""
    return len(np.load(Path(folder) / "clips.npz")["offsets"]) - 1


def head_teacher(cfg, folders: list[Path]) -> HeadTeacher:
    """The config's ``teacher_head`` with the states of its own encoder (the packaged
    one of the Whisper model it names) cached for the taught ``folders`` (all of them
    unless ``teacher_folders`` names some), in the teacher's windows and, with
    ``second_window_s``, in the second view's."""
    from talkrig.engines.neural_whisper import shared_head
    from talkrig.whisper_encoder import WhisperEncoder, default_encoder_path
    from training.whisper_states import corpus_states, load_states

    dims = shared_head(cfg.teacher_head, "cpu").dims
    encoder = WhisperEncoder(default_encoder_path(dims.encoder), device="cpu")
    windows = [dims.window_s] + ([cfg.second_window_s] if cfg.second_window_s else [])
    taught = set(cfg.teacher_folders or range(len(folders)))

    def read(number: int, folder: Path, window_s: float) -> list[np.ndarray | None]:
        if number not in taught:
            return [None] * clip_count(folder)
        return load_states(corpus_states(folder, encoder, window_s))

    views = [[s for number, folder in enumerate(folders) for s in read(number, folder, w)]
             for w in windows]
    return HeadTeacher(cfg.teacher_head, cfg.teacher_weight, views)
