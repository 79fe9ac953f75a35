"""Convert MediaPipe's face-landmark model (TFLite) to the ONNX file TalkRig ships.

MediaPipe 0.10.21's wheel (PyPI) carries ``face_landmark.tflite`` (Apache-2.0): 468
3D landmarks from a 192 x 192 RGB face crop. Installing that MediaPipe into the
TalkRig environment would downgrade protobuf (onnx needs 5+), and MediaPipe 1.x no
longer ships face models, so the network is converted once to ONNX and runs on the
onnxruntime TalkRig already depends on.

The graph uses seven TFLite ops (DEQUANTIZE of fp16 weights, CONV_2D,
DEPTHWISE_CONV_2D, PRELU, ADD, MAX_POOL_2D, PAD); each becomes its ONNX counterpart
in NCHW, weights stored as float32. The ONNX model takes ``image`` (N, 192, 192, 3)
float RGB in [0, 1] and returns ``landmarks`` (N, 468, 3) (x, y in crop pixels, z
relative depth in the same scale) and ``face_score`` (N,) (a logit).

Usage::

    pip download --no-deps mediapipe==0.10.21 -d /tmp/mp
    unzip -o /tmp/mp/mediapipe-0.10.21-*.whl 'mediapipe/modules/face_landmark/*' -d /tmp/mp
    pip install tflite onnx ai-edge-litert   # parser, writer, reference interpreter
    python training/convert_face_landmarks.py \\
        /tmp/mp/mediapipe/modules/face_landmark/face_landmark.tflite \\
        -o core/talkrig/models/face_landmark.onnx --check

``--check`` runs the TFLite original (ai-edge-litert) and the converted model on the
same random and structured inputs and fails if they differ by more than ``--atol``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

INPUT_SIZE = 192
N_LANDMARKS = 468
TFLITE_FLOAT32, TFLITE_FLOAT16 = 0, 1
PADDING_SAME = 0
ACTIVATIONS = {0: None, 1: "Relu"}  # fused activations this graph uses


def _op_names():
    import tflite
    return {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


class TfliteGraph:
    """Read access to a single-subgraph TFLite model."""

    def __init__(self, path: Path):
        import tflite
        self.buf = path.read_bytes()
        self.model = tflite.Model.GetRootAsModel(self.buf, 0)
        self.graph = self.model.Subgraphs(0)
        self.names = _op_names()

    def tensor_name(self, index: int) -> str:
        return f"t{index}"

    def constant(self, index: int) -> np.ndarray | None:
        """The tensor's stored data as float32/int32, or None for activations."""
        t = self.graph.Tensors(index)
        data = self.model.Buffers(t.Buffer()).DataAsNumpy()
        if isinstance(data, int) or data is None or len(data) == 0:
            return None
        dtype = {TFLITE_FLOAT32: np.float32, TFLITE_FLOAT16: np.float16, 2: np.int32}[t.Type()]
        return np.frombuffer(data.tobytes(), dtype).reshape(t.ShapeAsNumpy()).astype(
            np.int32 if dtype is np.int32 else np.float32)

    def operators(self):
        """Yield (op name, input indices, output indices, builtin options table)."""
        for i in range(self.graph.OperatorsLength()):
            op = self.graph.Operators(i)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            name = self.names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
            yield name, list(op.InputsAsNumpy()), list(op.OutputsAsNumpy()), op.BuiltinOptions()


class OnnxBuilder:
    """Accumulates ONNX nodes and float32 initialisers."""

    def __init__(self):
        self.nodes, self.inits = [], []
        self.alias: dict[int, int] = {}  # DEQUANTIZE output -> its fp16 constant

    def const(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs) -> str:
        from onnx import helper
        self.nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def activation(self, output: str, fused: int) -> str:
        if ACTIVATIONS.get(fused, "?") is None:
            return output
        if fused not in ACTIVATIONS:
            raise ValueError(f"fused activation {fused} not supported")
        return self.node(ACTIVATIONS[fused], [output + "_pre"], output)


def _conv(b: OnnxBuilder, g: TfliteGraph, ins, out, opts, depthwise: bool) -> None:
    import tflite
    o = (tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions)()
    o.Init(opts.Bytes, opts.Pos)
    weight = g.constant(b.alias.get(ins[1], ins[1]))
    if depthwise:  # (1, kh, kw, C) -> (C, 1, kh, kw)
        w = weight.transpose(3, 0, 1, 2)
        group = w.shape[0]
    else:  # (O, kh, kw, I) -> (O, I, kh, kw)
        w = weight.transpose(0, 3, 1, 2)
        group = 1
    bias = g.constant(b.alias.get(ins[2], ins[2]))
    name = g.tensor_name(out)
    fused = o.FusedActivationFunction()
    target = name if ACTIVATIONS.get(fused) is None else name + "_pre"
    b.node("Conv", [g.tensor_name(ins[0]), b.const(name + "_w", w), b.const(name + "_b", bias)],
           target, strides=[o.StrideH(), o.StrideW()],
           dilations=[o.DilationHFactor(), o.DilationWFactor()], group=group,
           auto_pad="SAME_UPPER" if o.Padding() == PADDING_SAME else "VALID")
    b.activation(name, fused)


def _add(b: OnnxBuilder, g: TfliteGraph, ins, out, opts) -> None:
    import tflite
    o = tflite.AddOptions()
    o.Init(opts.Bytes, opts.Pos)
    name = g.tensor_name(out)
    fused = o.FusedActivationFunction()
    target = name if ACTIVATIONS.get(fused) is None else name + "_pre"
    b.node("Add", [g.tensor_name(i) for i in ins], target)
    b.activation(name, fused)


def _prelu(b: OnnxBuilder, g: TfliteGraph, ins, out) -> None:
    alpha = g.constant(b.alias.get(ins[1], ins[1]))  # (1, 1, C) -> (C, 1, 1)
    alpha = alpha.reshape(-1, 1, 1)
    name = g.tensor_name(out)
    b.node("PRelu", [g.tensor_name(ins[0]), b.const(name + "_alpha", alpha)], name)


def _max_pool(b: OnnxBuilder, g: TfliteGraph, ins, out, opts) -> None:
    import tflite
    o = tflite.Pool2DOptions()
    o.Init(opts.Bytes, opts.Pos)
    b.node("MaxPool", [g.tensor_name(ins[0])], g.tensor_name(out),
           kernel_shape=[o.FilterHeight(), o.FilterWidth()], strides=[o.StrideH(), o.StrideW()],
           auto_pad="SAME_UPPER" if o.Padding() == PADDING_SAME else "VALID")


def _pad(b: OnnxBuilder, g: TfliteGraph, ins, out) -> None:
    nhwc = g.constant(ins[1])  # (4, 2): before/after per NHWC axis
    nchw = nhwc[[0, 3, 1, 2]]
    pads = np.concatenate([nchw[:, 0], nchw[:, 1]]).astype(np.int64)
    name = g.tensor_name(out)
    b.node("Pad", [g.tensor_name(ins[0]), b.const(name + "_pads", pads)], name)


def convert(tflite_path: Path):
    """The ONNX ModelProto for ``tflite_path``."""
    import onnx
    from onnx import TensorProto, helper

    g = TfliteGraph(tflite_path)
    b = OnnxBuilder()
    graph_in = g.graph.Inputs(0)
    b.node("Transpose", ["image"], g.tensor_name(graph_in), perm=[0, 3, 1, 2])
    for name, ins, outs, opts in g.operators():
        out = outs[0]
        if name == "DEQUANTIZE":
            b.alias[out] = ins[0]
        elif name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            _conv(b, g, ins, out, opts, depthwise=name == "DEPTHWISE_CONV_2D")
        elif name == "ADD":
            _add(b, g, ins, out, opts)
        elif name == "PRELU":
            _prelu(b, g, ins, out)
        elif name == "MAX_POOL_2D":
            _max_pool(b, g, ins, out, opts)
        elif name == "PAD":
            _pad(b, g, ins, out)
        else:
            raise ValueError(f"TFLite op {name} is not handled by this converter")
    landmarks_t = g.tensor_name(g.graph.Outputs(0))
    score_t = g.tensor_name(g.graph.Outputs(1))
    b.node("Reshape", [landmarks_t, b.const("landmark_shape", np.array([-1, N_LANDMARKS, 3],
                                                                    np.int64))], "landmarks")
    b.node("Reshape", [score_t, b.const("score_shape", np.array([-1], np.int64))], "face_score")
    graph = helper.make_graph(
        b.nodes, "mediapipe_face_landmark",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", INPUT_SIZE, INPUT_SIZE, 3])],
        [helper.make_tensor_value_info("landmarks", TensorProto.FLOAT, ["N", N_LANDMARKS, 3]),
         helper.make_tensor_value_info("face_score", TensorProto.FLOAT, ["N"])],
        b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="talkrig training/convert_face_landmarks.py")
    model.ir_version = 8
    helper.set_model_props(model, {
        "source": "MediaPipe 0.10.21 mediapipe/modules/face_landmark/face_landmark.tflite",
        "licence": "Apache-2.0 (see LICENSE-mediapipe)",
        "input": "image (N,192,192,3) RGB float in [0,1]",
        "outputs": "landmarks (N,468,3) crop pixels; face_score (N,) logit"})
    onnx.checker.check_model(model)
    return model


def check_against_tflite(tflite_path: Path, onnx_path: Path, atol: float) -> float:
    """Max abs difference of the landmarks between the TFLite original and the ONNX copy."""
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(tflite_path))
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]["index"]
    outs = [d["index"] for d in interp.get_output_details()]
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:INPUT_SIZE, 0:INPUT_SIZE] / INPUT_SIZE
    structured = np.stack([xx, yy, 0.5 + 0.5 * np.sin(12 * xx * yy)], -1)
    worst = 0.0
    for image in (rng.random((INPUT_SIZE, INPUT_SIZE, 3)), structured):
        x = image[None].astype(np.float32)
        interp.set_tensor(inp, x)
        interp.invoke()
        ref = interp.get_tensor(outs[0]).reshape(-1, N_LANDMARKS, 3)
        got = sess.run(["landmarks"], {"image": x})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    if worst > atol:
        raise SystemExit(f"ONNX differs from TFLite by {worst:.2e} > {atol:.0e}")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("tflite", type=Path, help="face_landmark.tflite from MediaPipe 0.10.21")
    parser.add_argument("-o", "--output", type=Path, required=True, help="ONNX file to write")
    parser.add_argument("--check", action="store_true",
                        help="compare with the TFLite original (needs ai-edge-litert)")
    parser.add_argument("--atol", type=float, default=1e-3,
                        help="largest landmark difference (pixels) --check accepts")
    args = parser.parse_args(argv)
    import onnx
    model = convert(args.tflite)
    tmp = args.output.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(args.output)
    print(f"wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB)")
    if args.check:
        print(f"max |ONNX - TFLite| landmark difference: "
              f"{check_against_tflite(args.tflite, args.output, args.atol):.2e} px")
    return 0


if __name__ == "__main__":
    sys.exit(main())
