"""The same arithmetic as quantize-bench in numpy: per-channel int8 and per-block-32 int4
(symmetric, scale = max|x| / qmax, round half to even, clip), on the same-size weights."""
import sys, time
import numpy as np

megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 512
rows, columns = 4096, 1024
matrices = max(1, megabytes * 1024 * 1024 // (rows * columns * 4))
rng = np.random.default_rng(0)
weights = [rng.uniform(-1, 1, size=(rows, columns)).astype(np.float32) for _ in range(matrices)]
total = matrices * rows * columns * 4

def best(fn, repeats=3):
    t = float("inf")
    for _ in range(repeats):
        start = time.perf_counter(); fn(); t = min(t, time.perf_counter() - start)
    return t

def int8_per_channel():
    for w in weights:
        s = np.maximum(np.abs(w).max(axis=1, keepdims=True) / 127, np.float32(2**-126))
        np.clip(np.rint(w / s), -128, 127).astype(np.int8)

def int4_per_block():
    for w in weights:
        b = w.reshape(rows, columns // 32, 32)
        s = np.maximum(np.abs(b).max(axis=2, keepdims=True) / 7, np.float32(2**-126))
        q = np.clip(np.rint(b / s), -8, 7).astype(np.int8).reshape(-1)
        ((q[0::2] & 0x0F) | (q[1::2] << 4)).astype(np.uint8)  # pack two codes a byte, as ONNX stores int4

t8, t4 = best(int8_per_channel), best(int4_per_block)
print(f"numpy int8 per-channel      {total / t8 / 1e9:.2f} GB/s")
print(f"numpy int4 per-block 32     {total / t4 / 1e9:.2f} GB/s")
