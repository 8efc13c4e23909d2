"""A worker that breaks the protocol on purpose, for tests of sisa's failure handling.

It speaks the protocol directly (no helper), so that it can also write what the helper never
would. The misbehaviour is the `mode` option, else the SISA_MISBEHAVE environment variable:

  crash           fit writes half a checkpoint, then the process exits with status 3
  hang            fit never replies
  garbage         fit replies with a line that is not JSON
  no-checkpoint   fit replies ok without writing `out`
  fit-error       fit replies ok false
  bad-hello       hello replies ok false
  wrong-protocol  hello replies protocol 2
  (unset or "")   behave like empty.py: a fixed checkpoint and uniform probabilities

Every misbehaviour is announced on stderr first, so tests can check sisa shows the stderr tail.
Other options are accepted and ignored. Needs only the standard library.
"""

import json
import os
import struct
import sys
import time

MODES = {"", "crash", "hang", "garbage", "no-checkpoint", "fit-error", "bad-hello",
         "wrong-protocol"}
CHECKPOINT = b"misbehaving worker checkpoint\n"


def reply(message):
    """Write one protocol line (or, in garbage mode, something that is not one)."""
    sys.stdout.write(message if isinstance(message, str) else json.dumps(message))
    sys.stdout.write("\n")
    sys.stdout.flush()


def announce(mode, what):
    print(f"misbehaving worker ({mode}): {what}", file=sys.stderr, flush=True)


def write_file(path, data):
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def write_uniform_npy(path, rows, classes):
    """Write a float64 .npy of shape (rows, classes) filled with 1/classes, without numpy."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {classes}), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"  # pad so the data starts 64-aligned
    data = struct.pack(f"<{rows * classes}d", *([1.0 / classes] * (rows * classes)))
    prefix = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
    write_file(path, prefix + header.encode("latin1") + data)


def hello(request, mode):
    if mode == "bad-hello":
        announce(mode, "rejecting hello")
        return {"ok": False, "error": "misbehaving worker: bad-hello mode"}
    if mode == "wrong-protocol":
        announce(mode, "answering with protocol 2")
        return {"ok": True, "protocol": 2, "name": "misbehaving"}
    return {"ok": True, "protocol": 1, "name": f"misbehaving ({mode or 'well-behaved'})"}


def fit(request, mode):
    if mode == "crash":
        announce(mode, "crashing mid-fit")
        write_file(request["out"], CHECKPOINT[: len(CHECKPOINT) // 2])
        os._exit(3)
    if mode == "hang":
        announce(mode, "hanging in fit")
        while True:
            time.sleep(3600)
    if mode == "garbage":
        announce(mode, "replying with garbage")
        return "this is not JSON"
    if mode == "fit-error":
        announce(mode, "failing fit")
        return {"ok": False, "error": "misbehaving worker: fit-error mode"}
    if mode == "no-checkpoint":
        announce(mode, "replying ok without writing out")
    else:
        write_file(request["out"], CHECKPOINT)
    return {"ok": True, "passes": 0.0, "cpu_s": 0.0}


def main():
    mode = os.environ.get("SISA_MISBEHAVE", "")
    classes = None
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.get("op")
        if op == "hello":
            mode = str((request.get("options") or {}).get("mode", mode))
            if mode not in MODES:
                reply({"ok": False, "error": f"unknown mode {mode!r}; known: "
                                             f"{', '.join(sorted(MODES - {''}))}"})
                continue
            reply(hello(request, mode))
        elif op == "dataset":
            classes = int(request["classes"])
            reply({"ok": True})
        elif op == "fit":
            reply(fit(request, mode))
        elif op == "predict":
            write_uniform_npy(request["out"], len(request["ids"]), classes)
            reply({"ok": True})
        elif op == "bye":
            reply({"ok": True})
            return
        else:
            reply({"ok": False, "error": f"unknown op {op!r}"})


if __name__ == "__main__":
    main()
