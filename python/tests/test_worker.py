"""Tests of the worker helper (sisa.worker) and the example workers, driven through the protocol
as sisa drives them.

Run with pytest, with the sisa package installed (CONTRIBUTING.md, "The Python package"):

    python -m pytest python/tests

Workers run in subprocesses. The scikit-learn and PyTorch workers run with the interpreters named
by SISA_SKLEARN_PYTHON and SISA_TORCH_PYTHON (default: the one running the tests); their tests are
skipped, with the reason, when that interpreter cannot import the library. The PyTorch tests use
real MNIST test images from SISA_MNIST_DIR (default: shared/data/mnist-t10k beside the repository)
and fall back to synthetic images when those are missing.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from sisa import worker as helper

REPO = Path(__file__).resolve().parents[2]
WORKERS = REPO / "examples" / "workers"

SKLEARN_PYTHON = os.environ.get("SISA_SKLEARN_PYTHON", sys.executable)
TORCH_PYTHON = os.environ.get("SISA_TORCH_PYTHON", sys.executable)
MNIST_DIR = Path(os.environ.get("SISA_MNIST_DIR", REPO.parent / "shared" / "data" / "mnist-t10k"))
BIG_SEED = 2**64 - 12345  # seeds are 64-bit: make sure the top of the range gets through


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    """A new empty folder for each test."""
    return tmp_path


# --- driving a worker --------------------------------------------------------------------------


class Worker:
    """A worker process, spoken to as sisa speaks to it."""

    def __init__(self, script: Path | str, python: str = sys.executable,
                 env: dict[str, str] | None = None):
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [python, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr,
            env={**os.environ, "SISA_WORKER_PROTOCOL": "1", "OMP_NUM_THREADS": "1",
                 "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **(env or {})})
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, message: dict) -> None:
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def receive(self, timeout: float = 120) -> bytes | None:
        """The next line the worker wrote on stdout, or None when it closed stdout."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no reply within {timeout} s") from None

    def call(self, message: dict, timeout: float = 120) -> dict:
        """Send a request and parse its one-line reply."""
        self.send(message)
        line = self.receive(timeout)
        assert line is not None, f"worker closed stdout; stderr:\n{self.stderr_text()}"
        reply = json.loads(line)
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), reply
        return reply

    def ok(self, message: dict, timeout: float = 120) -> dict:
        """Send a request that must succeed."""
        reply = self.call(message, timeout)
        assert reply["ok"], f"{reply}; stderr:\n{self.stderr_text()}"
        return reply

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def wait(self, timeout: float = 10) -> int:
        return self.process.wait(timeout)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *_) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()
        self.stderr.close()


def hello(options: dict | None = None) -> dict:
    return {"op": "hello", "protocol": 1, "options": options or {}}


def write_dataset(folder: Path, X: np.ndarray, y: np.ndarray, classes: int,
                  shape: list[int] | None = None) -> dict:
    """Write features.npy and labels.npy as sisa does and return the dataset request."""
    features, labels = folder / "features.npy", folder / "labels.npy"
    np.save(features, np.ascontiguousarray(X.reshape(len(X), -1), dtype=np.float32))
    np.save(labels, y.astype(np.int64))
    return {"op": "dataset", "features": str(features), "labels": str(labels), "shape": shape,
            "classes": classes, "fingerprint": f"test-{len(X)}-{classes}"}


def fit_request(folder: Path, out: str, ids, seed: int, epochs: float = 1.0,
                warm: str | None = None, new_from: int = 0) -> dict:
    return {"op": "fit", "warm": warm, "ids": [int(i) for i in ids], "new_from": new_from,
            "epochs": epochs, "iterations": max(1, round(epochs)), "seed": seed,
            "out": str(folder / out)}


def predict(worker: Worker, folder: Path, checkpoint: str, ids) -> np.ndarray:
    out = folder / f"proba-{time.monotonic_ns()}.npy"
    worker.ok({"op": "predict", "checkpoint": str(folder / checkpoint),
               "ids": [int(i) for i in ids], "out": str(out)})
    probabilities = np.load(out)
    assert probabilities.shape[0] == len(ids), probabilities.shape
    assert np.allclose(probabilities.sum(axis=1), 1.0), probabilities.sum(axis=1)
    return probabilities


def same_bytes(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


def blobs(classes: int, per_class: int, features: int = 20, seed: int = 0):
    """Well separated Gaussian clusters, shuffled: (X, y)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(classes, features))
    y = np.repeat(np.arange(classes), per_class)
    X = centres[y] + rng.normal(size=(len(y), features))
    order = rng.permutation(len(y))
    return X[order].astype(np.float32), y[order]


@functools.cache
def can_import(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format): big-endian dimensions, then uint8 data."""
    with gzip.open(path, "rb") as file:
        data = file.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(count: int) -> tuple[np.ndarray, np.ndarray, str]:
    """The first `count` MNIST test images scaled to [0, 1], their labels, and where they came
    from; random images with random labels when the files are missing."""
    images = MNIST_DIR / "t10k-images-idx3-ubyte.gz"
    labels = MNIST_DIR / "t10k-labels-idx1-ubyte.gz"
    if images.exists() and labels.exists():
        X = read_idx(images)[:count].astype(np.float32) / 255.0
        return X.reshape(count, 1, 28, 28), read_idx(labels)[:count].astype(np.int64), "MNIST"
    rng = np.random.default_rng(0)
    return (rng.random((count, 1, 28, 28), dtype=np.float32),
            rng.integers(0, 10, count), "synthetic images (MNIST not found)")


# --- the checkpoint format ---------------------------------------------------------------------


def test_state_round_trip_is_exact_and_deterministic(tmp: Path):
    arrays = {"weights": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
              "counts": np.array([1, -2, 3], dtype=np.int64),
              "mask": np.array([True, False]),
              "big_endian": np.arange(3, dtype=">f8"),
              "scalar": np.array(2.5),
              "strided": np.arange(10.0)[::2]}
    values = {"t": 1234.000000001, "name": "net", "nothing": None, "layers": [16, 32],
              "nested": {"b": 1, "a": 2}, "numpy_number": np.float64(0.1)}
    state = {**arrays, **values}
    helper.save_state(state, str(tmp / "a.ckpt"))
    helper.save_state(dict(reversed(list(state.items()))), str(tmp / "b.ckpt"))
    assert same_bytes(tmp / "a.ckpt", tmp / "b.ckpt"), "key order changed the bytes"
    loaded = helper.load_state(str(tmp / "a.ckpt"))
    assert set(loaded) == set(state)
    for key, array in arrays.items():
        assert loaded[key].dtype == array.dtype.newbyteorder("="), (key, loaded[key].dtype)
        assert loaded[key].shape == array.shape and np.array_equal(loaded[key], array), key
        assert loaded[key].flags.writeable, key
    assert {key: loaded[key] for key in values} == {**values, "numpy_number": 0.1}
    helper.save_state(loaded, str(tmp / "c.ckpt"))
    assert same_bytes(tmp / "a.ckpt", tmp / "c.ckpt"), "a load/save round trip changed bytes"
    lines = (tmp / "a.ckpt").read_bytes().split(b"\n", 2)
    assert lines[0] + b"\n" == helper.MAGIC
    header = json.loads(lines[1])
    assert header["arrays"]["big_endian"] == {"dtype": "<f8", "offset": 0, "shape": [3]}


def test_state_errors(tmp: Path):
    for bad in (np.array([object()]), np.zeros(2, dtype=[("a", "<f4")])):
        try:
            helper.save_state({"x": bad}, str(tmp / "bad.ckpt"))
        except TypeError:
            continue
        raise AssertionError(f"dtype {bad.dtype} was accepted")
    helper.save_state({"x": np.zeros(100)}, str(tmp / "full.ckpt"))
    data = (tmp / "full.ckpt").read_bytes()
    for name, broken in (("truncated", data[:-8]), ("magic", b"X" + data[1:]),
                         ("trailing", data + b"\0")):
        (tmp / name).write_bytes(broken)
        try:
            helper.load_state(str(tmp / name))
        except ValueError:
            continue
        raise AssertionError(f"a {name} file was accepted")


def test_old_import_name_is_the_same_module_with_a_warning():
    sys.modules.pop("sisa_worker", None)
    with pytest.warns(FutureWarning, match="from sisa import worker"):
        import sisa_worker
    assert sisa_worker is helper
    sys.modules.pop("sisa_worker")


# --- the protocol loop, with the empty worker and a probe worker ------------------------------

PROBE = """
import os
import numpy as np
from sisa import worker

def parse_options(options):
    if "bad" in options:
        raise ValueError("bad option")
    return options

def fit(warm, X, y, step):
    print("stray print from fit")
    os.write(1, b"stray bytes on file descriptor 1\\n")
    if step.seed == 13:
        raise ValueError("seed 13 is unlucky")
    calls = 1 if warm is None else warm["calls"] + 1
    return ({"X": X, "y": y, "calls": calls, "new_from": step.new_from, "epochs": step.epochs,
             "iterations": step.iterations, "seed": step.seed, "classes": step.classes,
             "options": step.options}, {"passes": len(X) * step.epochs})

def predict(state, X, classes, options):
    print("stray print from predict")
    if len(X) == 1:  # a mistake the helper must catch: rows that do not sum to 1
        return np.ones((1, classes))
    return np.full((len(X), classes), 1.0 / classes, dtype=np.float32)

worker.run(fit=fit, predict=predict, name="probe", parse_options=parse_options)
"""


def probe_worker(tmp: Path) -> Worker:
    script = tmp / "probe.py"
    script.write_text(PROBE)
    return Worker(script)


def test_empty_worker_session(tmp: Path):
    X, y = blobs(3, 10)
    with Worker(WORKERS / "empty.py") as worker:
        assert worker.ok(hello({"epochs": 5})) == {"ok": True, "protocol": 1, "name": "empty"}
        worker.ok(write_dataset(tmp, X, y, 3))
        reply = worker.ok(fit_request(tmp, "a.ckpt", range(10), seed=1))
        assert reply["cpu_s"] >= 0, reply
        worker.ok(fit_request(tmp, "b.ckpt", range(5, 20), seed=2, warm=str(tmp / "a.ckpt")))
        assert (tmp / "a.ckpt").stat().st_size > 0 and same_bytes(tmp / "a.ckpt", tmp / "b.ckpt")
        probabilities = predict(worker, tmp, "b.ckpt", [0, 3, 29])
        assert probabilities.dtype == np.float64 and np.allclose(probabilities, 1 / 3)
        assert worker.call({"op": "bye"}) == {"ok": True}
        assert worker.wait() == 0


def test_exits_at_end_of_input(tmp: Path):
    with Worker(WORKERS / "empty.py") as worker:
        worker.ok(hello())
        worker.process.stdin.close()
        assert worker.wait() == 0
        assert worker.receive() is None


def test_requests_out_of_order_or_malformed_fail_and_serving_goes_on(tmp: Path):
    X, y = blobs(3, 10)
    with Worker(WORKERS / "empty.py") as worker:
        def fails(message: dict | bytes, error_part: str):
            if isinstance(message, bytes):  # not a request sisa would send: write it raw
                worker.process.stdin.write(message)
                worker.process.stdin.flush()
                reply = json.loads(worker.receive())
            else:
                reply = worker.call(message)
            assert not reply["ok"] and error_part in reply["error"], reply

        fails({"op": "dataset"}, "first request must be hello")
        fails({"op": "hello", "protocol": 2}, "protocol 1")
        worker.ok(hello())
        fails(fit_request(tmp, "a.ckpt", [0], seed=1), "no dataset")
        fails({"op": "train"}, "unknown op")
        fails(b"{not json\n", "JSONDecodeError")
        fails(b"[1, 2]\n", "JSON object")
        dataset = write_dataset(tmp, X, y, 3)
        np.save(tmp / "labels32.npy", y.astype(np.int32))
        fails({**dataset, "labels": str(tmp / "labels32.npy")}, "int64")
        fails({**dataset, "shape": [7, 7]}, "does not match")
        fails({**dataset, "classes": 2}, "labels must be in 0..2")
        worker.ok(dataset)
        fails(fit_request(tmp, "a.ckpt", [0, 30], seed=1), "ids must be in 0..30")
        fails(fit_request(tmp, "a.ckpt", [-1], seed=1), "ids must be in 0..30")
        assert not (tmp / "a.ckpt").exists()
        worker.ok(fit_request(tmp, "a.ckpt", [0, 29], seed=1))


def test_helper_hands_fit_the_right_points_and_step(tmp: Path):
    X = np.arange(5 * 12, dtype=np.float32).reshape(5, 12)
    y = np.array([0, 1, 2, 1, 0])
    with probe_worker(tmp) as worker:
        worker.ok(hello({"lr": 0.1}))
        worker.ok(write_dataset(tmp, X, y, 3, shape=[1, 3, 4]))
        reply = worker.ok(fit_request(tmp, "a.ckpt", [4, 0, 2], seed=BIG_SEED, epochs=2.5))
        assert reply["passes"] == 7.5, reply
        worker.ok(fit_request(tmp, "b.ckpt", [4, 0, 2, 3], seed=5, epochs=2.5,
                              warm=str(tmp / "a.ckpt"), new_from=3))
        first = helper.load_state(str(tmp / "a.ckpt"))
        second = helper.load_state(str(tmp / "b.ckpt"))
    assert first["X"].shape == (3, 1, 3, 4) and first["X"].dtype == np.float32
    assert np.array_equal(first["X"].reshape(3, 12), X[[4, 0, 2]])
    assert np.array_equal(first["y"], y[[4, 0, 2]]) and first["y"].dtype == np.int64
    assert first["seed"] == BIG_SEED and first["classes"] == 3
    assert (first["epochs"], first["iterations"], first["options"]) == (2.5, 2, {"lr": 0.1})
    assert second["calls"] == 2 and second["new_from"] == 3


def test_stray_output_goes_to_stderr(tmp: Path):
    X, y = blobs(2, 5)
    with probe_worker(tmp) as worker:
        worker.ok(hello())
        worker.ok(write_dataset(tmp, X, y, 2))
        worker.ok(fit_request(tmp, "a.ckpt", range(10), seed=1))
        predict(worker, tmp, "a.ckpt", range(10))
        worker.ok({"op": "bye"})
        assert worker.wait() == 0
        assert worker.receive() is None, "stdout carried more than the replies"
        stderr = worker.stderr_text()
    for stray in ("stray print from fit", "stray bytes on file descriptor 1",
                  "stray print from predict"):
        assert stray in stderr, stray


def test_user_errors_become_failure_replies(tmp: Path):
    X, y = blobs(2, 5)
    with probe_worker(tmp) as worker:
        reply = worker.call(hello({"bad": True}))
        assert reply == {"ok": False, "error": "ValueError: bad option"}, reply
        worker.ok(hello())
        worker.ok(write_dataset(tmp, X, y, 2))
        reply = worker.call(fit_request(tmp, "a.ckpt", range(10), seed=13))
        assert reply == {"ok": False, "error": "ValueError: seed 13 is unlucky"}, reply
        assert "Traceback" in worker.stderr_text()
        worker.ok(fit_request(tmp, "a.ckpt", range(10), seed=1))
        reply = worker.call({"op": "predict", "checkpoint": str(tmp / "a.ckpt"), "ids": [0],
                             "out": str(tmp / "p.npy")})
        assert not reply["ok"] and "do not sum to 1" in reply["error"], reply
        assert not (tmp / "p.npy").exists()
        predict(worker, tmp, "a.ckpt", [0, 1])


# --- the scikit-learn worker -------------------------------------------------------------------


def require(python: str, module: str, variable: str) -> None:
    if not can_import(python, module):
        pytest.skip(f"{python} cannot import {module} (set {variable})")


def sklearn_worker() -> Worker:
    require(SKLEARN_PYTHON, "sklearn", "SISA_SKLEARN_PYTHON")
    return Worker(WORKERS / "sklearn_sgd.py", python=SKLEARN_PYTHON)


def test_sklearn_learns_and_continues_deterministically(tmp: Path):
    X, y = blobs(4, 300)
    train, test = np.arange(900), np.arange(900, 1200)
    with sklearn_worker() as worker:
        assert worker.ok(hello({"epochs": 5}))["name"] == "sklearn-sgd"
        worker.ok(write_dataset(tmp, X, y, 4))
        reply = worker.ok(fit_request(tmp, "a.ckpt", train[:450], seed=7, epochs=2.5))
        assert reply["passes"] == 1125 and reply["cpu_s"] > 0, reply
        worker.ok(fit_request(tmp, "a2.ckpt", train[:450], seed=7, epochs=2.5))
        worker.ok(fit_request(tmp, "other.ckpt", train[:450], seed=8, epochs=2.5))
        warm = dict(warm=str(tmp / "a.ckpt"), new_from=450)
        worker.ok(fit_request(tmp, "b.ckpt", train, seed=9, epochs=2.5, **warm))
        worker.ok(fit_request(tmp, "b2.ckpt", train, seed=9, epochs=2.5, **warm))
        accuracy = (predict(worker, tmp, "b.ckpt", test).argmax(axis=1) == y[test]).mean()
    assert same_bytes(tmp / "a.ckpt", tmp / "a2.ckpt"), "same seed, different checkpoint"
    assert not same_bytes(tmp / "a.ckpt", tmp / "other.ckpt"), "the seed changed nothing"
    assert same_bytes(tmp / "b.ckpt", tmp / "b2.ckpt"), "same warm step, different checkpoint"
    assert accuracy >= 0.9, accuracy
    state = helper.load_state(str(tmp / "b.ckpt"))
    assert state["t"] == 1 + 1125 + 2250, state["t"]  # t_ carried on: 1 + points visited


def test_sklearn_checkpoints_do_not_depend_on_the_process(tmp: Path):
    X, y = blobs(3, 50)
    for name in ("a.ckpt", "b.ckpt"):
        with sklearn_worker() as worker:
            worker.ok(hello())
            worker.ok(write_dataset(tmp, X, y, 3))
            worker.ok(fit_request(tmp, name, range(150), seed=BIG_SEED, epochs=1.3))
    assert same_bytes(tmp / "a.ckpt", tmp / "b.ckpt")


def test_sklearn_probabilities_match_predict_proba(tmp: Path):
    if not can_import(sys.executable, "sklearn"):
        pytest.skip("this interpreter cannot import sklearn")
    sys.path.insert(0, str(WORKERS))
    import sklearn_sgd
    for classes in (2, 4):
        X, y = blobs(classes, 40)
        for loss in ("log_loss", "modified_huber"):
            options = sklearn_sgd.parse_options({"loss": loss})
            step = helper.FitStep(new_from=0, epochs=3, iterations=3, seed=1,
                                       classes=classes, options=options)
            state, _ = sklearn_sgd.fit(None, X, y, step)
            expected = sklearn_sgd.classifier(state, options, classes).predict_proba(X)
            got = sklearn_sgd.predict(state, X, classes, options)
            assert np.allclose(got, expected, atol=1e-12), (classes, loss)


def test_sklearn_missing_classes_get_zero(tmp: Path):
    X, y = blobs(4, 60)
    low = np.flatnonzero(y < 2)
    only_two = np.flatnonzero(y == 2)
    with sklearn_worker() as worker:
        worker.ok(hello({"loss": "hinge"}))
        worker.ok(write_dataset(tmp, X, y, 4))
        worker.ok(fit_request(tmp, "low.ckpt", low, seed=1, epochs=2))
        worker.ok(fit_request(tmp, "two.ckpt", only_two, seed=1, epochs=0.5))
        low_probabilities = predict(worker, tmp, "low.ckpt", range(240))
        two_probabilities = predict(worker, tmp, "two.ckpt", range(240))
        worker.ok(fit_request(tmp, "more.ckpt", np.concatenate([low, only_two]), seed=2,
                              warm=str(tmp / "low.ckpt"), new_from=len(low)))
        more_probabilities = predict(worker, tmp, "more.ckpt", range(240))
    assert np.all(low_probabilities[:, 2:] == 0)
    assert set(np.unique(low_probabilities)) <= {0.0, 1.0}, "hinge loss should vote"
    assert np.all(two_probabilities == np.eye(4)[2]), "a one-class shard predicts that class"
    assert np.all(more_probabilities[:, 3] == 0) and more_probabilities[:, 2].any()


def test_sklearn_binary_and_single_class_datasets(tmp: Path):
    for classes in (1, 2):
        X, y = blobs(classes, 200 // classes)
        folder = tmp / str(classes)
        folder.mkdir()
        with sklearn_worker() as worker:
            worker.ok(hello())
            worker.ok(write_dataset(folder, X, y, classes))
            worker.ok(fit_request(folder, "a.ckpt", range(80), seed=3, epochs=1.5))
            worker.ok(fit_request(folder, "b.ckpt", range(100), seed=4,
                                  warm=str(folder / "a.ckpt"), new_from=80))
            probabilities = predict(worker, folder, "b.ckpt", range(100))
        assert probabilities.shape == (100, classes)
        assert (probabilities.argmax(axis=1) == y[:100]).mean() >= 0.9


def test_sklearn_rejects_bad_options(tmp: Path):
    with sklearn_worker() as worker:
        for options, message in (({"epoch": 3}, "unknown option(s) ['epoch']"),
                                 ({"loss": "log"}, "loss must be one of"),
                                 ({"alpha": 0}, "alpha must be positive"),
                                 ({"learning_rate": "adaptive"}, "learning_rate"),
                                 ({"epochs": "ten"}, "epochs must be positive"),
                                 ({"fit_intercept": 1}, "fit_intercept")):
            reply = worker.call(hello(options))
            assert not reply["ok"] and message in reply["error"], (options, reply)
        worker.ok(hello({"epochs": 10, "alpha": 1e-3, "learning_rate": "constant", "eta0": 0.1,
                         "loss": "modified_huber", "penalty": None}))


# --- the PyTorch worker ------------------------------------------------------------------------


def torch_worker() -> Worker:
    require(TORCH_PYTHON, "torch", "SISA_TORCH_PYTHON")
    return Worker(WORKERS / "torch_cnn.py", python=TORCH_PYTHON)


def test_torch_is_deterministic_on_mnist(tmp: Path):
    require(TORCH_PYTHON, "torch", "SISA_TORCH_PYTHON")
    X, y, source = mnist(600)
    print(f"    (torch determinism on {source})")
    train, test = np.arange(400), np.arange(400, 600)
    options = {"epochs": 5, "momentum": 0.9, "learning_rate": 0.05}
    for run in ("a", "b"):  # two processes: nothing may depend on the process
        with torch_worker() as worker:
            assert worker.ok(hello(options))["name"] == "torch-cnn"
            worker.ok(write_dataset(tmp, X, y, 10, shape=[1, 28, 28]))
            reply = worker.ok(fit_request(tmp, f"{run}1.ckpt", train[:200], seed=BIG_SEED,
                                          epochs=2.5))
            assert reply["passes"] == 500 and "device_s" not in reply, reply
            worker.ok(fit_request(tmp, f"{run}2.ckpt", train, seed=11, epochs=2.5,
                                  warm=str(tmp / f"{run}1.ckpt"), new_from=200))
            if run == "a":
                worker.ok(fit_request(tmp, "other.ckpt", train[:200], seed=12, epochs=2.5))
                accuracy = (predict(worker, tmp, "a2.ckpt", test).argmax(1) == y[test]).mean()
    assert same_bytes(tmp / "a1.ckpt", tmp / "b1.ckpt"), "same seed, different checkpoint"
    assert same_bytes(tmp / "a2.ckpt", tmp / "b2.ckpt"), "same warm step, different checkpoint"
    assert not same_bytes(tmp / "a1.ckpt", tmp / "other.ckpt"), "the seed changed nothing"
    assert any(key.startswith("momentum/") for key in helper.load_state(str(tmp / "a2.ckpt")))
    print(f"    (accuracy {accuracy:.3f} on 200 held-out points after training on 400)")
    if source == "MNIST":
        assert accuracy >= 0.5, accuracy


def test_torch_shard_missing_classes(tmp: Path):
    X, y, _ = mnist(300)
    low = np.flatnonzero(y < 5)
    with torch_worker() as worker:
        worker.ok(hello())
        worker.ok(write_dataset(tmp, X, y, 10, shape=[1, 28, 28]))
        worker.ok(fit_request(tmp, "a.ckpt", low, seed=1, epochs=0.5))
        probabilities = predict(worker, tmp, "a.ckpt", range(300))
    assert probabilities.shape == (300, 10)


def test_torch_rejects_bad_options(tmp: Path):
    with torch_worker() as worker:
        for options, message in (({"lr": 0.1}, "unknown option(s) ['lr']"),
                                 ({"batch_size": 0}, "batch_size"),
                                 ({"momentum": 1.0}, "momentum"),
                                 ({"device": "tpu"}, "device")):
            reply = worker.call(hello(options))
            assert not reply["ok"] and message in reply["error"], (options, reply)
        worker.ok(hello({"epochs": 3, "threads": 2}))
        worker.ok(write_dataset(tmp, *blobs(2, 5, features=4), 2, shape=[4]))
        reply = worker.call(fit_request(tmp, "a.ckpt", range(10), seed=1))
        assert not reply["ok"] and "needs images" in reply["error"], reply


# --- the misbehaving worker --------------------------------------------------------------------


def misbehaving(tmp: Path, mode: str, via_option: bool = False) -> tuple[Worker, dict]:
    """A misbehaving worker in `mode`, and its hello reply (sent with a dataset when ok)."""
    worker = Worker(WORKERS / "misbehaving.py", env={} if via_option else {"SISA_MISBEHAVE": mode})
    reply = worker.call(hello({"mode": mode, "epochs": 2} if via_option else {"epochs": 2}))
    if reply["ok"] and reply["protocol"] == 1:
        worker.ok(write_dataset(tmp, *blobs(2, 5), 2))
    return worker, reply


def test_misbehaving_well_behaved(tmp: Path):
    worker, reply = misbehaving(tmp, "")
    with worker:
        assert reply["ok"] and reply["protocol"] == 1
        worker.ok(fit_request(tmp, "a.ckpt", range(10), seed=1))
        assert (tmp / "a.ckpt").stat().st_size > 0
        assert np.allclose(predict(worker, tmp, "a.ckpt", [1, 2, 3]), 0.5)
        worker.ok({"op": "bye"})
        assert worker.wait() == 0


def test_misbehaving_modes(tmp: Path):
    for via_option in (False, True):
        for mode in ("crash", "hang", "garbage", "no-checkpoint", "fit-error"):
            folder = tmp / f"{mode}-{via_option}"
            folder.mkdir()
            worker, reply = misbehaving(folder, mode, via_option)
            with worker:
                assert reply["ok"], (mode, reply)
                worker.send(fit_request(folder, "a.ckpt", range(10), seed=1))
                if mode == "hang":
                    try:
                        worker.receive(timeout=1.5)
                    except TimeoutError:
                        continue
                    raise AssertionError("hang replied")
                line = worker.receive(timeout=10)
                if mode == "crash":
                    assert line is None and worker.wait() == 3, line
                    assert "crashing mid-fit" in worker.stderr_text()
                elif mode == "garbage":
                    try:
                        json.loads(line)
                    except ValueError:
                        continue
                    raise AssertionError(f"garbage was JSON: {line!r}")
                elif mode == "no-checkpoint":
                    assert json.loads(line)["ok"] and not (folder / "a.ckpt").exists()
                else:
                    assert not json.loads(line)["ok"], line
                assert f"({mode})" in worker.stderr_text(), mode
        for mode, expected in (("bad-hello", False), ("wrong-protocol", True)):
            worker, reply = misbehaving(tmp, mode, via_option)
            with worker:
                assert reply["ok"] is expected and reply.get("protocol") != 1, (mode, reply)
    worker, reply = misbehaving(tmp, "explode", via_option=True)
    with worker:
        assert not reply["ok"] and "unknown mode" in reply["error"], reply
