"""Push takes to a running Unreal Editor and import each into a new Level Sequence.

The heavy lifting stays out of the editor: each take becomes a key plan here
(:mod:`talkrig.unreal.keys`), travels compressed inside one remote command, and the
TalkRig plugin's ``talkrig_unreal.remote_entry.import_encoded`` applies it with the
editor's Python API and prints one result line that this module reads back.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from talkrig.errors import TalkRigError
from talkrig.unreal.keys import KeyOptions, build_plan, encode_plan
from talkrig.unreal.naming import DEFAULT_CONTROL_RIG, check_package_dir, stem_of
from talkrig.unreal.remote import RemoteCommandError, RemoteExecution, RemoteOptions

RESULT_MARKER = "TALKRIG_RESULT "  # the editor-side entry prints this + JSON
TAKE_SUFFIXES = (".take.json", ".npz", ".controls.csv", ".csv")


@dataclass(frozen=True)
class ImportSettings:
    """How the editor imports a plan (sent with each command; read by ``talkrig_unreal``)."""

    sequence_dir: str = "/Game/TalkRig"  # content folder for new Level Sequences
    actor: str = ""  # label of the level actor to bind ("" = no binding, keys skipped)
    control_rig: str = DEFAULT_CONTROL_RIG  # MetaHuman face board Control Rig asset
    face_component: str = "Face"  # MetaHuman face skeletal mesh component name
    audio_dir: str = ""  # content folder for SoundWaves ("" = sequence_dir)
    import_audio: bool = True  # import the take's audio and add an audio track

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class PushReport:
    """Outcome of one take."""

    take: str
    ok: bool
    sequence: str = ""  # created asset path
    error: str = ""
    details: dict = field(default_factory=dict)


def find_takes(path: str | os.PathLike) -> list[Path]:
    """The take files at ``path``: the file itself, or a folder's takes in name order."""
    path = Path(path)
    if path.is_dir():
        takes = sorted(p for p in path.iterdir()
                       if p.is_file() and p.name.lower().endswith(TAKE_SUFFIXES))
        if not takes:
            raise TalkRigError("folder holds no takes (.take.json, .npz, .csv)", path)
        return takes
    if not path.exists():
        raise TalkRigError("no such file or folder", path)
    return [path]


def import_command(plan_json: dict, settings: ImportSettings) -> str:
    """The Python source the editor runs for one take."""
    return ("import talkrig_unreal.remote_entry as _talkrig_entry\n"
            f"_talkrig_entry.import_encoded({encode_plan(plan_json)!r}, "
            f"{json.dumps(settings.to_json())!r})\n")


def parse_result(lines: list[str]) -> dict | None:
    """The JSON the editor-side entry printed, if any."""
    for line in reversed(lines):
        for part in line.splitlines():
            if part.startswith(RESULT_MARKER):
                return json.loads(part[len(RESULT_MARKER):])
    return None


def push(path: str | os.PathLike, settings: ImportSettings = ImportSettings(),
         key_options: KeyOptions = KeyOptions(),
         remote: RemoteOptions | None = None) -> list[PushReport]:
    """Import one take or a folder of takes into the running editor.

    A take that fails to read or to import is reported and the others go on; no
    editor, no connection, or a command timeout raise :class:`TalkRigError`.
    """
    from talkrig.formats import read_take

    check_package_dir(settings.sequence_dir)
    if settings.audio_dir:
        check_package_dir(settings.audio_dir)
    takes = find_takes(path)
    reports = []
    with RemoteExecution(remote or RemoteOptions.from_env()) as editor:
        for take_path in takes:
            try:
                take = read_take(take_path)
                plan = build_plan(take, key_options, name=stem_of(take_path.name),
                                  source=str(take_path))
                result = editor.run_checked(import_command(plan.to_json(), settings),
                                            str(take_path))
            except RemoteCommandError as exc:
                reports.append(PushReport(str(take_path), False, error=exc.problem))
                continue
            except TalkRigError as exc:
                if exc.path == "unreal remote execution":
                    raise
                reports.append(PushReport(str(take_path), False, error=exc.message))
                continue
            details = parse_result(result.lines()) or {}
            reports.append(PushReport(str(take_path), bool(details.get("sequence")),
                                      sequence=details.get("sequence", ""),
                                      error="" if details.get("sequence") else
                                      "the editor printed no TalkRig result (is the TalkRig "
                                      "plugin enabled?)", details=details))
    return reports
