"""PhoneticEngine: phones (aligned, from heard words, or recognised) -> curves_from_phones."""

from __future__ import annotations

import functools

import numpy as np

from talkrig.engines.base import EngineRequest, ProgressFn
from talkrig.engines.phonetic.coarticulation import VOWEL_MARGIN_S, curves_from_phones
from talkrig.engines.phonetic.head_ceiling import HeadCeiling
from talkrig.engines.phonetic.acoustic import (MAX_APERTURE_SPEED, closure_evidence,
                                               fill_loud_silences)
from talkrig.engines.phonetic.lipstate import lip_state_controls
from talkrig.engines.phonetic.loudness import loudness_envelope
from talkrig.engines.phonetic.phone_source import (RECOGNITION_MODES, phones_for,
                                                    silence_where_silent)
from talkrig.phones import Phone

ENGINE_VERSION = "1.7.0"
PHONE_SHARE = 0.8  # fraction of the work spent finding phones (for progress bars)


@functools.lru_cache(maxsize=1)
def hearing_suffix() -> str:
    """What the engine's version says of the words it hears: "" without the asr extra,
    "+whisper-base" where Whisper runs in int8, "+whisper-base-onnx-float32-encoder" on
    CPUs whose int8 products saturate, where its encoder runs in float32 in onnxruntime
    and the words heard may differ (``whisper_words.compute_type``): takes and batch
    resume tell them apart."""
    from talkrig.phones import whisper_words

    if not whisper_words.available():
        return ""
    encoder = whisper_words.compute_type()
    return f"+{whisper_words.MODEL_NAME}" + (
        "" if encoder == whisper_words.DECODER_COMPUTE_TYPE
        else f"-{whisper_words.ENCODER_RUNTIME[encoder]}-encoder")


class PhoneticEngine:
    """Lip sync from the phones actually spoken (aligned, heard or recognised: see
    :mod:`talkrig.engines.phonetic.phone_source`), with coarticulation and the emotion
    layer.

    Parameters
    ----------
    use_loudness : bool
        Scale jaw opening with the loudness envelope (JALI-style jaw intensity).
    acoustic_closures : bool
        Without a transcript (words heard or phones recognised), close the lips where
        the 1-3.5 kHz band dips (see :mod:`talkrig.engines.phonetic.acoustic`), scale
        the mouth's opening by acoustic lip-state posteriors and keep it from shutting
        where the audio sounds like a vowel (:mod:`talkrig.engines.phonetic.lipstate`).
    lipstate_model : LipStateModel, optional
        The lip-state model to use; None = the shipped ``rigs/lipstate.json`` (another
        one is for cross-validation, see ``bench/heldout_speech.py --cv``).
    hear_words : bool
        Without a transcript, align the words Whisper hears (``asr`` extra installed;
        see :mod:`talkrig.phones.whisper_words`) before falling back to recognising
        phones one by one. False: phones only, as engines before 1.3 did.
    check_text : bool
        With a transcript, also hear the words (``asr`` extra) and warn when they
        differ from it; the transcript is still followed.
    """

    name = "phonetic"
    version = ENGINE_VERSION  # + hearing_suffix() per instance that hears words

    def __init__(self, use_loudness: bool = True, acoustic_closures: bool = True,
                 lipstate_model=None, hear_words: bool = True, check_text: bool = False):
        self.use_loudness = use_loudness
        self.acoustic_closures = acoustic_closures
        self.lipstate_model = lipstate_model
        self.hear_words = hear_words
        self.check_text = check_text
        self.version = ENGINE_VERSION + (hearing_suffix() if hear_words else "")
        self.last_mode: str | None = None  # FoundPhones.mode, for reports and provenance
        self.last_heard: str | None = None  # the words heard in "heard" mode

    def animate(self, request: EngineRequest, progress: ProgressFn | None = None) -> np.ndarray:
        """ARKit-52 curves for ``request``, shape (request.n_frames, 52), float32."""
        if progress:
            progress(0.0)
        phone_progress = (lambda f: progress(PHONE_SHARE * f)) if progress else None
        ceiling = HeadCeiling() if self.acoustic_closures else None
        phones, self.last_mode, self.last_heard = phones_for(
            request.audio, request.text, phone_progress, self.hear_words, self.check_text,
            on_encoded=ceiling)
        phones = silence_where_silent(phones, request.audio)
        if progress:
            progress(PHONE_SHARE)
        n = request.n_frames
        loud = loudness_envelope(request.audio, n, request.fps) if self.use_loudness else None
        phones, controls = self._acoustic_controls(request, phones)
        if self.last_mode == "heard" and ceiling is not None and controls:
            # the neural-whisper head's opinion of the mouth, read from the encoding
            # Whisper made while hearing: dev AUC 0.946 -> 0.954 (docs/phonetic.md)
            controls["aperture_ceiling"] = ceiling.ceiling(n, request.fps)
        curves = curves_from_phones(phones, n, request.fps, request.emotion, loud, **controls)
        if progress:
            progress(1.0)
        return curves

    def _acoustic_controls(self, request: EngineRequest,
                           phones: list[Phone]) -> tuple[list[Phone], dict]:
        """Without a transcript, what the audio itself says about the mouth: the phones
        (loud pauses of recognised phones filled) and the keyword arguments of
        ``curves_from_phones`` (closure evidence, lip-state gain and floor, the speed
        limit, the margin the gate leaves around aligned vowels). With one: none."""
        if self.last_mode not in RECOGNITION_MODES or not self.acoustic_closures:
            return phones, {}
        audio, n, fps = request.audio, request.n_frames, request.fps
        gain, floor = lip_state_controls(audio, phones, n, fps, self.lipstate_model)
        if self.last_mode == "recognised":
            # the phone loop calls speech silence; aligned words account for the
            # speech, so their loud pauses are breaths and noise (rest 0.954 ->
            # 0.979 on dev, 0.576 -> 0.636 held out, nothing else moved)
            phones = fill_loud_silences(phones, audio)
        return phones, {
            "closure": closure_evidence(audio, n, fps),
            "aperture_gain": gain, "aperture_floor": floor,
            "max_aperture_speed": MAX_APERTURE_SPEED,  # the gates scale frame by frame
            # aligned words' vowels are off by some 20 ms at most; recognised ones may
            # not be there at all
            "vowel_margin_s": VOWEL_MARGIN_S if self.last_mode == "heard" else 0.0,
        }
