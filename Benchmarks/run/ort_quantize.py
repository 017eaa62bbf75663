"""onnxruntime's quantize_static doing what Benchmarks/run/*.yaml do: QDQ, per-channel int8 weights, uint8
activations, MinMax calibration on the same samples and batches. Usage: ort_quantize.py digits|minilm MODEL OUT"""
import sys

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

which, model, out = sys.argv[1:4]
root = __file__.rsplit("/", 3)[0]


class Reader(CalibrationDataReader):
    def __init__(self, batches):
        self.batches = iter(batches)

    def get_next(self):
        return next(self.batches, None)


if which == "digits":
    x = np.load(f"{root}/Examples/digits/digits_calib_x.npy")
    batches = [{"input": x}]
else:
    arrays = {k: np.load(f"{root}/Examples/minilm/minilm_{k}.npy")[:64] for k in ["input_ids", "attention_mask", "token_type_ids"]}
    batches = [{k: v[i:i + 16] for k, v in arrays.items()} for i in range(0, 64, 16)]

quantize_static(model, out, Reader(batches), quant_format=QuantFormat.QDQ, per_channel=True,
                activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
