"""Speed and memory of the neural engine (onnxruntime), against the issue's targets.

    python bench/bench_neural.py [--model PATH] [--threads 2]

Prints, for one minute of real speech: offline time to 60 fps curves through the whole
engine (log-mel front end inside the graph, then the acoustic closure gate) and through
the network alone, peak resident memory of a fresh process doing it, and the p95
compute time per 20 ms streaming chunk. Targets: <= 0.25 s, <= 500 MB, <= 10 ms.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech-dev" / "mfa" / "wav" / "acoustic_corpus.wav"
TARGET_OFFLINE_S = 0.25  # one minute of audio
TARGET_PEAK_MB = 500.0
TARGET_CHUNK_MS = 10.0  # p95 compute per 20 ms chunk
CHUNK = 320  # samples: 20 ms at 16 kHz
MINUTE = 60 * 16_000


def minute_of_speech() -> np.ndarray:
    from talkrig.audio import load_audio

    return np.resize(load_audio(SPEECH).samples, MINUTE).astype(np.float32)


def happy_emotion() -> np.ndarray:
    emotion = np.zeros((3600, 7), np.float32)  # one minute at 60 fps
    emotion[:, 0] = 0.6
    return emotion


def best_time(run, repeats: int = 5) -> float:
    """Best wall time of ``run()`` (after one warm-up run)."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def engine_request(audio: np.ndarray):
    from talkrig.engines.base import EngineRequest

    return EngineRequest(audio, 60.0, happy_emotion())


def streaming_p95(model, audio: np.ndarray, closures: bool = False) -> tuple[float, float]:
    """(p95, max) milliseconds of compute per 20 ms push, over 20 s of speech
    (``closures``: with the stream's acoustic closure gate)."""
    from talkrig.streaming import NeuralStream

    stream, times = NeuralStream(model, acoustic_closures=closures), []
    for start in range(0, 20 * 16_000, CHUNK):
        t = time.perf_counter()
        stream.push(audio[start: start + CHUNK])
        times.append(time.perf_counter() - t)
    ms = np.array(times[25:]) * 1000  # skip the first half second (warm-up)
    return float(np.percentile(ms, 95)), float(ms.max())


def peak_memory_mb(model_path: str | None, threads: int) -> float:
    """Peak RSS of a fresh process that runs the engine on one minute of speech."""
    from memory import peak_of_fresh_process

    return peak_of_fresh_process(
        "from bench_neural import engine_request, minute_of_speech\n"
        "from talkrig.engines.neural import NeuralEngine\n"
        f"NeuralEngine({model_path!r}, device='cpu').animate(engine_request(minute_of_speech()))",
        env={"TALKRIG_THREADS": str(threads)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default=None, help="ONNX model (default: shipped)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    from talkrig.engines.neural import NeuralEngine
    from talkrig.runtime import NeuralModel

    audio = minute_of_speech()
    model = NeuralModel(args.model, device="cpu", threads=args.threads)
    network = best_time(lambda: model.curves(audio, happy_emotion()))
    engine = NeuralEngine(args.model)
    engine.model = model  # the same session, with --threads
    request = engine_request(audio)
    seconds = best_time(lambda: engine.animate(request))
    stream_model = NeuralModel(args.model, device="cpu", threads=1)
    p95, worst = streaming_p95(stream_model, audio)
    gated_p95, gated_worst = streaming_p95(stream_model, audio, closures=True)
    peak = peak_memory_mb(args.model, args.threads)
    rows = [("offline 1 min -> 60 fps curves", seconds, TARGET_OFFLINE_S, "s"),
            ("peak memory (fresh process)", peak, TARGET_PEAK_MB, "MB"),
            ("streaming p95 per 20 ms chunk", p95, TARGET_CHUNK_MS, "ms"),
            ("  the same, closure gate on", gated_p95, TARGET_CHUNK_MS, "ms")]
    print(f"neural engine bench, onnxruntime, {args.threads} threads "
          f"(streaming: 1 thread; worst chunk {worst:.2f} ms, {gated_worst:.2f} ms gated)")
    for name, value, target, unit in rows:
        verdict = "PASS" if value <= target else "FAIL"
        print(f"{name:<34}{value:>9.3f} {unit:<3} target <= {target:g} {unit}  "
              f"ratio {value / target:.2f}  {verdict}")
    print(f"realtime factor offline: {60 / seconds:.0f}x (network alone {network:.3f} s, "
          f"{60 / network:.0f}x)")
    if args.json:
        args.json.write_text(json.dumps({"offline_s": seconds, "network_s": network,
                                         "peak_mb": peak,
                                         "stream_p95_ms": p95, "stream_max_ms": worst,
                                         "gated_stream_p95_ms": gated_p95,
                                         "threads": args.threads}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
