"""`run` and `verify`: the bundled `sisa` binary run as a child process.

Everything about experiments (reading the spec, overrides, running, checking) is the binary's; this
module only turns Python values into its arguments, relays what it prints as it prints it (so a
notebook shows the progress), and turns its exit code into a result or an exception.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union

from sisa._binary import find_sisa_bin
from sisa._results import load

if TYPE_CHECKING:
    import polars as pl

Spec = Union[str, "os.PathLike[str]", Mapping[str, Any]]
"""A spec: the path of a YAML file, or the spec itself as a dict (as the YAML file would say)."""

_ANNOUNCEMENT = re.compile(r"^sisa: running \d+ trials? of `[^`]*` on \d+ threads? -> (.*?)"
                           r"(?: \(\d+ more already saved, .*\))?$")
"""The line `sisa run` starts with on stderr; it names the results folder."""


class SisaError(RuntimeError):
    """The `sisa` binary failed: `message` is what it said on stderr, `exit_code` its exit code
    (1: a failure at run time, 2: bad input the user can fix, 130: interrupted)."""

    def __init__(self, message: str, exit_code: int, command: list[str]):
        super().__init__(f"{message}\n(sisa {command[1]} exited with code {exit_code})")
        self.message = message
        self.exit_code = exit_code
        self.command = command


@dataclass(frozen=True)
class Verification:
    """The outcome of `verify`: whether unlearning was exact, and the certificate as sisa
    printed it (the shards hit, the slice each restarted from, the comparisons)."""

    exact: bool
    text: str

    def __str__(self) -> str:
        return self.text


def run(spec: Spec, out: str | os.PathLike[str] | None = None, *,
        set: Mapping[str, Any] | None = None,
        sweep: Mapping[str, Iterable[Any]] | None = None, jobs: int | None = None,
        force: bool = False, quiet: bool = False) -> pl.DataFrame:
    """Run every trial of `spec` with the bundled `sisa run`, and return the steps table.

    spec: a YAML file, or a dict holding the spec; a dict is written to a temporary file in the
        working directory, so relative paths in it are relative to the working directory.
    out: the results folder; default: sisa's, `results/NAME` (NAME: the spec's name).
    set: values to override, e.g. `{"sisa.shards": 5, "model.alpha": 0.1}` (`--set`).
    sweep: keys to sweep, e.g. `{"sisa.shards": [1, 2, 5]}` (`--sweep`).
    jobs: worker threads (`--jobs`); default: the number of cores.
    force: run again the trials whose results are already saved (`--force`).
    quiet: do not relay sisa's progress and summary (they are relayed to sys.stderr and
        sys.stdout as they come, so a notebook shows them live).

    Returns the steps table (one row per trial and request count) as `load(out)` reads it.
    Raises SisaError with sisa's message and exit code when the run fails; on KeyboardInterrupt,
    sisa is asked to stop cleanly (saved trials stay saved; the same call resumes) first.
    """
    arguments = _override_arguments(set, sweep)
    if out is not None:
        arguments += ["--out", os.fspath(out)]
    if jobs is not None:
        arguments += ["--jobs", str(jobs)]
    if force:
        arguments.append("--force")
    with _spec_path(spec) as path:
        finished = _call(["run", path, *arguments], echo=not quiet)
    if finished.exit_code != 0:
        raise finished.error(spec)
    return load(out if out is not None else _announced_folder(finished))


def verify(spec: Spec, *, set: Mapping[str, Any] | None = None,
           sweep: Mapping[str, Iterable[Any]] | None = None, requests: int | None = None,
           quiet: bool = False) -> Verification:
    """Prove exact unlearning on the spec's first trial with the bundled `sisa verify`.

    sisa trains the trial's ensemble, unlearns `requests` random points (default: the trial's
    largest request count), trains again from scratch without them, and compares every
    constituent bit for bit. spec, set and sweep are as for `run`; quiet: do not relay sisa's
    notes and warnings (stderr).

    Returns a Verification: `exact`, and `text`, the certificate. Raises SisaError when the check
    could not be made (a bad spec, a failing worker, ...).
    """
    arguments = _override_arguments(set, sweep)
    if requests is not None:
        arguments += ["--requests", str(requests)]
    with _spec_path(spec) as path:
        finished = _call(["verify", path, *arguments], echo=not quiet, echo_stdout=False)
    certificate = "".join(finished.stdout)
    if finished.exit_code == 0:
        return Verification(exact=True, text=certificate)
    if finished.exit_code == 1 and any(line.startswith("Result: ") for line in finished.stdout):
        return Verification(exact=False, text=certificate)  # the check ran and found a difference
    raise finished.error(spec)


@dataclass
class _Finished:
    """What a finished `sisa` process printed, line by line, and its exit code."""

    command: list[str]
    exit_code: int
    stdout: list[str]
    stderr: list[str]

    def error(self, spec: Spec) -> SisaError:
        """The exception for a failure: sisa's error lines (from the first `error:` on), or the
        end of its stderr when it printed none; a dict spec is named `<dict spec>`, not by the
        temporary file it was written to."""
        lines = [line.rstrip("\n") for line in self.stderr]
        first = next((i for i, line in enumerate(lines) if line.startswith("error")), None)
        message = "\n".join(lines[first:] if first is not None else lines[-20:])
        if isinstance(spec, Mapping):
            message = message.replace(self.command[2], "<dict spec>")
        return SisaError(message or "sisa printed no message", self.exit_code, self.command)


def _call(arguments: list[str], *, echo: bool, echo_stdout: bool = True) -> _Finished:
    """Run the binary with `arguments`, relaying its output as it comes when `echo` is set."""
    command = [os.fspath(find_sisa_bin()), *arguments]
    # A session of its own: a Ctrl-C in a terminal reaches Python only, which then asks sisa to
    # stop once, as a notebook's interrupt (which reaches the kernel only) does.
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8",
                               errors="replace", start_new_session=True)
    finished = _Finished(command, -1, [], [])
    relays = [
        threading.Thread(target=_relay, daemon=True,
                         args=(process.stdout, finished.stdout,
                               sys.stdout if echo and echo_stdout else None)),
        threading.Thread(target=_relay, daemon=True,
                         args=(process.stderr, finished.stderr, sys.stderr if echo else None)),
    ]
    for relay in relays:
        relay.start()
    try:
        finished.exit_code = _wait(process)
    except BaseException:
        _stop(process)
        raise
    finally:
        for relay in relays:
            relay.join()
    return finished


def _wait(process: subprocess.Popen[str]) -> int:
    """Wait for `process` to end, in short steps: polars, once imported (by `load`, or by the
    user), handles SIGINT itself with SA_RESTART, so a Ctrl-C no longer interrupts a blocking
    wait, and Python would raise KeyboardInterrupt only once sisa had finished."""
    while True:
        try:
            return process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass


def _relay(pipe: IO[str], lines: list[str], echo: IO[str] | None) -> None:
    """Collect the lines of `pipe` until it closes, writing each to `echo` as it arrives."""
    with pipe:
        for line in pipe:
            lines.append(line)
            if echo is not None:
                echo.write(line)
                echo.flush()


def _stop(process: subprocess.Popen[str]) -> None:
    """Ask sisa to stop cleanly (SIGINT, as Ctrl-C) and wait; a second interrupt kills it."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        _wait(process)
    except KeyboardInterrupt:
        process.kill()
        process.wait()
        raise


@contextmanager
def _spec_path(spec: Spec) -> Iterator[str]:
    """The path of a spec file: `spec` itself, or a temporary file holding a dict spec."""
    if not isinstance(spec, Mapping):
        yield os.fspath(spec)
        return
    # JSON is YAML; indented, so sisa's line numbers point at one key each.
    text = json.dumps(spec, indent=2, default=_plain) + "\n"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".yaml", prefix=".sisa-spec-",
                                     dir=os.getcwd(), delete=False) as file:
        file.write(text)
    try:
        yield file.name
    finally:
        os.unlink(file.name)


def _override_arguments(set: Mapping[str, Any] | None,
                        sweep: Mapping[str, Iterable[Any]] | None) -> list[str]:
    """`--set KEY=VALUE` and `--sweep KEY=A,B,...` arguments, each value written as YAML."""
    arguments: list[str] = []
    for key, value in (set or {}).items():
        arguments += ["--set", f"{key}={_yaml(value)}"]
    for key, values in (sweep or {}).items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"sweep[{key!r}] must be a list of values, got {values!r}")
        arguments += ["--sweep", f"{key}={','.join(_yaml(value) for value in values)}"]
    return arguments


def _yaml(value: Any) -> str:
    """`value` as YAML sisa reads back as the same value (JSON is YAML)."""
    return json.dumps(value, default=_plain)


def _plain(value: Any) -> Any:
    """numpy numbers and arrays (anything with `tolist`) as plain Python values, for JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{value!r} ({type(value).__name__}) cannot be written in a spec")


def _announced_folder(finished: _Finished) -> Path:
    """The results folder `sisa run` announced on stderr (when no `out` was given)."""
    for line in finished.stderr:
        match = _ANNOUNCEMENT.match(line.rstrip("\n"))
        if match:
            return Path(match.group(1))
    raise RuntimeError("sisa did not say where it wrote the results; pass out= to sisa.run")
