"""Animation engines: audio + emotion track + fps -> canonical ARKit-52 curves.

Engines are looked up by name and imported lazily, so the CLI starts fast and
an engine's heavy dependencies load only when it is used.
"""

from __future__ import annotations

import importlib

from talkrig.engines.base import Engine, EngineRequest
from talkrig.errors import TalkRigError

# name -> "module:class"; the module is imported on first use.
ENGINES: dict[str, str] = {
    "energy": "talkrig.engines.energy:EnergyEngine",
    "phonetic": "talkrig.engines.phonetic:PhoneticEngine",
    "neural": "talkrig.engines.neural:NeuralEngine",
    "neural-whisper": "talkrig.engines.neural_whisper:WhisperNeuralEngine",
}
DEFAULT_ENGINE = "phonetic"  # best on the evaluation until the neural engine wins (README)
TRANSCRIPT_ENGINES = frozenset({"phonetic"})  # the engines that use EngineRequest.text


def available_engines() -> list[str]:
    """Engine names whose modules exist in this install."""
    names = []
    for name, target in ENGINES.items():
        module = target.split(":")[0]
        if importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


def engine_version(name: str) -> str:
    """The version an engine class records in its takes, without building the engine
    ("" for an unknown name, or an engine whose version comes from its model file)."""
    if name not in ENGINES:
        return ""
    module_name, class_name = ENGINES[name].split(":")
    version = getattr(getattr(importlib.import_module(module_name), class_name), "version", "")
    return version if isinstance(version, str) else ""


def get_engine(name: str, **options) -> Engine:
    """Instantiate the engine called ``name``.

    Raises
    ------
    TalkRigError
        For an unknown engine name.
    """
    if name not in ENGINES or name not in available_engines():
        raise TalkRigError(f"unknown engine {name!r} (choose from: "
                           f"{', '.join(available_engines())})", "--engine")
    module_name, class_name = ENGINES[name].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(**options)


__all__ = ["ENGINES", "DEFAULT_ENGINE", "TRANSCRIPT_ENGINES", "Engine", "EngineRequest",
           "available_engines", "engine_version", "get_engine"]
