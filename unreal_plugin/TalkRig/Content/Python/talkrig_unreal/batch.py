"""Batch import in the editor: a folder or CSV manifest -> one Level Sequence per line.

Takes are generated outside the editor's Python by ``talkrig batch`` (every CPU core,
resumable), then imported here one by one under a progress dialog. Re-running skips
lines already imported (``unreal_imports.json`` in the take folder remembers them);
a line that fails is reported and the batch goes on.
"""

import csv
import json
import os
import re

from talkrig_unreal import core_bridge
from talkrig_unreal.commands import DEFAULT_SETTINGS
from talkrig_unreal.sequencer import import_plan

BATCH_REPORT = "batch_report.json"  # written by talkrig batch
IMPORT_STATE = "unreal_imports.json"  # line name -> Level Sequence path
IMPORT_REPORT = "unreal_import_report.csv"
PARTIAL_FAILURE = 1  # talkrig batch exit code when some lines failed


LINE_DONE = re.compile(r"^\[(\d+)/(\d+)\] ")  # talkrig batch's progress: "[3/120] done: ..."
GENERATION_WORK = 1000.0  # the progress dialog's units while talkrig batch runs


def run_batch(source, outdir="", target="metahuman", actor="", sequence_dir="/Game/TalkRig"):
    """Generate takes for ``source`` with ``talkrig batch`` under a progress dialog that
    can cancel it (a re-run resumes), then import them all; [] when cancelled."""
    import unreal

    outdir = outdir or os.path.join(os.path.dirname(os.path.abspath(source)), "talkrig_takes")
    with unreal.ScopedSlowTask(GENERATION_WORK, "TalkRig: generating takes") as task:
        task.make_dialog(True)
        finished = core_bridge.run_cli_lines(["batch", source, "-o", outdir],
                                             _GenerationProgress(task).line,
                                             task.should_cancel,
                                             ok_codes=(0, PARTIAL_FAILURE))
    if not finished:
        unreal.log_warning("TalkRig batch: generation cancelled; run it again to go on "
                           "where it stopped")
        return []
    return import_batch(outdir, target, actor, sequence_dir)


class _GenerationProgress:
    """Moves a ScopedSlowTask as ``talkrig batch`` reports finished lines."""

    def __init__(self, task):
        self.task, self.shown = task, 0.0

    def line(self, text):
        found = LINE_DONE.match(text)
        if not found:
            return
        done, total = int(found.group(1)), int(found.group(2))
        target = GENERATION_WORK * done / max(total, 1)
        self.task.enter_progress_frame(max(0.0, target - self.shown),
                                       f"TalkRig: generated {done} of {total} lines")
        self.shown = max(self.shown, target)


def import_batch(outdir, target="metahuman", actor="", sequence_dir="/Game/TalkRig"):
    """Import every generated line of ``outdir/batch_report.json``; returns per-line results."""
    import unreal

    with open(os.path.join(outdir, BATCH_REPORT), encoding="utf-8") as handle:
        lines = json.load(handle)["lines"]
    state_path = os.path.join(outdir, IMPORT_STATE)
    state = _read_json(state_path)
    results = []
    with unreal.ScopedSlowTask(len(lines), "TalkRig: importing dialogue") as task:
        task.make_dialog(True)
        for line in lines:
            if task.should_cancel():
                break
            task.enter_progress_frame(1, f"TalkRig: {line['name']}")
            results.append(_import_line(line, state, target, actor, sequence_dir))
            _write_json(state_path, state)
    _write_report(os.path.join(outdir, IMPORT_REPORT), results)
    done = sum(r["status"] == "imported" for r in results)
    unreal.log(f"TalkRig batch: {done} imported, "
               f"{sum(r['status'] == 'skipped' for r in results)} skipped, "
               f"{sum(r['status'] == 'failed' for r in results)} failed of {len(lines)}")
    return results


def _import_line(line, state, target, actor, sequence_dir):
    import unreal

    result = {"line": line["number"], "name": line["name"], "status": "failed",
              "sequence": "", "error": ""}
    if line["status"] == "failed":
        result["error"] = f"generation failed: {line['error']}"
        return result
    previous = state.get(line["name"])
    if previous and unreal.EditorAssetLibrary.does_asset_exist(previous):
        result.update(status="skipped", sequence=previous)
        return result
    try:
        plan = core_bridge.plan_for_take(line["take"], target)
        folder = sequence_dir
        if line.get("sequence"):
            folder, plan["sequence_name"] = line["sequence"].rstrip("/").rsplit("/", 1)
        settings = dict(DEFAULT_SETTINGS, sequence_dir=folder,
                        actor=line.get("character") or actor)
        if not settings["actor"]:
            raise RuntimeError("no character: fill the manifest's character column or pass actor")
        made = import_plan(plan, settings)
    except Exception as exc:  # one line's failure never stops the batch
        result["error"] = str(exc)
        return result
    state[line["name"]] = made["sequence"]
    result.update(status="imported", sequence=made["sequence"])
    return result


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _write_json(path, doc):
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=1)
    os.replace(tmp, path)


def _write_report(path, results):
    tmp = path + ".part"
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["line", "name", "status", "sequence", "error"])
        writer.writeheader()
        writer.writerows(results)
    os.replace(tmp, path)
