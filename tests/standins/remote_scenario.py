"""Run one remote-execution scenario: a stand-in editor and the real client, in one process.

Usage: ``python tests/standins/remote_scenario.py SCENARIO PORT [PATH]``; prints one JSON
line. The tests run it inside a fresh network namespace (``unshare -rn``) when they can,
so discovery traffic cannot leave the machine; otherwise on loopback with TTL 0.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: "standins" package

from standins import stage  # noqa: E402
from standins import unreal_standin as ue  # noqa: E402
from standins.editor_node import StandInEditor  # noqa: E402
from talkrig.errors import TalkRigError  # noqa: E402
from talkrig.unreal.keys import KeyOptions  # noqa: E402
from talkrig.unreal.push import ImportSettings, push  # noqa: E402
from talkrig.unreal.remote import RemoteExecution, RemoteOptions  # noqa: E402

BEHAVIOUR = {"push": "normal", "push_arkit": "normal", "cli_push": "normal", "ping": "normal",
             "raise": "normal", "push_bad_actor": "normal", "push_batch": "normal",
             "silent": "silent",
             "no_connect": "no_connect", "hang": "hang"}


def scenario(name: str, options: RemoteOptions, path: str | None) -> dict:
    settings = ImportSettings(sequence_dir="/Game/Dialogue", actor="BP_Ada")
    if name in ("push", "silent", "no_connect", "hang"):
        reports = push(path, settings, KeyOptions(target="metahuman"), options)
        return {"reports": [asdict(r) for r in reports]}
    if name == "push_batch":  # no --actor: the manifest's character column decides
        reports = push(path, ImportSettings(sequence_dir="/Game/Dialogue", actor=""),
                       KeyOptions(target="metahuman"), options)
        return {"reports": [asdict(r) for r in reports]}
    if name == "push_bad_actor":
        reports = push(path, ImportSettings(sequence_dir="/Game/Dialogue", actor="Nobody"),
                       KeyOptions(target="metahuman"), options)
        return {"reports": [asdict(r) for r in reports]}
    if name == "push_arkit":
        reports = push(path, ImportSettings(sequence_dir="/Game/Dialogue", actor="Robo"),
                       KeyOptions(target="arkit"), options)
        return {"reports": [asdict(r) for r in reports]}
    if name == "cli_push":
        from talkrig.cli.main import main

        os.environ["TALKRIG_UE_MULTICAST_PORT"] = str(options.multicast_port)
        code = main(["unreal", "push", path, "--sequence-dir", "/Game/Dialogue",
                     "--actor", "BP_Ada", "--discovery-timeout", "1"])
        return {"exit_code": code}
    if name == "ping":
        session = RemoteExecution(options)
        try:
            return {"editors": [e.data for e in session.discover()]}
        finally:
            session.close()
    if name == "raise":
        with RemoteExecution(options) as editor:
            editor.run_checked("raise ValueError('boom from the editor')", "test command")
    raise ValueError(f"unknown scenario {name}")


def main(name: str, port: int, path: str | None) -> dict:
    options = RemoteOptions(multicast_port=port, discovery_timeout_s=1.0,
                            connect_timeout_s=1.5, command_timeout_s=2.0)
    stage.build_stage()
    editor = StandInEditor(options, BEHAVIOUR[name], plugin_path=str(stage.PLUGIN_PYTHON))
    editor.start()
    started = time.monotonic()
    try:
        result = scenario(name, options, path)
    except TalkRigError as exc:
        result = {"error": exc.message, "error_type": type(exc).__name__}
    finally:
        editor.stop()
    result.update(seconds=round(time.monotonic() - started, 3), editor_errors=editor.errors,
                  commands=len(editor.commands), assets=sorted(ue.ASSETS),
                  keyed=_keyed_controls())
    return result


def _keyed_controls() -> dict:
    """Per created Level Sequence: number of keys per control (face board) or curve."""
    out = {}
    for path, asset in ue.ASSETS.items():
        if isinstance(asset, ue.LevelSequence):
            counts = {}
            for binding in asset.get_bindings():
                for track in binding.get_tracks():
                    if isinstance(track, ue.MovieSceneControlRigParameterTrack):
                        counts.update({k: len(v[0]) for k, v in
                                       track._props["control_rig"]._props["keys"].items()})
            out[path] = counts
        elif isinstance(asset, ue.AnimSequence):
            out[path] = {k: len(v[0]) for k, v in asset._props["curves"].items()}
    return out


if __name__ == "__main__":
    arg_path = sys.argv[3] if len(sys.argv) > 3 else None
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), arg_path)))
