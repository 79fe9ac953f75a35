"""Push takes to a running Unreal Editor and import each into a new Level Sequence.

The heavy lifting stays out of the editor: each take becomes a key plan here
(:mod:`talkrig.unreal.keys`), travels compressed inside one remote command, and the
TalkRig plugin's ``talkrig_unreal.remote_entry.import_encoded`` applies it with the
editor's Python API and prints one result line that this module reads back.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from talkrig.errors import TalkRigError
from talkrig.unreal.keys import KeyOptions, build_plan, encode_plan
from talkrig.unreal.naming import DEFAULT_CONTROL_RIG, asset_name, check_package_dir, stem_of
from talkrig.unreal.remote import RemoteCommandError, RemoteExecution, RemoteOptions

RESULT_MARKER = "TALKRIG_RESULT "  # the editor-side entry prints this + JSON
TAKE_SUFFIXES = (".take.json", ".npz", ".controls.csv", ".csv")
BATCH_REPORT = "batch_report.json"  # written by talkrig batch beside its takes
NOT_TAKES = ("batch_report.csv", "unreal_import_report.csv")  # reports, not takes


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


@dataclass(frozen=True)
class PushItem:
    """One take to import, with what a batch manifest said about it."""

    take: Path
    actor: str = ""  # actor label ("" = the push's --actor)
    sequence: str = ""  # Level Sequence path /Game/.../Name ("" = --sequence-dir + LS_<take>)
    error: str = ""  # set when the batch could not generate this line


def find_items(path: str | os.PathLike) -> list[PushItem]:
    """What to push: a take, a folder's takes, or a ``talkrig batch`` output folder.

    A folder holding ``batch_report.json`` is pushed line by line in manifest order, with
    each line's character and sequence path; lines the batch could not generate come
    back with ``error`` set.
    """
    path = Path(path)
    report = path / BATCH_REPORT
    if path.is_dir() and report.is_file():
        try:
            lines = json.loads(report.read_text("utf-8"))["lines"]
        except (OSError, ValueError, KeyError, TypeError):
            raise TalkRigError("not a readable talkrig batch report", report) from None
        return [PushItem(Path(line["take"]), line.get("character", ""),
                         line.get("sequence", ""),
                         "" if line["status"] != "failed" else f"not generated: {line['error']}")
                for line in lines]
    return [PushItem(p) for p in find_takes(path)]


def find_takes(path: str | os.PathLike) -> list[Path]:
    """The take files at ``path``: the file itself, or a folder's takes in name order."""
    path = Path(path)
    if path.is_dir():
        takes = sorted(p for p in path.iterdir()
                       if p.is_file() and p.name.lower().endswith(TAKE_SUFFIXES)
                       and p.name.lower() not in NOT_TAKES)
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
    """Import one take, a folder of takes or a batch output folder into the running editor.

    A take that fails to read or to import is reported and the others go on; no
    editor, no connection, or a command timeout raise :class:`TalkRigError`.
    """
    check_package_dir(settings.sequence_dir)
    if settings.audio_dir:
        check_package_dir(settings.audio_dir)
    items = find_items(path)
    reports = []
    with RemoteExecution(remote or RemoteOptions.from_env()) as editor:
        for item in items:
            try:
                reports.append(_push_one(editor, item, settings, key_options))
            except RemoteCommandError as exc:
                reports.append(PushReport(str(item.take), False, error=exc.problem))
            except TalkRigError as exc:
                if exc.path == "unreal remote execution":
                    raise
                reports.append(PushReport(str(item.take), False, error=exc.message))
    return reports


def _push_one(editor: RemoteExecution, item: PushItem, settings: ImportSettings,
              key_options: KeyOptions) -> PushReport:
    from talkrig.formats import read_take

    if item.error:
        return PushReport(str(item.take), False, error=item.error)
    settings = dataclasses.replace(settings, actor=item.actor or settings.actor)
    if not settings.actor:
        raise TalkRigError("no actor to animate: pass --actor or fill the manifest's "
                           "character column", item.take)
    plan = build_plan(read_take(item.take), key_options, name=stem_of(item.take.name),
                      source=str(item.take))
    if item.sequence:
        folder, name = item.sequence.rstrip("/").rsplit("/", 1)
        settings = dataclasses.replace(settings, sequence_dir=check_package_dir(folder))
        plan = dataclasses.replace(plan, sequence_name=asset_name(name))
    result = editor.run_checked(import_command(plan.to_json(), settings), str(item.take))
    details = parse_result(result.lines()) or {}
    if not details.get("sequence"):
        return PushReport(str(item.take), False, error="the editor printed no TalkRig result "
                          "(is the TalkRig plugin enabled?)", details=details)
    return PushReport(str(item.take), True, sequence=details["sequence"], details=details)
