"""Batch generation: a CSV manifest or a folder of audio -> one take per line, on every core.

Manifest columns (header row, any order, names case-insensitive; only ``audio`` is
required): ``audio`` (path, relative to the manifest's folder), ``transcript`` (the
words, or a ``.txt``/``.lab`` file holding them), ``emotion`` (a spec such as
``happy:0.7``), ``character`` (the Unreal actor label to animate) and ``sequence``
(the Level Sequence to create, e.g. ``/Game/Dialogue/LS_line_001``). A folder is read
as one line per audio file (wav, flac, ogg, mp3, opus, m4a, aac), in name order.

Resumable: each finished line leaves a small state file in ``OUTDIR/.talkrig_batch/``
recording what it was made from; re-running skips lines whose take exists and whose
inputs (audio size and time, transcript, emotion, options) are unchanged. A failing
line is reported and never stops the others. ``batch_report.csv`` / ``.json`` list
every line's outcome (the Unreal plugin imports from the JSON).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from talkrig.atomic import atomic_open
from talkrig.errors import TalkRigError
from talkrig.pipeline import GenerateOptions
from talkrig.runtime import default_model_path

if TYPE_CHECKING:
    from talkrig.take import Provenance

MANIFEST_COLUMNS = ("audio", "transcript", "emotion", "character", "sequence")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus", ".m4a", ".aac")
TAKE_FORMATS = (".take.json", ".npz", ".csv", ".controls.csv")
STATE_DIR = ".talkrig_batch"  # per-line state files, inside the output folder
REPORT_CSV = "batch_report.csv"
REPORT_JSON = "batch_report.json"
REPORT_SCHEMA = "talkrig.batch_report/1"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class BatchLine:
    """One dialogue line to animate."""

    number: int  # manifest row number (header = 1) or 1-based position in the folder
    audio: str  # absolute audio path
    transcript: str = ""
    emotion: str = ""  # emotion spec; "" = the batch default
    character: str = ""  # Unreal actor label
    sequence: str = ""  # Unreal Level Sequence path
    name: str = ""  # take file stem, unique within the batch
    spot_check: bool = False  # hear it too, warn if its transcript differs (check_every)


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs."""

    workers: int = 0  # worker processes; 0 = one per CPU core
    take_format: str = ".take.json"  # output format by extension (see talkrig.formats)
    force: bool = False  # redo finished lines and replace takes this batch did not make
    generate: GenerateOptions = field(default_factory=GenerateOptions)  # per-line template
    # A manifest's transcripts can slip a row (one missing line shifts all that follow),
    # and a wrong transcript often aligns without complaint. So the phonetic engine also
    # hears the first line with a transcript and every Nth after it, and warns when the
    # words differ (GenerateOptions.check_text on those lines): about 1/N of the cost of
    # checking every line (--check-text). 0 = no spot checks.
    check_every: int = 20


@dataclass
class LineResult:
    """What happened to one line."""

    number: int
    audio: str
    name: str
    status: str  # "done", "skipped" (finished earlier) or "failed"
    take: str = ""  # output path
    error: str = ""
    seconds: float = 0.0
    character: str = ""
    sequence: str = ""
    worker: int = 0  # process id that ran the line
    warnings: str = ""  # engine warnings for this line (e.g. alignment fell back), "; "-joined
    checked: bool = False  # its transcript was compared with the words heard
    heard: str = ""  # without a transcript: the words the engine heard (check for mishearings)
    phones: str = ""  # phonetic engine: aligned, heard, recognised or silent (Provenance.phones)


@dataclass
class BatchReport:
    """Outcome of a whole batch."""

    results: list[LineResult]
    seconds: float
    workers: int

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def lines_per_second(self) -> float:
        """Lines generated (not skipped) per wall-clock second."""
        return self.count("done") / self.seconds if self.seconds > 0 else 0.0

    @property
    def processes_used(self) -> int:
        """Distinct worker processes that generated lines."""
        return len({r.worker for r in self.results if r.status == "done"})

    def summary(self) -> str:
        warned = sum(bool(r.warnings) for r in self.results if r.status == "done")
        noted = f" ({warned} with warnings: see {REPORT_CSV})" if warned else ""
        checked = sum(r.checked for r in self.results)
        heard = f"; {checked} of the transcripts checked against the words heard" \
            if checked else ""
        return (f"{len(self.results)} lines: {self.count('done')} done{noted}, "
                f"{self.count('skipped')} skipped, {self.count('failed')} failed in "
                f"{self.seconds:.1f} s ({self.lines_per_second:.2f} lines/s, "
                f"{self.workers} process{'es' if self.workers != 1 else ''})"
                f"{heard}{self._phone_sources()}")

    def _phone_sources(self) -> str:
        """"; phones: 180 aligned, 15 heard, 5 recognised" over the lines generated by
        the phonetic engine, in the order of ``PHONE_SOURCES`` ("" when none were)."""
        from collections import Counter

        from talkrig.take import PHONE_SOURCES

        counts = Counter(r.phones for r in self.results if r.status == "done" and r.phones)
        modes = sorted(counts, key=lambda m: PHONE_SOURCES.index(m)
                       if m in PHONE_SOURCES else len(PHONE_SOURCES))
        return "; phones: " + ", ".join(f"{counts[m]} {m}" for m in modes) if modes else ""


# ------------------------------------------------------------------ inputs
def read_manifest(path: str | os.PathLike) -> list[BatchLine]:
    """Lines of a CSV manifest.

    Raises
    ------
    TalkRigError
        Unreadable file, no ``audio`` column, an unknown column, or no lines.
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise TalkRigError(f"cannot read manifest: {exc}", path) from None
    if not rows:
        raise TalkRigError("manifest is empty", path)
    header = [h.strip().lower() for h in rows[0]]
    unknown = [h for h in header if h not in MANIFEST_COLUMNS]
    if unknown or "audio" not in header:
        raise TalkRigError(f"manifest columns must be among {', '.join(MANIFEST_COLUMNS)} "
                           f"(with audio); got {', '.join(rows[0])}", path)
    lines = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, (c.strip() for c in row)))
        audio = Path(cells.get("audio", ""))
        if not audio.is_absolute():
            audio = path.parent / audio
        lines.append(BatchLine(number, str(audio.resolve()),
                               _transcript_cell(cells.get("transcript", ""), path, number),
                               cells.get("emotion", ""), cells.get("character", ""),
                               cells.get("sequence", "")))
    if not lines:
        raise TalkRigError("manifest has a header but no lines", path)
    return _name_lines(lines)


def _transcript_cell(cell: str, manifest: Path, number: int) -> str:
    """A manifest's transcript: the cell's words, or the text of the file it names
    (relative to the manifest's folder)."""
    from talkrig.phones.transcript import (SIDECAR_EXTENSIONS, looks_like_file_name,
                                           read_transcript)

    if not looks_like_file_name(cell):
        return cell
    file = Path(cell) if Path(cell).is_absolute() else manifest.parent / cell
    if file.suffix.lower() not in SIDECAR_EXTENSIONS:
        raise TalkRigError(f"line {number}: transcript file {cell} is not a "
                           f"{'/'.join(SIDECAR_EXTENSIONS)} file", manifest)
    if not file.is_file():
        raise TalkRigError(f"line {number}: transcript file not found: {cell}", manifest)
    return read_transcript(file)


def lines_from_folder(folder: str | os.PathLike) -> list[BatchLine]:
    """One line per audio file in ``folder`` (not recursive), in name order."""
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise TalkRigError(f"folder holds no audio ({', '.join(AUDIO_SUFFIXES)})", folder)
    return _name_lines([BatchLine(i, str(p.resolve())) for i, p in enumerate(files, start=1)])


def load_lines(source: str | os.PathLike) -> list[BatchLine]:
    """Lines of a manifest CSV or an audio folder."""
    source = Path(source)
    if source.is_dir():
        return lines_from_folder(source)
    if not source.exists():
        raise TalkRigError("no such manifest or folder", source)
    return read_manifest(source)


def mark_spot_checks(lines: list[BatchLine], every: int) -> list[BatchLine]:
    """``lines`` with ``spot_check`` set on the first with a transcript and every
    ``every``-th after it (none when ``every`` is 0)."""
    if every <= 0:
        return lines
    with_text = [line.name for line in lines if line.transcript.strip()]
    picked = set(with_text[::every])
    return [dataclasses.replace(line, spot_check=line.name in picked) for line in lines]


def _name_lines(lines: list[BatchLine]) -> list[BatchLine]:
    """Give each line a unique, file-safe take name (from its sequence, else its audio)."""
    seen: set[str] = set()
    out = []
    for line in lines:
        base = line.sequence.rstrip("/").rsplit("/", 1)[-1] if line.sequence else \
            Path(line.audio).stem
        name = _UNSAFE_NAME.sub("_", base).strip("_.") or "line"
        if name.lower() in seen:
            name = f"{name}_L{line.number}"
        seen.add(name.lower())
        out.append(dataclasses.replace(line, name=name))
    return out


# ------------------------------------------------------------------ one line
def line_signature(line: BatchLine, options: BatchOptions) -> str:
    """Hash of everything a line's take depends on: the audio file, text, emotion, options,
    the TalkRig and engine versions and, for the neural engines, the model files (a model
    replaced under the same name remakes the takes)."""
    from talkrig import __version__
    from talkrig.engines import engine_version

    engine = options.generate.engine
    doc = {"audio": _file_identity(line.audio), "text": line.transcript,
           "emotion": line.emotion, "format": options.take_format,
           "generate": repr(options.generate), "talkrig": __version__,
           "engine": engine_version(engine)}
    if engine == "neural":
        doc["model"] = _file_identity(options.generate.model or default_model_path())
    elif engine == "neural-whisper":
        from talkrig.engines.neural_whisper import default_head_path
        from talkrig.whisper_encoder import default_encoder_path

        doc["model"] = _file_identity(options.generate.model or default_head_path())
        doc["encoder"] = _file_identity(default_encoder_path())
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _file_identity(path: str | os.PathLike) -> list:
    """``[path, size, mtime]``, enough to tell a file was replaced; sizes None if absent."""
    try:
        stat = os.stat(path)
    except OSError:
        return [str(path), None, None]
    return [str(path), stat.st_size, stat.st_mtime_ns]


def run_line(line: BatchLine, outdir: str, options: BatchOptions) -> LineResult:
    """Generate one line's take (in a worker process); never raises."""
    started = time.perf_counter()
    take_path = Path(outdir) / f"{line.name}{options.take_format}"
    state_path = Path(outdir) / STATE_DIR / f"{line.name}.json"
    result = LineResult(line.number, line.audio, line.name, "failed", str(take_path),
                        character=line.character, sequence=line.sequence, worker=os.getpid())
    try:
        signature = line_signature(line, options)
        state = _read_state(state_path)
        if not options.force and state.get("signature") == signature and take_path.exists():
            result.status = "skipped"
            return result
        ours = state.get("take") == str(take_path)
        if take_path.exists() and not (ours or options.force):
            raise TalkRigError("take file exists and was not made by this batch "
                               "(use --force to replace it)", take_path)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            provenance, result.checked = _generate(line, take_path, options,
                                                   replace=take_path.exists())
            result.heard, result.phones = provenance.heard or "", provenance.phones or ""
        result.warnings = "; ".join(dict.fromkeys(str(w.message) for w in caught))
        with atomic_open(state_path, "w", force=True, encoding="utf-8") as handle:
            json.dump({"signature": signature, "take": str(take_path),
                       "audio": line.audio}, handle)
        result.status = "done"
    except TalkRigError as exc:
        result.error = exc.message
    except Exception as exc:  # a bug on one line must not stop the batch
        result.error = f"internal error: {type(exc).__name__}: {exc}"
    finally:
        result.seconds = round(time.perf_counter() - started, 4)
    return result


def _generate(line: BatchLine, take_path: Path, options: BatchOptions,
              replace: bool) -> tuple[Provenance, bool]:
    """Write the line's take; returns its provenance and whether its transcript was
    checked against the words heard."""
    from talkrig.formats import write_take
    from talkrig.pipeline import generate

    if not Path(line.audio).is_file():
        raise TalkRigError("audio file not found", line.audio)
    template = options.generate
    check = _checks_transcript(line, template)
    gen = dataclasses.replace(template, emotion=line.emotion or template.emotion,
                              text=line.transcript or template.text, check_text=check)
    take = generate(line.audio, gen)
    write_take(take, take_path, force=replace)
    return take.provenance, check


def _checks_transcript(line: BatchLine, template: GenerateOptions) -> bool:
    """Whether the phonetic engine hears ``line`` to check its transcript: every line
    with --check-text, spot-checked ones unless --phones-only, and only with Whisper."""
    from talkrig.phones import whisper_words

    wanted = template.check_text or (line.spot_check and template.hear_words)
    return (wanted and template.engine == "phonetic" and bool(line.transcript or template.text)
            and whisper_words.available())


def _read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


# ------------------------------------------------------------------ the batch
def check_batch_options(options: BatchOptions) -> None:
    """Refuse settings every line would fail on, before any line runs (one-line errors)."""
    from talkrig.emotion import parse_emotion
    from talkrig.pipeline import check_fps
    from talkrig.retarget import load_retarget

    if options.take_format not in TAKE_FORMATS:
        raise TalkRigError(f"take format must be one of {', '.join(TAKE_FORMATS)}", "--format")
    if not isinstance(options.workers, int) or options.workers < 0:
        raise TalkRigError(f"must be 0 (one per CPU core) or more, got {options.workers!r}",
                           "--workers")
    template = options.generate
    check_fps(template.fps)
    parse_emotion(template.emotion, template.emotion_transition_s)
    load_retarget(template.rig, template.flame_map)


def run_batch(source: str | os.PathLike, outdir: str | os.PathLike,
              options: BatchOptions = BatchOptions(),
              progress: Callable[[LineResult, int, int], None] | None = None) -> BatchReport:
    """Generate every line of ``source`` into ``outdir``; write the reports there.

    Parameters
    ----------
    progress : callable, optional
        Called as ``progress(result, done_count, total)`` after each line.
    """
    check_batch_options(options)
    lines = mark_spot_checks(load_lines(source), options.check_every)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise TalkRigError("exists and is not a folder (the batch writes a folder of takes)",
                           outdir)
    try:
        (outdir / STATE_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TalkRigError(f"cannot create the output folder: {exc.strerror}", outdir) from None
    workers = min(options.workers or os.cpu_count() or 1, len(lines))
    started = time.perf_counter()
    results: list[LineResult] = []

    def finished(result: LineResult) -> None:
        results.append(result)
        if progress:
            progress(result, len(results), len(lines))

    if workers == 1:
        for line in lines:
            finished(run_line(line, str(outdir), options))
    else:
        # spawned, not forked: a fork of a process whose OpenMP pool already ran (Whisper's
        # CTranslate2, after a first line in this process) deadlocks in the child
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                                 mp_context=context) as pool:
            futures = [pool.submit(run_line, line, str(outdir), options) for line in lines]
            for future in as_completed(futures):
                finished(future.result())
    results.sort(key=lambda r: r.number)
    report = BatchReport(results, time.perf_counter() - started, workers)
    write_reports(report, outdir)
    return report


def _worker_start() -> None:
    """Worker start-up: one onnxruntime and one Whisper thread per worker (the workers fill
    the cores); engine warnings go to each line's report, not to the terminal."""
    import logging

    from talkrig.runtime import THREADS_ENV

    os.environ.setdefault(THREADS_ENV, "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # Whisper's CTranslate2 threads too
    logging.getLogger("talkrig").addHandler(logging.NullHandler())


def write_reports(report: BatchReport, outdir: Path) -> None:
    """``batch_report.csv`` (for people) and ``batch_report.json`` (for the Unreal plugin)."""
    rows = [asdict(r) for r in report.results]
    columns = list(rows[0]) if rows else [f.name for f in dataclasses.fields(LineResult)]
    with atomic_open(outdir / REPORT_CSV, "w", force=True, newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    doc = {"schema": REPORT_SCHEMA, "summary": report.summary(), "seconds": report.seconds,
           "workers": report.workers, "lines": rows}
    with atomic_open(outdir / REPORT_JSON, "w", force=True, encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
