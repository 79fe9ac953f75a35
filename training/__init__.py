"""Training-side code for the neural engine: corpus, dataset, training, ONNX export.

Run from the repository root, e.g. ``python -m training.build_corpus --help``.
Needs the ``train`` extra (torch, onnx, onnxscript); never imported by ``talkrig``.
"""
