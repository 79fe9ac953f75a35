"""Speed and memory of the neural-whisper engine (Whisper base's encoder + the head).

    python bench/bench_neural_whisper.py [--model HEAD.onnx] [--encoder ENCODER.onnx]

Prints, for one minute of real speech: time to 60 fps curves through the whole engine
(the int8 encoder and the head in onnxruntime, the closure gate), the encoder alone, the
head alone and the gate alone, and the peak resident memory of a fresh process doing
it, as ratios to the neural engine's targets (<= 0.25 s, <= 500 MB) and as real-time
factors. Threads: onnxruntime's default (all cores).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench_neural import (TARGET_OFFLINE_S, TARGET_PEAK_MB, best_time, engine_request,
                          minute_of_speech)
from memory import peak_of_fresh_process


def peak_memory_mb(model_path: str | None, encoder_path: str | None) -> float:
    """Peak RSS of a fresh process that runs the engine on one minute of speech."""
    return peak_of_fresh_process(
        "from bench_neural import engine_request, minute_of_speech\n"
        "from talkrig.engines.neural_whisper import WhisperNeuralEngine\n"
        f"WhisperNeuralEngine({model_path!r}, device='cpu', encoder_path={encoder_path!r})"
        ".animate(engine_request(minute_of_speech()))")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default=None, help="head ONNX file (default: shipped)")
    parser.add_argument("--encoder", default=None,
                        help="Whisper encoder ONNX file (default: shipped)")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)
    from talkrig.engines.neural import gated
    from talkrig.engines.neural_whisper import WhisperNeuralEngine
    from talkrig.model.dims import WHISPER_FEATURE_FPS
    from talkrig.take import resample_frames
    from talkrig.whisper_encoder import encoder_states

    audio = minute_of_speech()
    engine = WhisperNeuralEngine(args.model, device="cpu", encoder_path=args.encoder)
    request = engine_request(audio)
    window_s = engine.model.dims.window_s
    whole = best_time(lambda: engine.animate(request), repeats=3)
    encoder = best_time(lambda: encoder_states(audio, window_s, engine.encoder), repeats=3)
    states = resample_frames(encoder_states(audio, window_s, engine.encoder),
                             WHISPER_FEATURE_FPS, 60.0, len(request.emotion))
    head = best_time(lambda: engine.model.curves(states, request.emotion))
    curves = engine.model.curves(states, request.emotion)
    gate = best_time(lambda: gated(curves, audio, 60.0, engine.closure_gate))
    peak = peak_memory_mb(args.model, args.encoder)
    print("neural-whisper engine bench, one minute of speech")
    for name, value, target, unit in (("offline 1 min -> 60 fps curves", whole, TARGET_OFFLINE_S, "s"),
                                      ("peak memory (fresh process)", peak, TARGET_PEAK_MB, "MB")):
        print(f"{name:<34}{value:>9.3f} {unit:<3} neural target <= {target:g} {unit}  "
              f"ratio {value / target:.2f}")
    print(f"realtime factor: {60 / whole:.0f}x (encoder {encoder:.3f} s with "
          f"{engine.encoder.layers} blocks in {window_s:g} s windows, head {head:.3f} s, "
          f"gate {gate:.3f} s)")
    if args.json:
        args.json.write_text(json.dumps({"offline_s": whole, "encoder_s": encoder,
                                         "head_s": head, "gate_s": gate, "peak_mb": peak},
                                        indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
