"""Write ``models/int8_probe.onnx``: one uint8 x int8 MatMulInteger, (1, 64) x (64, 1).

:mod:`talkrig.cpu_int8` runs it at the extreme values to learn whether this CPU's int8
matrix products saturate. The graph is this small file's output, so the test regenerates
it and compares bytes::

    python -m training.export_int8_probe core/talkrig/models/int8_probe.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

from talkrig.cpu_int8 import PROBE_DEPTH

OPSET = 13  # MatMulInteger since opset 10; onnxruntime 1.17 reads 13


def probe_model_bytes() -> bytes:
    """The serialized probe graph: inputs ``a`` uint8 (1, D), ``b`` int8 (D, 1), output
    ``y`` int32 (1, 1), D = PROBE_DEPTH."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])], "int8_probe",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [1, PROBE_DEPTH]),
         helper.make_tensor_value_info("b", TensorProto.INT8, [PROBE_DEPTH, 1])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="talkrig training.export_int8_probe")
    model.ir_version = 8  # readable by onnxruntime 1.17, the oldest the package allows
    return model.SerializeToString()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("output", type=Path, help="ONNX file to write")
    args = parser.parse_args(argv)
    from talkrig.atomic import atomic_open

    with atomic_open(args.output, "wb", force=True) as out:  # it replaces the packaged file
        out.write(probe_model_bytes())
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
