"""The viseme and emotion tables of ``rigs/visemes.json`` and ``rigs/emotions.json`` as arrays."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from talkrig.errors import TalkRigError
from talkrig.rigs import ARKIT52, ARKIT_INDEX

VISEME_SCHEMA = "talkrig.visemes/1"
EMOTION_SCHEMA = "talkrig.emotions/1"
GROUPS = ("jaw", "lips", "shape", "tongue")  # coarticulation channel groups


def _load(name: str, schema: str) -> dict:
    text = resources.files("talkrig.rigdata").joinpath(name).read_text("utf-8")
    doc = json.loads(text)
    if doc.get("schema") != schema:
        raise TalkRigError(f"schema is {doc.get('schema')!r}, expected {schema}", f"rigs/{name}")
    return doc


def _vector(targets: dict[str, float], where: str) -> np.ndarray:
    vec = np.zeros(len(ARKIT52), dtype=np.float32)
    for channel, value in targets.items():
        if channel not in ARKIT_INDEX:
            raise TalkRigError(f"unknown ARKit channel {channel!r}", where)
        vec[ARKIT_INDEX[channel]] = value
    return vec


@dataclass(frozen=True, eq=False)
class VisemeTable:
    """Phone targets and coarticulation parameters.

    Attributes
    ----------
    labels : tuple of str
        ARPAbet phones (and ``SIL``), length P.
    targets : np.ndarray, shape (P, 52)
        Viseme target of each phone, canonical ARKit order.
    dominance : np.ndarray, shape (P, G)
        Dominance strength of each phone for each channel group (G = len(GROUPS)).
    channels : np.ndarray, shape (C,), int
        ARKit indices of the C channels speech animates.
    channel_group : np.ndarray, shape (C,), int
        Group of each animated channel.
    tau_anticipation, tau_carryover : np.ndarray, shape (G,)
        Dominance decay time constants in seconds, before and after a phone.
    """

    labels: tuple[str, ...]
    index: dict[str, int]
    classes: tuple[str, ...]
    targets: np.ndarray
    dominance: np.ndarray
    channels: np.ndarray
    channel_group: np.ndarray
    tau_anticipation: np.ndarray
    tau_carryover: np.ndarray
    plateau_fraction: float
    splits: dict[str, tuple[tuple[str, float], ...]]
    closure: dict
    rest: dict
    scaling: dict

    @functools.cached_property
    def classes_array(self) -> np.ndarray:
        """``classes`` as an array, shape (P,)."""
        return np.array(self.classes)


@functools.lru_cache(maxsize=None)
def viseme_table() -> VisemeTable:
    """The parsed ``rigs/visemes.json`` (cached)."""
    doc = _load("visemes.json", VISEME_SCHEMA)
    labels = tuple(doc["phones"])
    targets = np.stack([_vector(doc["phones"][p]["targets"], f"rigs/visemes.json: {p}")
                        for p in labels])
    classes = tuple(doc["phones"][p]["class"] for p in labels)
    dom_classes = doc["dominance_classes"]
    dominance = np.array([[dom_classes[c][g] for g in GROUPS] for c in classes], np.float32)
    channels, groups = [], []
    for g, group in enumerate(GROUPS):
        for name in doc["groups"][group]:
            channels.append(ARKIT_INDEX[name])
            groups.append(g)
    ms = 1e-3
    tc = doc["time_constants_ms"]
    splits = {p: tuple((a, float(f)) for a, f in doc["phones"][p]["split"])
              for p in labels if "split" in doc["phones"][p]}
    return VisemeTable(
        labels=labels, index={p: i for i, p in enumerate(labels)}, classes=classes,
        targets=targets, dominance=dominance,
        channels=np.array(channels), channel_group=np.array(groups),
        tau_anticipation=np.array([tc[g]["anticipation"] * ms for g in GROUPS], np.float32),
        tau_carryover=np.array([tc[g]["carryover"] * ms for g in GROUPS], np.float32),
        plateau_fraction=float(doc["plateau_fraction"]), splits=splits,
        closure=doc["closure"], rest=doc["rest"], scaling=doc["scaling"])


@dataclass(frozen=True, eq=False)
class EmotionTable:
    """Expression prototypes and articulation gains, one row per emotion axis.

    Attributes
    ----------
    prototypes : np.ndarray, shape (7, 52)
        Full-intensity ARKit expression of each emotion axis.
    articulation : np.ndarray, shape (7, 5)
        Gains (jaw, lips, spread, round, time) at full intensity.
    composition : dict
        Composition constants (see ``rigs/emotions.json``).
    """

    axes: tuple[str, ...]
    prototypes: np.ndarray
    articulation: np.ndarray
    composition: dict


ARTICULATION_KEYS = ("jaw", "lips", "spread", "round", "time")


@functools.lru_cache(maxsize=None)
def emotion_table() -> EmotionTable:
    """The parsed ``rigs/emotions.json`` (cached), rows in ``EMOTION_AXES`` order."""
    from talkrig.emotion import EMOTION_AXES

    doc = _load("emotions.json", EMOTION_SCHEMA)
    protos = np.stack([_vector(doc["prototypes"][e]["targets"], f"rigs/emotions.json: {e}")
                       for e in EMOTION_AXES])
    artic = np.array([[doc["articulation"][e][k] for k in ARTICULATION_KEYS]
                      for e in EMOTION_AXES], np.float32)
    return EmotionTable(axes=tuple(EMOTION_AXES), prototypes=protos, articulation=artic,
                        composition=doc["composition"])
