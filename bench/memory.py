"""Peak resident memory of the current process, for the benchmarks' memory figures.

``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is the process's peak over its whole life,
and on Linux a child started by fork and exec (``subprocess``, a ``spawn`` pool) keeps
the peak of the copy of its parent it began as: a child of a process holding Whisper
read 610 MB before doing anything. ``VmHWM`` in ``/proc/self/status`` is the peak of the
address space the process has now, so it starts afresh at exec.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path


def peak_resident_mb() -> float:
    """Peak resident memory of this process's own address space, in MB (``VmHWM``;
    ``ru_maxrss`` where ``/proc`` does not report it)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_of_fresh_process(code: str, env: dict | None = None) -> float:
    """Peak resident MB of a fresh interpreter that runs ``code`` (Python source, with
    ``bench/`` importable), measured at its end."""
    import os

    source = (f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n{code}\n"
              "from memory import peak_resident_mb\nprint(peak_resident_mb())\n")
    out = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                         check=True, env={**os.environ, **(env or {})})
    return float(out.stdout.strip().splitlines()[-1])
