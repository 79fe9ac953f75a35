"""Reach the TalkRig core: in-process when ``talkrig`` imports, else the ``talkrig`` CLI.

The editor's Python may not have the ``talkrig`` package (it needs numpy and friends).
Then every core job runs as a subprocess of the ``talkrig`` command found on PATH or
named by the ``TALKRIG_CLI`` environment variable (e.g. a venv's ``bin/talkrig``).
"""

import json
import os
import shutil
import subprocess
import tempfile

CLI_WARNING = "talkrig: warning: "  # how the CLI starts a warning line on stderr
STDERR_WAIT_S = 10.0  # after the CLI exits, how long its last error lines may take


def core_available():
    """True when the ``talkrig`` package imports in this Python."""
    try:
        import talkrig.unreal.keys  # noqa: F401
    except ImportError:
        return False
    return True


def cli_command():
    """The ``talkrig`` executable to run, or raise RuntimeError with how to fix it."""
    exe = os.environ.get("TALKRIG_CLI") or shutil.which("talkrig")
    if not exe:
        raise RuntimeError("TalkRig core not found: install talkrig into the editor's Python "
                           "or set TALKRIG_CLI to the talkrig executable")
    return exe


def run_cli(args, ok_codes=(0,)):
    """Run ``talkrig <args>``; its stdout, or RuntimeError with its error line."""
    return _run(args, ok_codes).stdout


def run_cli_lines(args, on_line, should_cancel, ok_codes=(0,)):
    """Run ``talkrig <args>``, passing each stdout line to ``on_line`` as it comes.

    ``should_cancel()`` is asked after every line; when it says so the process is
    stopped (the CLI's jobs are resumable) and False is returned. True when it ran to
    the end with an exit code in ``ok_codes``; else RuntimeError with its error line.
    """
    import threading

    group = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if os.name == "nt"
             else {"start_new_session": True})  # so a cancel can stop its workers too
    proc = subprocess.Popen([cli_command(), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1, **group)
    errors = []
    drain = threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True)
    drain.start()  # a full stderr pipe would stall the child
    cancelled = False
    for line in proc.stdout:
        on_line(line.rstrip("\n"))
        if should_cancel():
            cancelled = True
            _stop_tree(proc)
            break
    proc.stdout.close()
    code = proc.wait()
    drain.join(timeout=STDERR_WAIT_S)
    if cancelled:
        return False
    if code not in ok_codes:
        raise _failure(args, "".join(errors))
    return True


def _stop_tree(proc):
    """Stop ``proc`` and the worker processes it started (they share its group)."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True)
        return
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:  # it had already finished
        pass


def _run(args, ok_codes):
    done = subprocess.run([cli_command(), *args], capture_output=True, text=True)
    if done.returncode not in ok_codes:
        raise _failure(args, done.stderr or done.stdout)
    return done


def _failure(args, output):
    """The RuntimeError for a failed ``talkrig <args>``: its last line of ``output``."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return RuntimeError(lines[-1] if lines else f"talkrig {' '.join(args)} failed")


def plan_for_take(take_path, target):
    """The key plan (dict) for a take file."""
    if core_available():
        from talkrig.formats import read_take
        from talkrig.unreal.keys import KeyOptions, build_plan
        from talkrig.unreal.naming import stem_of

        take = read_take(take_path)
        return build_plan(take, KeyOptions(target=target), name=stem_of(take_path),
                          source=take_path).to_json()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "plan.json")
        run_cli(["unreal", "plan", take_path, "-o", out, "--target", target])
        with open(out, encoding="utf-8") as handle:
            return json.load(handle)


def generate_take(audio_path, take_path, emotion="neutral", text="", head_motion=False):
    """Generate a take file from audio (core API in-process, else ``talkrig generate``).

    ``head_motion`` adds subtle head rotation following the speech (keyed on the arkit
    target as Live Link Face's HeadYaw/HeadPitch/HeadRoll curves).

    Returns the warnings about the audio and the engine (clipping, a transcript that
    could not be aligned, ...) as a list of one-line strings.
    """
    if core_available():
        from talkrig.formats import write_take
        from talkrig.motion import MotionOptions
        from talkrig.pipeline import GenerateOptions, generate_noting

        options = GenerateOptions(emotion=emotion, text=text or None,
                                  motion=MotionOptions(head_motion=head_motion))
        take, notes = generate_noting(audio_path, options)
        write_take(take, take_path)
        return list(notes)
    args = ["generate", audio_path, "-o", take_path, "--emotion", emotion]
    if text:
        args += ["--text", text]
    if head_motion:
        args.append("--head-motion")
    lines = _run(args, (0,)).stderr.splitlines()
    about_file = f"{audio_path}: "  # the CLI names the file; the caller does that here
    return [line[len(CLI_WARNING):].removeprefix(about_file) for line in lines
            if line.startswith(CLI_WARNING)]
