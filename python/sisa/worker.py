"""Write a sisa `external` worker in a few lines of Python: `from sisa import worker`.

sisa trains each constituent model of an `external` model kind in a separate worker process that
speaks the JSON-lines protocol of docs/worker-protocol.md (version 1) on stdin/stdout. This module
runs that loop; a worker supplies two functions and calls `run`:

    from sisa import worker

    def fit(warm, X, y, step):
        # warm: the state to continue from (as fit returned it, after a save/load round trip),
        #       or None to start from a fresh initialisation drawn from step.seed.
        # X: (n, *shape) float32 array of the step's points, in step order; y: (n,) int64 labels.
        # step: a FitStep (new_from, epochs, iterations, seed, classes, options).
        ...
        return state                      # or (state, {"passes": ..., "device_s": ...})

    def predict(state, X, classes, options):
        ...
        return probabilities              # (n, classes), rows summing to 1

    worker.run(fit=fit, predict=predict, name="my-model")

A state is by default a flat dict from str keys to numpy arrays or JSON values (numbers, strings,
booleans, None, lists and dicts of them); `save_state`/`load_state` store it deterministically in
the format described at `save_state`. Pass `save=` and `load=` to `run` to store anything else, as
long as equal states give byte-identical files.

Only numpy is needed (importing `sisa.worker` does not import polars). `pip install .` in a clone
of sisa installs it with the `sisa` command; putting the clone's python/ folder on PYTHONPATH
makes it importable too. The old name `import sisa_worker` still works for one release, with a
warning.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

PROTOCOL = 1

MAGIC = b"SISA-STATE 1\n"
"""First line of every checkpoint written by `save_state`."""

State = Any
Options = Any
FitFn = Callable[..., Any]
PredictFn = Callable[[State, np.ndarray, int, Options], np.ndarray]

FIT_INFO_KEYS = frozenset({"passes", "device_s"})


@dataclass(frozen=True)
class FitStep:
    """What one `fit` request asks for, beside the warm state and the gathered points.

    new_from: X[new_from:] are the new slice's points, the ones `warm` has not seen.
    epochs: the step's budget in (possibly fractional) epochs over X.
    iterations: the same budget rounded to a whole number (at least 1), for models that count
        whole iterations rather than epochs.
    seed: a 64-bit seed for everything random in the step.
    classes: the number of classes of the dataset; labels are in range(classes).
    options: the spec's model.options, as `parse_options` returned them.
    """

    new_from: int
    epochs: float
    iterations: int
    seed: int
    classes: int
    options: Options


# --- deterministic state files ----------------------------------------------------------------


def save_state(state: Mapping[str, Any], path: str) -> None:
    """Write `state` to `path` so that equal states give byte-identical files.

    `state` maps str keys to numpy arrays or to JSON values; numpy scalars are stored as the
    equivalent Python numbers. The file is:

    1. the line `SISA-STATE 1`;
    2. one line of JSON with sorted keys and no spaces:
       `{"arrays":{KEY:{"dtype":"<f4","offset":0,"shape":[2,3]},...},"values":{KEY:VALUE,...}}`,
       where dtype is numpy's little-endian type string and offset counts bytes from the start
       of part 3;
    3. the arrays' raw bytes, C order, little-endian, one after another in sorted key order.

    Nothing else (no time, no path, no version of numpy) goes into the file.
    """
    arrays: dict[str, np.ndarray] = {}
    values: dict[str, Any] = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"state keys must be str, got {key!r}")
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject or value.dtype.names is not None:
                raise TypeError(f"state[{key!r}] has dtype {value.dtype}, which cannot be stored")
            arrays[key] = value.astype(value.dtype.newbyteorder("<"), copy=False)
        elif isinstance(value, np.generic):
            values[key] = value.item()
        else:
            values[key] = value
    layout = {}
    offset = 0
    for key in sorted(arrays):
        array = arrays[key]
        layout[key] = {"dtype": array.dtype.str, "offset": offset, "shape": list(array.shape)}
        offset += array.nbytes
    header = json.dumps({"arrays": layout, "values": values}, sort_keys=True,
                        separators=(",", ":"), ensure_ascii=True)
    with open(path, "wb") as file:
        file.write(MAGIC)
        file.write(header.encode("ascii") + b"\n")
        for key in sorted(arrays):
            file.write(arrays[key].tobytes(order="C"))
        _sync(file)


def load_state(path: str) -> dict[str, Any]:
    """Read a file written by `save_state`; arrays come back writable, in native byte order."""
    with open(path, "rb") as file:
        if file.readline() != MAGIC:
            raise ValueError(f"{path} is not a sisa state file (wrong first line)")
        header = json.loads(file.readline())
        data = file.read()
    state: dict[str, Any] = dict(header["values"])
    expected = 0
    for key, entry in header["arrays"].items():
        dtype = np.dtype(entry["dtype"])
        count = math.prod(entry["shape"])
        start = entry["offset"]
        if start + count * dtype.itemsize > len(data):
            raise ValueError(f"{path} is truncated (array {key!r} runs past the end)")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=start)
        state[key] = array.reshape(entry["shape"]).astype(dtype.newbyteorder("="))
        expected += count * dtype.itemsize
    if expected != len(data):
        raise ValueError(f"{path} has {len(data)} bytes of array data, the header says {expected}")
    return state


# --- the protocol loop -------------------------------------------------------------------------


class Dataset:
    """The points of one `dataset` request, memory-mapped."""

    def __init__(self, request: Mapping[str, Any]):
        self.fingerprint = request.get("fingerprint")
        self.paths = (request["features"], request["labels"])
        self.classes = int(request["classes"])
        self.features = np.load(request["features"], mmap_mode="r")
        self.labels = np.load(request["labels"], mmap_mode="r")
        if self.features.ndim != 2 or self.features.dtype != np.float32:
            raise ValueError(f"features must be a 2-d float32 array, got {self.features.dtype} "
                             f"with shape {self.features.shape}")
        if self.labels.shape != (len(self.features),) or self.labels.dtype != np.int64:
            raise ValueError(f"labels must be an int64 array of shape ({len(self.features)},), "
                             f"got {self.labels.dtype} with shape {self.labels.shape}")
        if len(self.labels) and (self.labels.min() < 0 or self.labels.max() >= self.classes):
            raise ValueError(f"labels must be in 0..{self.classes}, got "
                             f"{self.labels.min()}..{self.labels.max()}")
        width = self.features.shape[1]
        self.shape = tuple(request["shape"]) if request.get("shape") is not None else (width,)
        if math.prod(self.shape) != width:
            raise ValueError(f"shape {list(self.shape)} does not match {width} features")

    def same_as(self, request: Mapping[str, Any]) -> bool:
        """Whether `request` names the points already loaded."""
        return (request.get("fingerprint") == self.fingerprint
                and (request["features"], request["labels"]) == self.paths)

    def points(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Gather (X, y) for `ids`, in that order; X is reshaped to (n, *shape)."""
        index = np.asarray(ids, dtype=np.int64)
        if index.size and (index.min() < 0 or index.max() >= len(self.features)):
            raise IndexError(f"ids must be in 0..{len(self.features)}, got "
                             f"{index.min()}..{index.max()}")
        X = np.ascontiguousarray(self.features[index]).reshape((len(index), *self.shape))
        y = np.ascontiguousarray(self.labels[index])
        return X, y


class _Worker:
    """Serves requests one at a time; holds the options and the dataset between them."""

    def __init__(self, fit: FitFn, predict: PredictFn, name: str,
                 parse_options: Callable[[dict], Options],
                 save: Callable[[State, str], None], load: Callable[[str], State],
                 version: str | None = None):
        self.fit_fn, self.predict_fn, self.name, self.version = fit, predict, name, version
        self.parse_options, self.save, self.load = parse_options, save, load
        self.options: Options = None
        self.greeted = False
        self.dataset: Dataset | None = None

    def handle(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one request; `run` turns exceptions into failure replies."""
        op = request.get("op")
        if op == "hello":
            return self.hello(request)
        if not self.greeted:
            raise RuntimeError(f"the first request must be hello, got {op!r}")
        if op == "dataset":
            if self.dataset is None or not self.dataset.same_as(request):
                self.dataset = None  # a failed load must not leave the previous points in use
                self.dataset = Dataset(request)
            return {"ok": True}
        if op == "fit":
            return self.fit(request)
        if op == "predict":
            return self.predict(request)
        raise ValueError(f"unknown op {op!r}")

    def hello(self, request: Mapping[str, Any]) -> dict[str, Any]:
        if request.get("protocol") != PROTOCOL:
            raise ValueError(f"this worker speaks protocol {PROTOCOL}, "
                             f"not {request.get('protocol')!r}")
        self.options = self.parse_options(dict(request.get("options") or {}))
        self.greeted = True
        reply = {"ok": True, "protocol": PROTOCOL, "name": self.name}
        if self.version is not None:
            reply["version"] = self.version
        return reply

    def require_dataset(self) -> Dataset:
        if self.dataset is None:
            raise RuntimeError("no dataset: send a dataset request first")
        return self.dataset

    def fit(self, request: Mapping[str, Any]) -> dict[str, Any]:
        dataset = self.require_dataset()
        started = time.process_time()
        warm = self.load(request["warm"]) if request.get("warm") is not None else None
        X, y = dataset.points(request["ids"])
        step = FitStep(new_from=int(request["new_from"]), epochs=float(request["epochs"]),
                       iterations=int(request["iterations"]), seed=int(request["seed"]),
                       classes=dataset.classes, options=self.options)
        result = self.fit_fn(warm, X, y, step)
        state, info = result if isinstance(result, tuple) else (result, {})
        reply = {"ok": True, **_fit_info(info)}
        _write_or_remove(request["out"], lambda path: self.save(state, path))
        reply["cpu_s"] = time.process_time() - started
        return reply

    def predict(self, request: Mapping[str, Any]) -> dict[str, Any]:
        dataset = self.require_dataset()
        state = self.load(request["checkpoint"])
        X, _ = dataset.points(request["ids"])
        probabilities = np.asarray(self.predict_fn(state, X, dataset.classes, self.options),
                                   dtype=np.float64)
        _check_probabilities(probabilities, len(X), dataset.classes)
        _write_or_remove(request["out"], lambda path: _save_npy(probabilities, path))
        return {"ok": True}


def run(fit: FitFn, predict: PredictFn, name: str,
        parse_options: Callable[[dict], Options] | None = None,
        save: Callable[[State, str], None] = save_state,
        load: Callable[[str], State] = load_state, version: str | None = None) -> None:
    """Serve the protocol on stdin/stdout until `bye` or end of input, then exit with status 0.

    fit(warm, X, y, step) -> state, or (state, info) where info may give "passes" (points x
        epochs run) and "device_s" (accelerator seconds); the helper adds "cpu_s".
    predict(state, X, classes, options) -> (n, classes) probabilities.
    name: a short description of the worker, sent in the hello reply.
    parse_options(options dict) -> the options value handed to fit and predict; raise (e.g.
        ValueError) to reject the spec's model.options at hello. Default: the dict as it is.
    save(state, path) / load(path) -> state: checkpoint storage; equal states must give
        byte-identical files. Default: `save_state` / `load_state`.
    version: the worker's own version, sent in the hello reply when given.

    Anything the worker or its libraries print goes to stderr, so stdout carries only replies.
    """
    requests, replies = _claim_protocol_streams()
    worker = _Worker(fit, predict, name, parse_options or (lambda options: options), save, load,
                     version)
    for line in iter(requests.readline, ""):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a request must be a JSON object")
            if request.get("op") == "bye":
                _reply(replies, {"ok": True})
                break
            reply = worker.handle(request)
        except Exception as error:  # any failure of one request is reported, and we go on
            traceback.print_exc(file=sys.stderr)
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        _reply(replies, reply)
    sys.stderr.flush()
    sys.exit(0)


def _claim_protocol_streams() -> tuple[IO[str], IO[str]]:
    """Keep private copies of stdin and stdout for the protocol and point fds 0 and 1 elsewhere.

    Redirecting the file descriptors, not only sys.stdout, also catches output from C extensions
    and child processes; pointing fd 0 at /dev/null keeps them from eating requests.
    """
    sys.stdout.flush()
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdout = sys.stderr
    sys.stdin = open(os.devnull, encoding="utf-8")
    return requests, replies


def _reply(replies: IO[str], reply: Mapping[str, Any]) -> None:
    replies.write(json.dumps(reply, allow_nan=False) + "\n")
    replies.flush()


def _sync(file: IO[bytes]) -> None:
    """Make sure the bytes are on disk before the reply tells sisa the file is ready."""
    file.flush()
    os.fsync(file.fileno())


def _save_npy(array: np.ndarray, path: str) -> None:
    with open(path, "wb") as file:
        np.save(file, array)
        _sync(file)


def _write_or_remove(path: str, write: Callable[[str], None]) -> None:
    """Write `path`, or remove what was written of it when writing fails."""
    try:
        write(path)
    except BaseException:
        if os.path.exists(path):
            os.remove(path)
        raise


def _fit_info(info: Mapping[str, Any]) -> dict[str, float]:
    """The reply fields of the info dict a fit returned, checked."""
    unknown = set(info) - FIT_INFO_KEYS
    if unknown:
        raise ValueError(f"fit returned unknown info keys {sorted(unknown)}; "
                         f"known: {sorted(FIT_INFO_KEYS)}")
    fields = {key: float(value) for key, value in info.items()}
    if not all(math.isfinite(value) and value >= 0 for value in fields.values()):
        raise ValueError(f"fit returned info {fields}; values must be finite and non-negative")
    return fields


def _check_probabilities(probabilities: np.ndarray, rows: int, classes: int) -> None:
    """Catch a predict that returns logits, the wrong shape or NaNs before sisa averages them."""
    if probabilities.shape != (rows, classes):
        raise ValueError(f"predict returned shape {probabilities.shape}, "
                         f"expected ({rows}, {classes})")
    if not np.all(np.isfinite(probabilities)) or np.any(probabilities < 0):
        raise ValueError("predict returned negative or non-finite probabilities")
    sums = probabilities.sum(axis=1)
    if rows and not np.allclose(sums, 1.0, atol=1e-4):
        worst = int(np.argmax(np.abs(sums - 1.0)))
        raise ValueError(f"predict returned rows that do not sum to 1 (row {worst} sums to "
                         f"{sums[worst]})")
