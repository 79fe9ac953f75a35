"""Emotion expression: per-emotion ARKit-52 prototypes composed with speech.

The prototypes (``rigs/emotions.json``) come from FACS / EMFACS: happy AU6+12,
sad AU1+4+15, surprise AU1+2+5+26, fear AU1+2+4+5+7+20+26, anger AU4+5+7+23,
disgust AU9+15+16, contempt unilateral AU12+14. The emotion track is READ
Avatars' N-1 encoding (neutral = zero vector, one axis per other emotion scaled
by intensity), so the expression of a frame is ``emotion @ prototypes``.

Composition with speech is not a plain sum:

- lip closures stay closed: where speech seals the lips, any extra jaw opening
  from the emotion is matched by ``mouthClose`` and lip raising/lowering is dropped;
- jaw opening is not doubled: the jaw is the larger of speech and emotion;
- smiles do not cancel rounding: a smile shrinks on rounded lips and rounding
  shrinks only partly under a smile;
- the lower-face part of an expression is damped while the mouth articulates.

How emotion changes articulation itself (wider, faster, less jaw) happens in the
phonetic engine before this step (``articulation`` in ``rigs/emotions.json``).
"""

from __future__ import annotations

import numpy as np

from talkrig.rigs import ARKIT_INDEX

_I = ARKIT_INDEX
_LIP_OPENERS = [_I[n] for n in ("mouthLowerDownLeft", "mouthLowerDownRight",
                                "mouthUpperUpLeft", "mouthUpperUpRight")]
_SPREADERS = [_I[n] for n in ("mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft",
                              "mouthStretchRight", "mouthDimpleLeft", "mouthDimpleRight")]
_ROUNDERS = [_I[n] for n in ("mouthFunnel", "mouthPucker")]
_PRESS = [_I["mouthPressLeft"], _I["mouthPressRight"]]
_LOWER_FACE = sorted({_I[n] for n in _I if n.startswith("mouth")} | {_I["jawOpen"]})


def expression_frames(emotion: np.ndarray) -> np.ndarray:
    """Expression prototypes weighted by the emotion track.

    Parameters
    ----------
    emotion : np.ndarray, shape (T, 7)
        READ N-1 emotion vectors, axes ``talkrig.emotion.EMOTION_AXES``.

    Returns
    -------
    np.ndarray, shape (T, 52), float32
        The emotion's own ARKit expression per frame, before composition.
    """
    from talkrig.engines.phonetic.tables import emotion_table

    emotion = np.clip(np.asarray(emotion, np.float32), 0.0, 1.0)
    return np.clip(emotion @ emotion_table().prototypes, 0.0, 1.0)


def _aperture(curves: np.ndarray) -> np.ndarray:
    jaw, close = curves[:, _I["jawOpen"]], curves[:, _I["mouthClose"]]
    return np.clip(jaw - close, 0.0, 1.0) + 0.3 * curves[:, _LIP_OPENERS].mean(1) * 2.0


def apply_emotion(speech_curves: np.ndarray, emotion: np.ndarray) -> np.ndarray:
    """Compose emotion expression with speech curves.

    Parameters
    ----------
    speech_curves : np.ndarray, shape (T, 52)
        Speech-only ARKit-52 curves, canonical order.
    emotion : np.ndarray, shape (T, 7)
        READ N-1 emotion vectors, axes ``talkrig.emotion.EMOTION_AXES``
        (rows beyond T are ignored; a shorter track holds its last row).

    Returns
    -------
    np.ndarray, shape (T, 52), float32
        Speech with the expression, 0..1.
    """
    from talkrig.engines.phonetic.tables import emotion_table

    comp = emotion_table().composition
    speech = np.asarray(speech_curves, np.float32)
    emotion = np.asarray(emotion, np.float32).reshape(-1, 7)
    if len(emotion) == 0:
        return speech.copy()
    if len(emotion) < len(speech):
        emotion = np.concatenate([emotion, np.repeat(emotion[-1:], len(speech) - len(emotion), 0)])
    expr = expression_frames(emotion[: len(speech)])  # (T, 52)
    # while the mouth articulates, the expression's lower face gives way to speech
    activity = np.clip(_aperture(speech) / 0.3, 0.0, 1.0)[:, None]
    expr[:, _LOWER_FACE] *= 1.0 - (1.0 - comp["speech_lower_face_scale"]) * activity
    out = np.clip(speech + expr, 0.0, 1.0)
    # jaw: the larger of the two, never the sum
    jaw = np.maximum(speech[:, _I["jawOpen"]], expr[:, _I["jawOpen"]])
    out[:, _I["jawOpen"]] = jaw
    # lip closures stay closed
    press = speech[:, _PRESS].mean(1)
    sealed = (np.clip(press / comp["closure_press"], 0.0, 1.0)
              * np.clip(1.0 - _aperture(speech) / comp["closure_aperture"], 0.0, 1.0))
    extra_jaw = jaw - speech[:, _I["jawOpen"]]
    out[:, _I["mouthClose"]] = speech[:, _I["mouthClose"]] + sealed * extra_jaw
    out[:, _LIP_OPENERS] = speech[:, _LIP_OPENERS] + expr[:, _LIP_OPENERS] * (1.0 - sealed[:, None])
    # smiles and rounding share the lips
    rounding = np.clip(speech[:, _ROUNDERS].mean(1) / 0.5, 0.0, 1.0)[:, None]
    spread = expr[:, _SPREADERS] * (1.0 - (1.0 - comp["smile_kept_when_rounded"]) * rounding)
    out[:, _SPREADERS] = speech[:, _SPREADERS] + spread
    smile = expr[:, [_I["mouthSmileLeft"], _I["mouthSmileRight"]]].mean(1, keepdims=True)
    out[:, _ROUNDERS] = speech[:, _ROUNDERS] * (1.0 - (1.0 - comp["rounding_kept_when_smiling"]) * smile)
    out[:, _PRESS] = np.maximum(speech[:, _PRESS], expr[:, _PRESS])
    return np.clip(out, 0.0, 1.0).astype(np.float32)
