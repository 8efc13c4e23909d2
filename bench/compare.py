#!/usr/bin/env python3
"""Benchmarks of sisa against the Python tools people use, measured side by side in one run.

Each case alternates sisa and its peers (so all see the same machine load), repeats, and reports
medians and the ratio peer / sisa (above 1: sisa is faster). Fit times are read from the tools'
own clocks around the fit (sisa: thread CPU time of the fit; scikit-learn: process CPU time of
`fit`; PyTorch: process CPU time of the training loop), so data loading and process start-up are
left out on all sides.

  cargo build --release && python3 bench/compare.py            # everything (about 15 minutes)
  python3 bench/compare.py --cases logistic-purchase --repeats 3
  python3 bench/compare.py --cases mlp-purchase --torch-python /path/to/venv/bin/python

Needs numpy and scikit-learn for the peers (pip install numpy scikit-learn); the network case
also runs PyTorch where the --torch-python interpreter (default: $TORCH_PYTHON, else this one) can
import torch, and skips it otherwise.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SISA = os.environ.get("SISA", os.path.join(ROOT, "target", "release", "sisa"))
PEERS = os.path.join(ROOT, "bench", "peers.py")
TORCH_PEER = os.path.join(ROOT, "bench", "torch_peer.py")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# name -> (spec, overrides, scikit-learn peer arguments). Peer settings mirror the spec's model.
FITS = {
    "logistic-purchase": ("bench/logistic.yaml", [], ["logistic", "--alpha", "1.0", "--max-iter", "100", "--tol", "1e-4"]),
    "logistic-letter": ("bench/logistic-letter.yaml", [], ["logistic", "--alpha", "1.0", "--max-iter", "100", "--tol", "1e-4"]),
    "mlp-purchase": ("bench/mlp.yaml", [], ["mlp", "--hidden", "128", "--activation", "tanh", "--learning-rate", "0.001",
                                            "--batch-size", "16", "--epochs", "5"]),
}
# name -> PyTorch peer arguments, for the cases PyTorch also runs.
TORCH_FITS = {
    "mlp-purchase": ["--hidden", "128", "--activation", "tanh", "--learning-rate", "0.001", "--batch-size", "16",
                     "--epochs", "5"],
}


def run_json(command, env=None):
    """Runs a command; returns its JSON lines."""
    full_env = dict(os.environ, **(env or {}))
    out = subprocess.run(command, cwd=ROOT, env=full_env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def can_import(python, module):
    """Whether `python` can import `module`."""
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def fit_case(name, repeats, threads, torch_python):
    """Rows comparing sisa with each peer of case `name`, every repeat running sisa then each
    peer once."""
    spec, overrides, peer = FITS[name]
    if not os.path.exists(os.path.join(ROOT, spec)):
        print(f"{name}: skipped, {spec} is missing", file=sys.stderr)
        return []
    data = tempfile.mkdtemp(prefix=f"sisa-bench-{name}-")
    subprocess.run([SISA, "export", spec, "--out", data] + overrides, cwd=ROOT, check=True, capture_output=True)
    env = ONE_THREAD if threads == "one" else {}
    peers = {"scikit-learn": [sys.executable, PEERS, data] + peer}
    if name in TORCH_FITS:
        if can_import(torch_python, "torch"):
            torch_threads = "1" if threads == "one" else str(os.cpu_count())
            peers["PyTorch"] = [torch_python, TORCH_PEER, data] + TORCH_FITS[name] + ["--threads", torch_threads]
        else:
            print(f"{name}: PyTorch skipped, {torch_python} cannot import torch", file=sys.stderr)
    ours, theirs = [], {peer_name: [] for peer_name in peers}
    for _ in range(repeats):
        ours += run_json([SISA, "bench", spec, "--repeats", "1"] + overrides)
        for peer_name, command in peers.items():
            theirs[peer_name] += run_json(command + ["--repeats", "1"], env=env)
    label = f"({threads} thread{'s' if threads != 'one' else ''})"
    return [summarise(f"{name} vs {peer_name} {label}", ours, rows) for peer_name, rows in theirs.items()]


def summarise(label, ours, theirs):
    median = lambda rows, key: statistics.median(r[key] for r in rows)
    row = {
        "case": label,
        "sisa_cpu_s": median(ours, "cpu_s"),
        "peer_cpu_s": median(theirs, "cpu_s"),
        "sisa_wall_s": median(ours, "wall_s"),
        "peer_wall_s": median(theirs, "wall_s"),
        "sisa_accuracy": median(ours, "accuracy"),
        "peer_accuracy": median(theirs, "accuracy"),
        "runs": len(ours),
    }
    row["speedup_cpu"] = row["peer_cpu_s"] / row["sisa_cpu_s"]
    row["speedup_wall"] = row["peer_wall_s"] / row["sisa_wall_s"]
    return row


def timed(command):
    """Wall seconds and peak resident memory (MiB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status {status}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0


def sweep_scaling(repeats):
    """The quickstart sweep with --jobs 1 and --jobs 2, alternated; beside them, two --jobs 1 runs
    side by side, whose throughput against one alone is the most two threads can give on this
    machine right now (shared virtual cores rarely give 2x)."""
    out = tempfile.mkdtemp(prefix="sisa-bench-sweep-")
    command = [SISA, "run", "experiments/quickstart.yaml", "--quiet", "--force", "--out"]
    times = {1: [], 2: [], "pair": []}
    for _ in range(repeats):
        for jobs in (1, 2):
            wall, _ = timed(command + [os.path.join(out, f"jobs{jobs}"), "--jobs", str(jobs)])
            times[jobs].append(wall)
        start = time.perf_counter()
        pair = [subprocess.Popen(command + [os.path.join(out, f"pair{i}"), "--jobs", "1"], cwd=ROOT)
                for i in range(2)]
        if any(process.wait() != 0 for process in pair):
            raise RuntimeError("a side-by-side quickstart run failed")
        times["pair"].append(time.perf_counter() - start)
    one, two, pair = (statistics.median(times[key]) for key in (1, 2, "pair"))
    return {"case": "quickstart sweep, --jobs 1 vs --jobs 2", "jobs1_wall_s": one, "jobs2_wall_s": two,
            "speedup": one / two, "machine_ceiling": 2 * one / pair, "runs": repeats}


def released(repeats):
    """The paper's released Purchase pipeline as one `sisa run` (bench/released-purchase.yaml),
    timed end to end on every core."""
    out = tempfile.mkdtemp(prefix="sisa-bench-released-")
    command = [SISA, "run", "bench/released-purchase.yaml", "--quiet", "--force", "--out", out]
    walls = [timed(command)[0] for _ in range(repeats)]
    return {"case": "released Purchase pipeline (S = 5, 20 epochs, K = 1..15)", "run_wall_s": statistics.median(walls),
            "runs": repeats}


def load(repeats):
    """Reading and encoding the shipped 20,000-row letter CSV (gzip), as a run does."""
    rows = run_json([SISA, "bench", "experiments/letter.yaml", "--load", "--repeats", str(repeats)])
    return {"case": "load letter CSV (20,000 rows)", "wall_s": statistics.median(r["wall_s"] for r in rows),
            "points": rows[0]["points"], "runs": len(rows)}


def memory():
    """Peak memory of one 250,000 x 600 purchase-like trial (S = 20, R = 4) against its parts."""
    out = tempfile.mkdtemp(prefix="sisa-bench-memory-")
    wall, peak = timed([SISA, "run", "bench/memory.yaml", "--quiet", "--force", "--jobs", "1", "--out", out])
    dataset_mib = 250_000 * 600 * 4 / 2**20
    steps = os.path.join(out, "steps.csv")
    header, first = open(steps).read().splitlines()[:2]
    record = dict(zip(header.split(","), first.split(",")))
    checkpoints_mib = float(record["checkpoint_bytes"]) / 2**20
    return {"case": "memory, 250,000 x 600 trial, S = 20, R = 4", "peak_mib": peak, "dataset_mib": dataset_mib,
            "checkpoints_mib": checkpoints_mib, "limit_mib": 2 * dataset_mib + checkpoints_mib,
            "within_limit": peak <= 2 * dataset_mib + checkpoints_mib, "wall_s": wall}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", nargs="*", default=list(FITS) + ["released", "sweep", "load", "memory"])
    parser.add_argument("--torch-python", default=os.environ.get("TORCH_PYTHON", sys.executable),
                        help="the Python that runs the PyTorch peer")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; sisa: {SISA}; repeats: {args.repeats}; medians reported")
    results = []
    for case in args.cases:
        if case in FITS:
            for threads in ("one", "all"):
                for row in fit_case(case, args.repeats, threads, args.torch_python):
                    results.append(row)
                    print(json.dumps(row), flush=True)
        elif case == "released":
            results.append(released(args.repeats))
            print(json.dumps(results[-1]), flush=True)
        elif case == "sweep":
            results.append(sweep_scaling(args.repeats))
            print(json.dumps(results[-1]), flush=True)
        elif case == "load":
            results.append(load(args.repeats))
            print(json.dumps(results[-1]), flush=True)
        elif case == "memory":
            row = memory()
            results.append(row)
            print(json.dumps(row), flush=True)
    print()
    for row in results:
        if "speedup_cpu" in row:
            print(f"{row['case']:<48} sisa {row['sisa_cpu_s']:.3f} s  peer {row['peer_cpu_s']:.3f} s  "
                  f"peer/sisa {row['speedup_cpu']:.2f}x (cpu), {row['speedup_wall']:.2f}x (wall)  "
                  f"accuracy {row['sisa_accuracy']:.4f} vs {row['peer_accuracy']:.4f}")
        elif "jobs1_wall_s" in row:
            print(f"{row['case']:<36} {row['jobs1_wall_s']:.2f} s vs {row['jobs2_wall_s']:.2f} s: {row['speedup']:.2f}x "
                  f"(two --jobs 1 runs side by side: {row['machine_ceiling']:.2f}x the throughput of one)")
        elif "run_wall_s" in row:
            print(f"{row['case']:<48} {row['run_wall_s']:.2f} s wall")
        elif "points" in row:
            print(f"{row['case']:<36} {row['wall_s']:.3f} s for {row['points']} points")
        else:
            print(f"{row['case']:<36} peak {row['peak_mib']:.0f} MiB; dataset {row['dataset_mib']:.0f} MiB, "
                  f"checkpoints {row['checkpoints_mib']:.1f} MiB, limit 2 x dataset + checkpoints = "
                  f"{row['limit_mib']:.0f} MiB: {'within' if row['within_limit'] else 'OVER'}")


if __name__ == "__main__":
    main()
