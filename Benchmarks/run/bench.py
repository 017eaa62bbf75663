"""`recast run` of a W8A8 calibration recipe end to end against onnxruntime's quantize_static doing the same,
each a whole process, from process start to the model file written. Median of N runs, interleaved."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

recast, models, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5
here = os.path.dirname(os.path.abspath(__file__))
python = sys.executable


def timed(command, output):
    if os.path.exists(output):
        os.remove(output)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    assert os.path.exists(output), output
    return elapsed


with tempfile.TemporaryDirectory() as folder:
    cases = {
        "digits_cnn_bn": ("digits", f"{here}/digits_w8a8.yaml", [], f"{models}/digits_cnn_bn.onnx",
                          "out/digits.w8a8.qdq.onnx"),
        "minilm_l6_v2": ("minilm", f"{here}/minilm_w8a8.yaml", ["--set", f"model.path={models}/minilm_l6_v2.onnx"],
                         f"{models}/minilm_l6_v2.onnx", "out/minilm.w8a8.qdq.onnx"),
    }
    print(f"{'model':<16} {'recast run (s)':>15} {'ort quantize_static (s)':>24} {'ort/recast':>11}")
    for name, (which, recipe, extra, model, output) in cases.items():
        ours, theirs = [], []
        for _ in range(repeat):
            ours.append(timed([recast, "run", recipe, "--quiet", "--output-dir", folder] + extra,
                              f"{folder}/{output}"))
            ort_out = f"{folder}/ort_{which}.onnx"
            theirs.append(timed([python, f"{here}/ort_quantize.py", which, model, ort_out], ort_out))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"{name:<16} {a:>15.3f} {b:>24.3f} {b / a:>10.2f}x")
