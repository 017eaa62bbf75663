"""One QAT step, Recast (qat-bench) next to PyTorch's eager fake-quant QAT (torch_qat.py), same thread count.

Both sides are pinned to the same CPUs (taskset -c 0..T-1); PyTorch also gets torch.set_num_threads(T), Recast's
kernels size their pool from the affinity mask (OpenBLAS runs single-threaded inside Recast). Rounds alternate
between the two per model, so a change in machine load hits both; the table gives the median over rounds of each
side's median ms/step and the ratio of those (recast / torch; target at most 1.5).

Usage: python bench.py QAT_BENCH_BINARY MODELS_DIR [--threads T ...] [--rounds R] [--steps N] [--warmup N]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

p = argparse.ArgumentParser()
p.add_argument("recast")
p.add_argument("models")
p.add_argument("--threads", type=int, nargs="+", default=[2, 1])
p.add_argument("--rounds", type=int, default=3)
p.add_argument("--steps", type=int, default=0, help="timed steps per round (default: 20 digits, 5 resnet18)")
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--only", choices=["digits", "resnet18"])
args = p.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
line = re.compile(r"^(recast|torch) (\S+) (\S+): median ([\d.]+) ms/step, min ([\d.]+) ms, cpu ([\d.]+) ms/step(.*)$")


def run(cmd, threads):
    pin = ["taskset", "-c", ",".join(str(i) for i in range(threads))]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    out = subprocess.run(pin + cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    for text in out.stdout.splitlines():
        m = line.match(text)
        if m:
            return float(m[4]), float(m[5]), float(m[6]), text
    sys.exit(f"no timing line in the output of {' '.join(cmd)}:\n{out.stdout}\n{out.stderr}")


models = [args.only] if args.only else ["digits", "resnet18"]
print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
rows = []
for threads in args.threads:
    for model in models:
        steps = args.steps or (20 if model == "digits" else 5)
        common = ["--only", model, "--steps", str(steps), "--warmup", str(args.warmup)]
        recast, torch = [], []
        for r in range(args.rounds):
            recast.append(run([args.recast, "--models", args.models, *common], threads))
            torch.append(run([sys.executable, os.path.join(here, "torch_qat.py"), "--models", args.models,
                              "--threads", str(threads), *common], threads))
            print(f"T={threads} round {r + 1}: {recast[-1][3]}\nT={threads} round {r + 1}: {torch[-1][3]}", flush=True)
        rm = statistics.median(x[0] for x in recast)
        tm = statistics.median(x[0] for x in torch)
        rows.append((model, threads, rm, min(x[1] for x in recast), statistics.median(x[2] for x in recast),
                     tm, min(x[1] for x in torch), statistics.median(x[2] for x in torch)))

print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
print()
print("| model | threads | recast ms/step (min, cpu) | torch ms/step (min, cpu) | ratio recast/torch (of mins) |")
print("|---|---|---|---|---|")
for model, threads, rm, rmin, rcpu, tm, tmin, tcpu in rows:
    name = "digits_cnn_bn b64" if model == "digits" else "resnet18_random_bn b8"
    print(f"| {name} | {threads} | {rm:.2f} ({rmin:.2f}, {rcpu:.2f}) | {tm:.2f} ({tmin:.2f}, {tcpu:.2f}) | "
          f"{rm / tm:.2f} ({rmin / tmin:.2f}) |")
