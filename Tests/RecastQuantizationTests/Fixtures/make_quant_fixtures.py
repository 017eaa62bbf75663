#!/usr/bin/env python3
"""Writes quant_cases.json: reference quantization parameters and fake-quant outputs for RecastQuantization.

Independent numpy implementation of the conventions documented on `QParams` (Sources/RecastQuantization/Numbers),
cross-checked here against onnxruntime:
  * scales/zero points against onnxruntime.quantization.quant_utils.compute_scale_zp wherever the conventions
    coincide (every asymmetric integer case; symmetric integers, full range and signed narrow range),
  * fake-quant outputs (zp formulation) against an ONNX QuantizeLinear -> DequantizeLinear model run by
    onnxruntime, or by onnx.reference.ReferenceEvaluator where onnxruntime lacks the type or layout.
Floats are stored as uint32 bit patterns so the Swift test can compare exactly.

Run: $RECAST_PYTHON make_quant_fixtures.py   (seeded; output is deterministic)
"""
import json
import os
import sys

import ml_dtypes
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator
from onnxruntime.quantization.quant_utils import compute_scale_zp

SEED = 20240611
EPS = np.float32(2.0**-126)

INTS = {"int2": (-2, 1), "uint2": (0, 3), "int4": (-8, 7), "uint4": (0, 15), "int8": (-128, 127), "uint8": (0, 255)}
FLOATS = {"float8_e4m3fn": (448.0, ml_dtypes.float8_e4m3fn), "float8_e5m2": (57344.0, ml_dtypes.float8_e5m2),
          "float4_e2m1fn": (6.0, ml_dtypes.float4_e2m1fn)}
BITS = {"int2": 2, "uint2": 2, "int4": 4, "uint4": 4, "int8": 8, "uint8": 8}
ONNX_TYPE = {"int2": TensorProto.INT2, "uint2": TensorProto.UINT2, "int4": TensorProto.INT4,
             "uint4": TensorProto.UINT4, "int8": TensorProto.INT8, "uint8": TensorProto.UINT8,
             "float8_e4m3fn": TensorProto.FLOAT8E4M3FN, "float8_e5m2": TensorProto.FLOAT8E5M2,
             "float4_e2m1fn": TensorProto.FLOAT4E2M1}
NP_CODE_TYPE = {"int2": ml_dtypes.int2, "uint2": ml_dtypes.uint2, "int4": ml_dtypes.int4, "uint4": ml_dtypes.uint4,
                "int8": np.int8, "uint8": np.uint8}

# (name, shape, granularity json)
LAYOUTS = [
    ("per_tensor", [4, 8], {"type": "per_tensor"}),
    ("per_channel0", [4, 8], {"type": "per_channel", "axis": 0}),
    ("per_channel1", [3, 4, 2], {"type": "per_channel", "axis": 1}),
    ("per_block1", [4, 8], {"type": "per_block", "axis": 1, "block_size": 4}),
    ("per_block0", [8, 3], {"type": "per_block", "axis": 0, "block_size": 4}),
]

checked = {"onnxruntime": set(), "reference": set()}


def bits(a):
    return np.asarray(a, dtype=np.float32).view(np.uint32).ravel().tolist()


def group_view(shape, gran):
    """Returns (group index per element, scale shape)."""
    n = int(np.prod(shape))
    idx = np.arange(n).reshape(shape)
    if gran["type"] == "per_tensor":
        return np.zeros(n, dtype=np.int64), []
    axis = gran["axis"]
    coords = np.unravel_index(np.arange(n), shape)
    if gran["type"] == "per_channel":
        return coords[axis].astype(np.int64), [shape[axis]]
    b = gran["block_size"]
    sshape = list(shape)
    sshape[axis] //= b
    c = list(coords)
    c[axis] = c[axis] // b
    return np.ravel_multi_index(c, sshape).astype(np.int64), sshape


def group_minmax(x, groups, count):
    lo = np.full(count, np.inf, dtype=np.float32)
    hi = np.full(count, -np.inf, dtype=np.float32)
    np.minimum.at(lo, groups, x.ravel())
    np.maximum.at(hi, groups, x.ravel())
    return lo, hi


def finish_scale(s64, scale_dtype):
    s = max(np.float32(s64), EPS)
    if scale_dtype == "float8_e8m0fnu":
        m, e = np.frexp(np.float64(s))  # s = m * 2^e, m in [0.5, 1)
        e = int(e) - 1 if m == 0.5 else int(e)
        return np.float32(2.0 ** min(127, max(-127, e)))
    if scale_dtype == "float16":
        h = np.float16(s)
        if np.float32(h) < s:
            h = np.nextafter(h, np.float16(np.inf))
        return np.float32(max(min(np.float32(h), np.float32(65504)), np.float32(2.0**-24)))
    return np.float32(s)


def qparams(lo, hi, dtype, qscheme, form, float_range, scale_dtype, narrow):
    scales, zeros, offsets = [], [], []
    for l, h in zip(lo, hi):
        l, h = (np.float32(0), np.float32(0)) if not l <= h else (l, h)
        if float_range is not None:
            l = np.float32(float_range[0]) if float_range[0] is not None else l
            h = np.float32(float_range[1]) if float_range[1] is not None else h
        l, h = float(l), float(h)
        a = max(abs(l), abs(h))
        if dtype in FLOATS:
            scales.append(finish_scale(a / FLOATS[dtype][0], scale_dtype))
            zeros.append(0)
            continue
        qmin, qmax = INTS[dtype]
        if form == "minval":
            lo_, hi_ = (-a, a) if qscheme == "symmetric" else (l, max(h, l))
            scales.append(finish_scale((hi_ - lo_) / (qmax - qmin), scale_dtype))
            zeros.append(0)
            offsets.append(np.float32(lo_))
            continue
        if qscheme == "symmetric":
            # Full range (coreai-opt, PyTorch): a / ((qmax - qmin) / 2); narrow (onnxruntime weights): a / (2^(b-1) - 1).
            divisor = 2 ** (BITS[dtype] - 1) - 1 if narrow else (qmax - qmin) / 2
            scales.append(finish_scale(a / divisor, scale_dtype))
            zeros.append(0 if qmin < 0 else 2 ** (BITS[dtype] - 1))
            if scale_dtype is None and a > 0 and (qmin < 0 or not narrow):
                # onnxruntime's symmetric scale is (2a) / (qmax - qmin) over the range it is given: its narrow signed
                # range [-qmax, qmax], or the whole range, where its zero point is the midpoint.
                rq = (np.int32(-qmax), np.int32(qmax)) if narrow else (np.int32(qmin), np.int32(qmax))
                z_ref, s_ref = compute_scale_zp(np.float32(l), np.float32(h), rq[0], rq[1], True)
                assert np.float32(s_ref) == scales[-1] and int(z_ref) == zeros[-1], (dtype, l, h, s_ref, scales[-1])
        else:
            a0, b0 = min(l, 0.0), max(h, 0.0)
            exact = (b0 - a0) / (qmax - qmin)
            stored = finish_scale(exact, scale_dtype)
            s = exact if stored == np.float32(exact) else float(stored)
            z = int(min(qmax, max(qmin, np.round(qmin - a0 / s))))
            scales.append(stored)
            zeros.append(z)
            if scale_dtype is None and b0 > a0:
                z_ref, s_ref = compute_scale_zp(np.float32(l), np.float32(h), np.int32(qmin), np.int32(qmax), False)
                assert np.float32(s_ref) == stored and int(z_ref) == z, (dtype, l, h, s_ref, z_ref, stored, z)
    return (np.array(scales, dtype=np.float32), np.array(zeros, dtype=np.int64),
            np.array(offsets, dtype=np.float32) if form == "minval" else None)


def fake_quant(x, groups, dtype, scale, zero, offset):
    s = scale[groups]
    xf = x.ravel().astype(np.float32)
    if dtype in FLOATS:
        fmax, t = FLOATS[dtype]
        v = np.clip(xf / s, -fmax, fmax)
        return (v.astype(t).astype(np.float32) * s).astype(np.float32)
    qmin, qmax = INTS[dtype]
    if offset is not None:
        m = offset[groups]
        q = np.clip(np.rint((xf - m) / s), 0, qmax - qmin).astype(np.float32)
        return (q * s + m).astype(np.float32)
    z = zero[groups].astype(np.float32)
    q = np.clip(np.rint(xf / s) + z, qmin, qmax)
    return ((q - z) * s).astype(np.float32)


def onnx_qdq(x, dtype, scale, zero, sshape, gran):
    """Runs QuantizeLinear -> DequantizeLinear; returns (output, engine)."""
    attrs = {}
    if gran["type"] != "per_tensor":
        attrs["axis"] = gran["axis"]
    if gran["type"] == "per_block":
        attrs["block_size"] = gran["block_size"]
    opset = 25 if dtype in ("int2", "uint2") else (23 if dtype == "float4_e2m1fn" else 21)
    zp_vals = zero.astype(NP_CODE_TYPE[dtype]) if dtype in INTS else np.zeros(scale.shape, dtype=np.float32)
    zp = helper.make_tensor("zp", ONNX_TYPE[dtype], sshape, zp_vals.ravel().tolist())
    sc = helper.make_tensor("s", TensorProto.FLOAT, sshape, scale.ravel().tolist())
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["q"], **attrs),
             helper.make_node("DequantizeLinear", ["q", "s", "zp"], ["y"], **attrs)]
    graph = helper.make_graph(nodes, "qdq", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(x.shape))],
                              initializer=[sc, zp])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 11 if opset >= 23 else 10
    try:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
        return sess.run(None, {"x": x})[0], "onnxruntime"
    except Exception:  # type or layout onnxruntime does not implement
        return ReferenceEvaluator(model).run(None, {"x": x})[0], "reference"


def probe_for(x, groups, scale, zero, dtype, rng):
    """Data plus exact half-step ties and out-of-range values."""
    s = scale[groups].reshape(x.shape)
    z = zero[groups].reshape(x.shape).astype(np.float32)
    k = np.rint(x / s)
    ties = ((k + np.float32(0.5)) * s).astype(np.float32)
    big = (x * np.float32(2.5)).astype(np.float32)
    pick = rng.integers(0, 3, size=x.shape)
    return np.where(pick == 0, x, np.where(pick == 1, ties, big)).astype(np.float32)


def main():
    rng = np.random.default_rng(SEED)
    cases = []
    variants = [(d, q, f, None, None) for d in INTS for q in ("symmetric", "asymmetric") for f in ("zp", "minval")]
    variants += [(d, "symmetric", "zp", None, None) for d in FLOATS]
    variants += [("int8", "asymmetric", "zp", [-1.0, None], None), ("uint8", "asymmetric", "zp", [None, 0.5], None),
                 ("int8", "symmetric", "zp", [-0.25, 0.25], None), ("float8_e4m3fn", "symmetric", "zp", [None, 1.0], None),
                 ("float4_e2m1fn", "symmetric", "zp", None, "float8_e8m0fnu"),
                 ("float8_e4m3fn", "symmetric", "zp", None, "float8_e8m0fnu"),
                 ("int4", "symmetric", "zp", None, "float8_e8m0fnu"), ("uint8", "asymmetric", "zp", None, "float8_e8m0fnu"),
                 ("int8", "asymmetric", "zp", None, "float16"), ("int4", "asymmetric", "minval", [0.1, None], None)]
    variants = [v + (False,) for v in variants]
    variants += [(d, "symmetric", "zp", None, None, True) for d in INTS]
    variants += [("int4", "symmetric", "zp", None, "float8_e8m0fnu", True), ("int8", "symmetric", "zp", [-0.25, 0.25], None, True)]
    for dtype, qscheme, form, float_range, scale_dtype, narrow in variants:
        for lname, shape, gran in LAYOUTS:
            x = rng.standard_normal(shape).astype(np.float32) * np.float32(rng.uniform(0.05, 3.0))
            if qscheme == "asymmetric":
                x = (x + np.float32(rng.uniform(-1, 1))).astype(np.float32)
            if lname == "per_channel0":
                x[1] = np.abs(x[1])  # an all-positive channel
                x[2] = 0  # a constant-zero channel exercises the epsilon guard
            groups, sshape = group_view(shape, gran)
            count = int(np.prod(sshape)) if sshape else 1
            lo, hi = group_minmax(x, groups, count)
            scale, zero, offset = qparams(lo, hi, dtype, qscheme, form, float_range, scale_dtype, narrow)
            probe = probe_for(x, groups, scale, zero if offset is None else np.zeros_like(zero), dtype, rng)
            y = fake_quant(probe, groups, dtype, scale, zero, offset)
            engine = "numpy"
            if offset is None:
                y_ref, engine = onnx_qdq(probe, dtype, scale, zero, sshape, gran)
                assert np.array_equal(y_ref.ravel().view(np.uint32), y.view(np.uint32)), (dtype, qscheme, lname, engine)
                checked[engine].add(dtype)
            case = {"name": f"{dtype}-{qscheme}-{form}-{lname}" + (f"-range{float_range}" if float_range else "")
                    + (f"-{scale_dtype}" if scale_dtype else "") + ("-narrow" if narrow else ""),
                    "dtype": dtype, "qscheme": qscheme, "qformulation": form, "granularity": gran, "shape": shape,
                    "float_range": float_range, "scale_dtype": scale_dtype, "narrow_range": narrow, "x": bits(x), "probe": bits(probe),
                    "scale": bits(scale), "zero_point": zero.tolist(), "scale_shape": sshape,
                    "offset": bits(offset) if offset is not None else None, "expected": bits(y), "checked_by": engine}
            cases.append(case)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quant_cases.json")
    with open(out, "w") as f:
        json.dump({"seed": SEED, "onnxruntime": ort.__version__, "onnx": onnx.__version__, "cases": cases}, f,
                  separators=(",", ":"))
    print(f"{len(cases)} cases -> {out}")
    print("onnxruntime:", sorted(checked["onnxruntime"]), "reference:", sorted(checked["reference"]))


if __name__ == "__main__":
    sys.exit(main())
