"""Take metadata <-> JSON-able dict, shared by the JSON and NPZ formats."""

from __future__ import annotations

from talkrig.errors import TalkRigError
from talkrig.take import AudioSource, Provenance

TAKE_SCHEMA = "talkrig.take/1"  # bump the number on any incompatible change


def meta_to_dict(take) -> dict:
    """Everything in a take except its arrays."""
    audio = take.audio
    prov = take.provenance
    return {
        "schema": TAKE_SCHEMA,
        "fps": take.fps,
        "rig": take.rig,
        "channels": list(take.channels),
        "frames": take.n_frames,
        "start_time_s": take.start_time_s,
        "emotion": take.emotion,
        "audio": None if audio is None else {
            "path": audio.path, "sha256": audio.sha256, "duration_s": audio.duration_s},
        "provenance": {"engine": prov.engine, "model_version": prov.model_version,
                       "seed": prov.seed, "talkrig_version": prov.talkrig_version,
                       "text": prov.text, "heard": prov.heard,
                       "phones": prov.phones},
    }


def meta_from_dict(doc: dict, source) -> dict:
    """Validated keyword arguments for :class:`Take` (without arrays)."""
    if not isinstance(doc, dict):
        raise TalkRigError("take metadata must be a JSON object", source)
    schema = doc.get("schema")
    if schema != TAKE_SCHEMA:
        raise TalkRigError(f"unsupported take schema {schema!r} (this TalkRig reads "
                           f"{TAKE_SCHEMA})", source)
    for key in ("fps", "channels"):
        if key not in doc:
            raise TalkRigError(f"missing field {key!r}", source)
    channels = doc["channels"]
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise TalkRigError("'channels' must be a list of names", source)
    try:
        fps = float(doc["fps"])
        start = float(doc.get("start_time_s", 0.0))
    except (TypeError, ValueError):
        raise TalkRigError("'fps' and 'start_time_s' must be numbers", source) from None
    audio = doc.get("audio")
    prov = doc.get("provenance") or {}
    if not isinstance(prov, dict) or not isinstance(audio, (dict, type(None))):
        raise TalkRigError("'audio' and 'provenance' must be JSON objects", source)
    emotion = doc.get("emotion")
    if emotion is not None:
        from talkrig.emotion import track_from_json

        if not isinstance(emotion, dict):
            raise TalkRigError("'emotion' must be an emotion track object or null", source)
        track_from_json(emotion, source)  # a one-line error if it is not a valid track
    try:
        audio_src = None if audio is None else AudioSource(
            str(audio["path"]), str(audio["sha256"]), float(audio["duration_s"]))
        provenance = Provenance(str(prov.get("engine", "unknown")),
                                str(prov.get("model_version", "")), int(prov.get("seed", 0)),
                                str(prov.get("talkrig_version", "")), prov.get("text"),
                                prov.get("heard"), prov.get("phones"))
    except (KeyError, TypeError, ValueError) as exc:
        raise TalkRigError(f"malformed 'audio' or 'provenance' field ({exc})", source) from None
    return {"fps": fps, "channels": tuple(channels), "rig": str(doc.get("rig", "custom")),
            "emotion": emotion, "audio": audio_src, "provenance": provenance,
            "start_time_s": start}
