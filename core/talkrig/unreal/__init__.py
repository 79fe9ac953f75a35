"""Unreal Engine side of TalkRig that runs anywhere: no ``unreal`` import here.

- :mod:`talkrig.unreal.frames`: frame rates as fractions, frame numbers at a tick resolution.
- :mod:`talkrig.unreal.board`: MetaHuman face-board controls from ``CTRL_expressions_*`` curves.
- :mod:`talkrig.unreal.keys`: a Take -> a key plan (per-control key arrays) for the editor.
- :mod:`talkrig.unreal.naming`: Unreal asset names that never overwrite.
- :mod:`talkrig.unreal.remote`: client for the Python Editor Script Plugin's remote execution.
- :mod:`talkrig.unreal.push`: send takes to a running editor and import them there.

The editor-side plugin (``unreal_plugin/``) consumes the key plans built here.
"""
