"""TalkRig: speech audio + emotion -> facial animation curves.

Kept light on purpose: importing ``talkrig`` loads no heavy dependency (no torch,
no onnxruntime, no bpy). Import submodules for functionality, e.g.
``from talkrig.pipeline import generate``.
"""

__version__ = "0.1.0"
