#!/usr/bin/env python3
"""Writes the RecastTensor reference cases: single-node ONNX models run by onnxruntime (or onnx's reference
evaluator where onnxruntime has no kernel), inputs and outputs stored as base64 .npy bytes in cases.json; plus
mini-float codec tables from ml_dtypes. Seeded; rerun with `python make_fixtures.py` from this folder."""
import base64, io, json, os
import numpy as np
import onnx
import onnx.numpy_helper
from onnx import helper, TensorProto
import onnxruntime as ort
from onnx.reference import ReferenceEvaluator
import ml_dtypes

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261129)
cases = []
blobs = {}


def npy(array):
    """The .npy bytes of `array`, base64-encoded for the JSON file."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array, order="C"))
    return base64.b64encode(buffer.getvalue()).decode()

NP_TO_ONNX = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64, np.int32: TensorProto.INT32,
              np.bool_: TensorProto.BOOL, np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8,
              np.float16: TensorProto.FLOAT16, np.float64: TensorProto.DOUBLE}


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def add(name, op, inputs, attrs=None, n_out=1, opset=18, atol=1e-5, rtol=1e-5, reference=False):
    """inputs: list of arrays or None (absent optional input)."""
    attrs = attrs or {}
    inputs = list(inputs)
    while inputs and inputs[-1] is None:
        inputs.pop()
    names = [f"i{k}" if x is not None else "" for k, x in enumerate(inputs)]
    outs = [f"o{k}" for k in range(n_out)]
    node = helper.make_node(op, names, outs, **attrs)
    graph_inputs = [helper.make_tensor_value_info(n, NP_TO_ONNX[x.dtype.type], list(x.shape))
                    for n, x in zip(names, inputs) if x is not None]
    graph_outputs = [helper.make_empty_tensor_value_info(o) for o in outs]
    model = helper.make_model(helper.make_graph([node], name, graph_inputs, graph_outputs),
                              opset_imports=[helper.make_opsetid("", opset)])
    feeds = {n: x for n, x in zip(names, inputs) if x is not None}
    if reference:
        results = ReferenceEvaluator(model).run(None, feeds)
    else:
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        results = sess.run(None, feeds)
    def plain(v):
        if isinstance(v, bytes):
            return v.decode()
        if isinstance(v, onnx.TensorProto):
            return {"dtype": int(v.data_type), "values": onnx.numpy_helper.to_array(v).ravel().tolist()}
        return v
    record = {"name": name, "op": op, "attrs": {k: plain(v) for k, v in attrs.items()},
              "inputs": [], "outputs": [], "atol": atol, "rtol": rtol}
    for k, x in enumerate(inputs):
        if x is None:
            record["inputs"].append(None)
            continue
        record["inputs"].append(npy(x))
    for k, y in enumerate(results):
        record["outputs"].append(npy(y))
    cases.append(record)


def elementwise():
    shapes = [([2, 3, 4], [2, 3, 4]), ([2, 3, 4], []), ([2, 3, 4], [4]), ([2, 3, 2, 2], [1, 3, 1, 1]),
              ([2, 1, 4], [3, 1]), ([1], [3, 5]), ([3, 1, 5], [1, 4, 1])]
    for op in ["Add", "Sub", "Mul", "Div", "Max", "Min"]:
        for k, (sa, sb) in enumerate(shapes):
            add(f"{op}_{k}", op, [f32(*sa), f32(*sb, low=0.5, high=2.0)])
    add("Pow_0", "Pow", [f32(2, 3, low=0.1, high=3), f32(3, low=-2, high=2)])
    add("Pow_1", "Pow", [f32(2, 3), np.array(2.0, np.float32)])
    add("Pow_2", "Pow", [f32(4, 5, low=0.1, high=3), np.array(0.5, np.float32)])
    ints = lambda *s: rng.integers(-20, 20, size=s).astype(np.int64)
    for op in ["Add", "Sub", "Mul", "Max", "Min"]:
        add(f"{op}_int64", op, [ints(2, 3), ints(3)])
    add("Div_int64", "Div", [ints(2, 5), np.array([3, -3, 7, -7, 2], np.int64)])
    add("Mod_int64", "Mod", [ints(2, 5), np.array([3, -3, 7, -7, 2], np.int64)])
    add("Mod_float", "Mod", [f32(2, 5, low=-9, high=9), np.array([3, -3, 1.5, -2.5, 2], np.float32)], {"fmod": 1})
    add("Add_int32", "Add", [ints(2, 3).astype(np.int32), ints(1, 3).astype(np.int32)])
    for op in ["Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual"]:
        a = rng.integers(-2, 3, size=(2, 3, 4)).astype(np.float32)
        add(f"{op}_float", op, [a, rng.integers(-2, 3, size=(3, 1)).astype(np.float32)])
        add(f"{op}_int64", op, [ints(2, 4), ints(4)])
    b = lambda *s: rng.integers(0, 2, size=s).astype(np.bool_)
    for op in ["And", "Or", "Xor"]:
        add(f"{op}_0", op, [b(2, 3, 4), b(3, 1)])
    add("Equal_bool", "Equal", [b(3, 4), b(4)])
    add("Not_0", "Not", [b(3, 4)])
    add("Where_0", "Where", [b(2, 1, 4), f32(3, 4), f32(2, 3, 1)])
    add("Where_1", "Where", [b(1, 1, 5, 5), np.array(-1e9, np.float32), f32(2, 3, 5, 5)])
    add("Where_int64", "Where", [b(4), ints(3, 4), np.array(7, np.int64)])


def unary():
    x = f32(3, 4, 5, low=-4, high=4)
    pos = f32(3, 4, 5, low=0.01, high=9)
    for op in ["Relu", "Sigmoid", "Tanh", "HardSwish", "Erf", "Neg", "Exp", "Abs", "Floor", "Ceil", "Sign",
               "Softplus", "Sin", "Cos", "Identity"]:
        add(f"{op}_0", op, [x], atol=2e-6)
    for op in ["Sqrt", "Reciprocal", "Log"]:
        add(f"{op}_0", op, [pos], atol=2e-6)
    add("Round_0", "Round", [np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, 1.51], np.float32)])
    add("LeakyRelu_0", "LeakyRelu", [x], {"alpha": 0.1})
    add("LeakyRelu_default", "LeakyRelu", [x])
    add("HardSigmoid_0", "HardSigmoid", [x], {"alpha": 0.3, "beta": 0.4})
    add("HardSigmoid_default", "HardSigmoid", [x])
    add("Elu_0", "Elu", [x], {"alpha": 0.7}, atol=2e-6)
    add("Clip_0", "Clip", [x, np.array(-1, np.float32), np.array(2.5, np.float32)])
    add("Clip_min_only", "Clip", [x, np.array(0, np.float32), None])
    add("Clip_max_only", "Clip", [x, None, np.array(1, np.float32)])
    add("Clip_int64", "Clip", [rng.integers(-9, 9, size=(10,)).astype(np.int64), np.array(-3, np.int64),
                               np.array(4, np.int64)])
    add("Gelu_none", "Gelu", [x], opset=20, atol=2e-6)
    add("Gelu_tanh", "Gelu", [x], {"approximate": "tanh"}, opset=20, atol=2e-6)
    add("Neg_int64", "Neg", [rng.integers(-9, 9, size=(6,)).astype(np.int64)])
    add("Abs_int64", "Abs", [rng.integers(-9, 9, size=(6,)).astype(np.int64)])


def reductions():
    x = f32(2, 3, 4, 5, low=0.1, high=2)
    for op in ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceL1", "ReduceProd",
               "ReduceSumSquare", "ReduceLogSumExp"]:
        for k, (axes, keep) in enumerate([([1], 1), ([-1], 0), ([1, 2], 1), ([0, 2], 0), ([0, 3], 1), (None, 1),
                                          (None, 0), ([3, 1], 1)]):
            inputs = [x] if axes is None else [x, np.array(axes, np.int64)]
            add(f"{op}_{k}", op, inputs, {"keepdims": keep}, atol=1e-4, rtol=1e-5)
    add("ReduceSum_noop", "ReduceSum", [x, np.array([], np.int64)], {"noop_with_empty_axes": 1})
    add("ReduceMean_big", "ReduceMean", [f32(3, 1000)], {"keepdims": 1}, atol=1e-5)
    add("Softmax_last", "Softmax", [f32(2, 3, 7, low=-5, high=5)], atol=1e-6)
    add("Softmax_axis1", "Softmax", [f32(2, 3, 7, low=-5, high=5)], {"axis": 1}, atol=1e-6)
    add("LogSoftmax_last", "LogSoftmax", [f32(2, 3, 7, low=-5, high=5)], atol=1e-5)
    add("LayerNormalization_last", "LayerNormalization", [f32(2, 3, 16), f32(16), f32(16)], atol=1e-5)
    add("LayerNormalization_axis1", "LayerNormalization", [f32(2, 3, 4), f32(3, 4), f32(3, 4)],
        {"axis": 1, "epsilon": 1e-3}, atol=1e-5)
    add("LayerNormalization_nobias", "LayerNormalization", [f32(4, 8), f32(8), None], atol=1e-5)
    add("BatchNormalization_0", "BatchNormalization",
        [f32(2, 3, 4, 5), f32(3), f32(3), f32(3), f32(3, low=0.1, high=2)], {"epsilon": 1e-3}, atol=1e-5)
    add("BatchNormalization_2d", "BatchNormalization",
        [f32(4, 3), f32(3), f32(3), f32(3), f32(3, low=0.1, high=2)], atol=1e-5)
    add("GlobalAveragePool_0", "GlobalAveragePool", [f32(2, 3, 5, 6)], atol=1e-6)
    add("GlobalMaxPool_0", "GlobalMaxPool", [f32(2, 3, 5, 6)])


def layout():
    x = f32(2, 3, 4)
    add("Transpose_default", "Transpose", [x])
    add("Transpose_021", "Transpose", [x], {"perm": [0, 2, 1]})
    add("Transpose_4d", "Transpose", [f32(2, 3, 4, 5)], {"perm": [0, 2, 1, 3]})
    add("Transpose_int64", "Transpose", [rng.integers(0, 9, size=(3, 4)).astype(np.int64)], {"perm": [1, 0]})
    add("Concat_0", "Concat", [f32(2, 1, 4), f32(2, 3, 4), f32(2, 2, 4)], {"axis": 1})
    add("Concat_neg", "Concat", [f32(2, 3), f32(2, 1)], {"axis": -1})
    add("Concat_int64", "Concat", [np.array([1, 2], np.int64), np.array([3], np.int64)], {"axis": 0})
    add("Split_sizes", "Split", [f32(2, 6), np.array([1, 2, 3], np.int64)], {"axis": 1}, n_out=3)
    add("Split_equal", "Split", [f32(6, 2)], {"axis": 0, "num_outputs": 3}, n_out=3)
    add("Split_uneven", "Split", [f32(7, 2)], {"axis": 0, "num_outputs": 3}, n_out=3)
    def sl(name, data, starts, ends, axes=None, steps=None):
        ins = [data, np.array(starts, np.int64), np.array(ends, np.int64)]
        ins.append(None if axes is None else np.array(axes, np.int64))
        ins.append(None if steps is None else np.array(steps, np.int64))
        while ins[-1] is None:
            ins.pop()
        add(name, "Slice", ins)
    d = f32(5, 6, 7)
    sl("Slice_basic", d, [1, 0], [3, 4], [0, 2])
    sl("Slice_neg", d, [-3], [-1], [1])
    sl("Slice_steps", d, [0, 1], [5, 7], [0, 2], [2, 3])
    sl("Slice_reverse", d, [-1], [-100], [2], [-1])
    sl("Slice_reverse_step", d, [4, 5], [0, 0], [0, 1], [-2, -2])
    sl("Slice_clamp", d, [2], [1000], [1])
    sl("Slice_empty", d, [3], [2], [0])
    sl("Slice_int64", np.arange(10, dtype=np.int64), [1], [-1], [0], [3])
    add("Gather_0", "Gather", [f32(5, 4), np.array([[0, 4], [-1, 2]], np.int64)])
    add("Gather_axis1", "Gather", [f32(3, 5, 2), np.array([1, -2, 0], np.int64)], {"axis": 1})
    add("Gather_scalar", "Gather", [f32(3, 5), np.array(-1, np.int64)], {"axis": 1})
    add("Gather_int32idx", "Gather", [f32(6, 3), np.array([5, 0], np.int32)])
    add("Gather_int64data", "Gather", [np.array([2, 3, 5, 7], np.int64), np.array(2, np.int64)])
    add("Expand_0", "Expand", [f32(3, 1), np.array([2, 3, 4], np.int64)])
    add("Expand_bidir", "Expand", [f32(1, 4), np.array([3, 1], np.int64)])
    add("Expand_bool", "Expand", [np.array([[True], [False]]), np.array([2, 3], np.int64)])
    for mode in ["constant", "reflect", "edge", "wrap"]:
        add(f"Pad_{mode}", "Pad", [f32(3, 4), np.array([1, 2, 2, 1], np.int64)], {"mode": mode}, opset=19)
        add(f"Pad_{mode}_4d", "Pad", [f32(1, 2, 3, 3), np.array([0, 0, 1, 2, 0, 0, 2, 1], np.int64)],
            {"mode": mode}, opset=19)
    add("Pad_value", "Pad", [f32(2, 3), np.array([1, 1, 0, 2], np.int64), np.array(-7.5, np.float32)])
    add("Pad_crop", "Pad", [f32(4, 5), np.array([-1, 1, 0, -2], np.int64)])
    add("Pad_axes", "Pad", [f32(2, 3, 4), np.array([1, 2], np.int64), None, np.array([-1], np.int64)])
    add("Range_float", "Range", [np.array(1.0, np.float32), np.array(4.2, np.float32), np.array(0.5, np.float32)])
    add("Range_int64", "Range", [np.array(10, np.int64), np.array(-3, np.int64), np.array(-4, np.int64)])
    add("Range_int64_up", "Range", [np.array(0, np.int64), np.array(7, np.int64), np.array(1, np.int64)])
    add("Unsqueeze_0", "Unsqueeze", [f32(3, 4), np.array([0, -1], np.int64)])
    add("Squeeze_0", "Squeeze", [f32(1, 3, 1, 4), np.array([0], np.int64)])
    add("Squeeze_all", "Squeeze", [f32(1, 3, 1, 4)])
    add("Flatten_0", "Flatten", [f32(2, 3, 4)], {"axis": 2})
    add("Flatten_default", "Flatten", [f32(2, 3, 4)])
    add("Reshape_0", "Reshape", [f32(2, 3, 4), np.array([0, -1], np.int64)])
    add("Reshape_1", "Reshape", [f32(2, 3, 4), np.array([4, 0, 2], np.int64)])
    add("ConstantOfShape_0", "ConstantOfShape", [np.array([2, 3], np.int64)],
        {"value": helper.make_tensor("v", TensorProto.INT64, [1], [5])})
    add("ConstantOfShape_default", "ConstantOfShape", [np.array([4], np.int64)])
    x = np.array([[-2.7, -0.5, 0.0, 1.5, 3.9, 70000.0, 1e-8, 0.1]], np.float32)
    for to in ["INT64", "INT32", "FLOAT16", "BOOL", "UINT8", "INT8", "DOUBLE"]:
        src = x if to not in ("UINT8", "INT8") else np.array([[-2.7, -0.5, 0, 1.5, 3.9, 100, 127.9, 0.1]], np.float32)
        add(f"Cast_float_to_{to}", "Cast", [src], {"to": getattr(TensorProto, to)})
    add("Cast_int64_to_float", "Cast", [np.array([-3, 0, 5, 1 << 40], np.int64)], {"to": TensorProto.FLOAT})
    add("Cast_int64_to_int32", "Cast", [np.array([-3, 0, 5, 123456], np.int64)], {"to": TensorProto.INT32})
    add("Cast_bool_to_float", "Cast", [np.array([True, False, True])], {"to": TensorProto.FLOAT})
    add("Cast_float16_to_float", "Cast", [np.array([1.5, -0.0, 65504, 6e-8], np.float16)], {"to": TensorProto.FLOAT})
    add("Cast_int32_to_int64", "Cast", [np.array([-3, 0, 5], np.int32)], {"to": TensorProto.INT64})
    add("Cast_uint8_to_float", "Cast", [np.array([0, 7, 255], np.uint8)], {"to": TensorProto.FLOAT})
    for mode, ctm, nm in [("nearest", "asymmetric", "floor"), ("nearest", "half_pixel", "round_prefer_floor"),
                          ("nearest", "align_corners", "round_prefer_ceil"), ("nearest", "asymmetric", "ceil"),
                          ("linear", "half_pixel", None), ("linear", "align_corners", None),
                          ("linear", "asymmetric", None), ("linear", "pytorch_half_pixel", None)]:
        attrs = {"mode": mode, "coordinate_transformation_mode": ctm}
        if nm:
            attrs["nearest_mode"] = nm
        tag = f"{mode}_{ctm}_{nm or ''}"
        add(f"Resize_scales_{tag}", "Resize", [f32(1, 2, 3, 4), None, np.array([1, 1, 2, 1.5], np.float32)], attrs,
            opset=19)
        add(f"Resize_sizes_{tag}", "Resize", [f32(1, 2, 4, 5), None, None, np.array([1, 2, 3, 8], np.int64)], attrs,
            opset=19)


def linear_algebra():
    for ta in [0, 1]:
        for tb in [0, 1]:
            a = f32(4, 3) if ta else f32(3, 4)
            b = f32(5, 4) if tb else f32(4, 5)
            add(f"Gemm_t{ta}{tb}", "Gemm", [a, b, f32(5)], {"transA": ta, "transB": tb, "alpha": 0.5, "beta": 2.0},
                atol=1e-5)
    add("Gemm_C_matrix", "Gemm", [f32(3, 4), f32(4, 5), f32(3, 5)], atol=1e-5)
    add("Gemm_C_column", "Gemm", [f32(3, 4), f32(4, 5), f32(3, 1)], atol=1e-5)
    add("Gemm_C_scalar", "Gemm", [f32(3, 4), f32(4, 5), np.array(1.5, np.float32)], atol=1e-5)
    add("Gemm_noC", "Gemm", [f32(3, 4), f32(5, 4)], {"transB": 1}, atol=1e-5)
    for k, (sa, sb) in enumerate([([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]), ([4], [4, 5]),
                                  ([3, 4], [4]), ([4], [4]), ([2, 1, 3, 4], [3, 4, 2]), ([1, 3, 4], [2, 4, 6]),
                                  ([2, 2, 5, 8], [2, 2, 8, 5])]):
        add(f"MatMul_{k}", "MatMul", [f32(*sa), f32(*sb)], atol=1e-5)


def conv_family():
    combos = [
        dict(x=(1, 1, 5, 5), w=(1, 1, 3, 3), attrs={}),
        dict(x=(2, 3, 7, 6), w=(4, 3, 3, 3), attrs={"pads": [1, 1, 1, 1]}, bias=True),
        dict(x=(1, 2, 9, 8), w=(3, 2, 3, 2), attrs={"strides": [2, 3], "pads": [1, 0, 2, 1]}),
        dict(x=(1, 2, 9, 9), w=(2, 2, 3, 3), attrs={"dilations": [2, 2], "pads": [2, 2, 2, 2]}, bias=True),
        dict(x=(2, 4, 6, 6), w=(6, 2, 3, 3), attrs={"group": 2, "pads": [1, 1, 1, 1]}, bias=True),
        dict(x=(1, 4, 7, 7), w=(4, 1, 3, 3), attrs={"group": 4, "strides": [2, 2], "pads": [1, 1, 1, 1]}, bias=True),
        dict(x=(1, 3, 7, 5), w=(2, 3, 3, 3), attrs={"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
        dict(x=(1, 3, 6, 6), w=(2, 3, 4, 4), attrs={"auto_pad": "SAME_LOWER"}),
        dict(x=(1, 3, 7, 7), w=(2, 3, 3, 3), attrs={"auto_pad": "VALID", "strides": [2, 2]}),
        dict(x=(2, 8, 5, 5), w=(4, 8, 1, 1), attrs={}, bias=True),
        dict(x=(1, 3, 10), w=(2, 3, 3), attrs={"pads": [1, 2], "strides": [2]}, bias=True),
        dict(x=(1, 4, 12), w=(4, 1, 5), attrs={"group": 4, "dilations": [2]}),
    ]
    for k, c in enumerate(combos):
        ins = [f32(*c["x"]), f32(*c["w"]), f32(c["w"][0]) if c.get("bias") else None]
        while ins[-1] is None:
            ins.pop()
        add(f"Conv_{k}", "Conv", ins, c["attrs"], atol=2e-5)
    tcombos = [
        dict(x=(1, 2, 3, 3), w=(2, 3, 3, 3), attrs={}),
        dict(x=(2, 2, 4, 3), w=(2, 3, 3, 3), attrs={"strides": [2, 2], "pads": [1, 1, 1, 1]}, bias=True),
        dict(x=(1, 2, 4, 4), w=(2, 2, 3, 3), attrs={"strides": [2, 2], "output_padding": [1, 1]}),
        dict(x=(1, 4, 3, 3), w=(4, 1, 3, 3), attrs={"group": 2, "strides": [2, 1], "dilations": [1, 2]}, bias=True),
        dict(x=(1, 2, 3, 4), w=(2, 2, 3, 3), attrs={"strides": [2, 2], "output_shape": [7, 9]}),
        dict(x=(1, 2, 3, 4), w=(2, 2, 4, 4), attrs={"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
        dict(x=(1, 2, 3, 4), w=(2, 2, 4, 4), attrs={"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
        dict(x=(1, 3, 5), w=(3, 2, 3), attrs={"strides": [3], "pads": [1, 0]}),
    ]
    for k, c in enumerate(tcombos):
        ins = [f32(*c["x"]), f32(*c["w"]), f32(c["w"][1] * c["attrs"].get("group", 1)) if c.get("bias") else None]
        while ins[-1] is None:
            ins.pop()
        add(f"ConvTranspose_{k}", "ConvTranspose", ins, c["attrs"], atol=2e-5)
    pools = [
        {"kernel_shape": [2, 2]},
        {"kernel_shape": [3, 3], "strides": [2, 2]},
        {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]},
        {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1},
        {"kernel_shape": [2, 3], "strides": [2, 2], "pads": [0, 1, 1, 0], "ceil_mode": 1},
        {"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER", "strides": [2, 2]},
        {"kernel_shape": [3, 3], "auto_pad": "SAME_LOWER"},
        {"kernel_shape": [2, 2], "auto_pad": "VALID", "strides": [2, 2]},
    ]
    for k, attrs in enumerate(pools):
        x = f32(2, 3, 7, 8)
        add(f"MaxPool_{k}", "MaxPool", [x], attrs)
        add(f"AveragePool_{k}", "AveragePool", [x], attrs, atol=1e-6)
        if "pads" in attrs or "auto_pad" in attrs:
            add(f"AveragePool_{k}_incl", "AveragePool", [x], {**attrs, "count_include_pad": 1}, atol=1e-6)
    add("MaxPool_dilated", "MaxPool", [f32(1, 2, 8, 8)], {"kernel_shape": [2, 2], "dilations": [2, 2],
                                                          "pads": [1, 1, 1, 1]})
    add("MaxPool_1d", "MaxPool", [f32(2, 3, 9)], {"kernel_shape": [3], "strides": [2], "pads": [1, 1]})
    add("AveragePool_1d", "AveragePool", [f32(2, 3, 9)], {"kernel_shape": [3], "strides": [2]}, atol=1e-6)


def quantize_case(name, x, scale, zero_point=None, zp_type=None, axis=1, block_size=0, output_type=None, opset=21,
                  reference=False):
    """QuantizeLinear with scale and zero point as initializers; the quantized output is recorded as float32
    values (integer codes or decoded floats) with its ONNX type, since numpy cannot hold every output type."""
    inits = [onnx.numpy_helper.from_array(scale, "scale")]
    names = ["x", "scale"]
    if zero_point is not None:
        inits.append(helper.make_tensor("zp", zp_type, list(zero_point.shape), zero_point.ravel().tolist()))
        names.append("zp")
    attrs = {"axis": axis}
    if block_size:
        attrs["block_size"] = block_size
    if output_type is not None:
        attrs["output_dtype"] = output_type
    node = helper.make_node("QuantizeLinear", names, ["y"], **attrs)
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_empty_tensor_value_info("y")], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    if reference:
        y = ReferenceEvaluator(model).run(None, {"x": x})[0]
    else:
        y = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    out_type = zp_type or output_type or TensorProto.UINT8
    cases.append({"name": name, "op": "QuantizeLinear", "attrs": {**attrs, "output_type": out_type},
                  "inputs": [npy(x), npy(scale), None if zero_point is None else npy(zero_point.astype(np.float32))],
                  "outputs": [npy(y.astype(np.float32))], "atol": 0, "rtol": 0})


def quantization():
    x = f32(3, 8, low=-3, high=3)
    x[0, :4] = [0.25, 0.75, -0.25, 1e4]  # ties and saturation
    quantize_case("Q_uint8_tensor", x, np.array(0.02, np.float32), np.array(128), TensorProto.UINT8)
    quantize_case("Q_int8_tensor", x, np.array(0.5, np.float32), np.array(-3), TensorProto.INT8)
    quantize_case("Q_int8_axis0", x, np.array([0.1, 0.02, 0.5], np.float32), np.array([0, 1, -2]), TensorProto.INT8,
                  axis=0)
    quantize_case("Q_uint8_axis1", x, f32(8, low=0.01, high=0.1), None, axis=1)
    quantize_case("Q_int4_block", x, f32(3, 2, low=0.1, high=0.5), None, axis=1, block_size=4,
                  output_type=TensorProto.INT4, reference=True)
    quantize_case("Q_uint4_block_zp", x, f32(3, 3, low=0.1, high=0.5), np.array([[8, 7, 9]] * 3), TensorProto.UINT4,
                  axis=1, block_size=3, reference=True)
    quantize_case("Q_int16_tensor", x, np.array(1e-3, np.float32), np.array(5), TensorProto.INT16)
    quantize_case("Q_int2_tensor", x, np.array(0.7, np.float32), None, output_type=TensorProto.INT2, opset=25,
                  reference=True)
    quantize_case("Q_uint2_axis0", x, np.array([0.5, 1, 2], np.float32), None, axis=0,
                  output_type=TensorProto.UINT2, opset=25, reference=True)
    quantize_case("Q_e4m3fn_tensor", x, np.array(0.01, np.float32), None, output_type=TensorProto.FLOAT8E4M3FN,
                  reference=True)
    quantize_case("Q_e5m2_axis0", x, np.array([0.001, 1, 0.1], np.float32), None, axis=0,
                  output_type=TensorProto.FLOAT8E5M2, reference=True)
    quantize_case("Q_e2m1_tensor", x, np.array(0.3, np.float32), None, output_type=TensorProto.FLOAT4E2M1, opset=23,
                  reference=True)
    q = rng.integers(0, 256, size=(3, 8)).astype(np.uint8)
    add("DQ_uint8_axis0", "DequantizeLinear", [q, f32(3, low=0.01, high=1), np.array([0, 128, 255], np.uint8)],
        {"axis": 0}, opset=21)
    add("DQ_int8_tensor", "DequantizeLinear", [q.view(np.int8), np.array(0.05, np.float32), np.array(-4, np.int8)],
        opset=21)
    add("DQ_int8_block", "DequantizeLinear", [q.view(np.int8), f32(2, 8, low=0.01, high=1)],
        {"axis": 0, "block_size": 2}, opset=21)


def codecs():
    """Mini-float encode references (onnx reference Cast, saturate on/off) and decode tables (ml_dtypes)."""
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 1e30, -1e30]
    values = np.concatenate([
        np.array(special, np.float32),
        rng.standard_normal(400).astype(np.float32) * np.float32(4.0) ** rng.integers(-6, 6, 400).astype(np.float32),
        rng.uniform(-70000, 70000, 100).astype(np.float32),
        rng.uniform(-8, 8, 100).astype(np.float32),
    ]).astype(np.float32)
    for name, to, mldt, bits in [("e4m3fn", TensorProto.FLOAT8E4M3FN, ml_dtypes.float8_e4m3fn, 8),
                                 ("e5m2", TensorProto.FLOAT8E5M2, ml_dtypes.float8_e5m2, 8),
                                 ("e2m1", TensorProto.FLOAT4E2M1, ml_dtypes.float4_e2m1fn, 4)]:
        codes = np.arange(1 << bits, dtype=np.uint8)
        blobs[f"codec_{name}_table"] = npy(codes.view(mldt).astype(np.float32))
        for sat in [1, 0]:
            node = helper.make_node("Cast", ["x"], ["y"], to=to, saturate=sat)
            graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None])],
                                      [helper.make_tensor_value_info("y", to, [None])])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
            y = ReferenceEvaluator(model).run(None, {"x": values})[0]
            blobs[f"codec_{name}_sat{sat}.codes"] = npy(y.view(np.uint8))
    blobs[f"codec_values"] = npy(values)
    bf = values.astype(ml_dtypes.bfloat16).view(np.uint16)
    blobs[f"codec_bfloat16.bits"] = npy(bf)


if __name__ == "__main__":
    elementwise()
    unary()
    reductions()
    layout()
    linear_algebra()
    conv_family()
    quantization()
    codecs()
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"cases": cases, "blobs": blobs}, f, indent=0)
    print(f"{len(cases)} cases")
