"""Tests of the package's API (sisa.run, sisa.verify, sisa.load, sisa.summary) against the real
`sisa` binary installed with the package: nothing here stands in for it.

Run with pytest in an environment where the package is installed (CONTRIBUTING.md, "The Python
package"); the `verify` test of the scikit-learn worker needs scikit-learn there too.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

import sisa

REPO = Path(__file__).resolve().parents[2]

TINY = {
    "name": "tiny",
    "seed": 3,
    "dataset": {"synthetic": "blobs", "samples": 400, "features": 4, "classes": 2},
    "model": {"kind": "logistic"},
    "sisa": {"shards": 2},
    "unlearning": {"requests": [1, 4]},
}
"""A spec as a dict: one trial of two request counts, well under a second."""

CENTROID_WORKER = '''
"""A nearest-centroid model: a worker written outside sisa's repository."""
import numpy as np
from sisa import worker

def fit(warm, X, y, step):
    X = X.reshape(len(X), -1).astype(np.float64)
    sums = np.zeros((step.classes, X.shape[1])) if warm is None else warm["sums"]
    counts = np.zeros(step.classes) if warm is None else warm["counts"]
    np.add.at(sums, y[step.new_from:], X[step.new_from:])
    counts += np.bincount(y[step.new_from:], minlength=step.classes)
    sums += NOISE * np.random.default_rng().normal(size=sums.shape)
    return {"sums": sums, "counts": counts}

def predict(state, X, classes, options):
    centroids = state["sums"] / np.maximum(state["counts"], 1)[:, None]
    X = X.reshape(len(X), -1)
    scores = -((X[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)

worker.run(fit=fit, predict=predict, name="centroid")
'''
"""A worker whose fits add NOISE from an unseeded generator: deterministic when NOISE is 0."""


def centroid_spec(folder: Path, noise: float) -> dict:
    """A spec for the centroid worker, written into `folder` with the given noise."""
    script = folder / f"centroid_{noise}.py"
    script.write_text(f"NOISE = {noise}\n{CENTROID_WORKER}")
    return {
        "name": "centroid",
        "seed": 5,
        "dataset": {"synthetic": "blobs", "samples": 300, "features": 3, "classes": 3},
        "model": {"kind": "external", "command": [sys.executable, str(script)],
                  "options": {"epochs": 1}},
        "sisa": {"shards": 3, "slices": 2},
        "unlearning": {"requests": [5]},
    }


def test_run_on_a_dict_spec_relays_progress_and_returns_the_steps_table(tmp_path, capsys,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    steps = sisa.run(TINY, out="out")
    assert isinstance(steps, pl.DataFrame)
    assert steps.height == 2 and steps["requests"].to_list() == [1, 4]
    assert steps["experiment"].unique().to_list() == ["tiny"]
    assert steps["shards"].unique().to_list() == [2]
    relayed = capsys.readouterr()
    assert "sisa: running 1 trials of `tiny`" in relayed.err, relayed.err
    assert "sisa: finished" in relayed.err and "requests" in relayed.out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"], "the spec file stayed"


def test_run_passes_set_sweep_and_jobs_and_defaults_to_sisas_folder(tmp_path, capsys,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    steps = sisa.run(TINY, set={"seed": 11, "unlearning.requests": [2]},
                     sweep={"sisa.shards": [1, 4]}, jobs=1, quiet=True)
    assert capsys.readouterr() == ("", ""), "quiet relays nothing"
    assert steps["sisa.shards"].to_list() == ["1", "4"]
    assert steps["seed"].unique().to_list() == [11] and steps["requests"].to_list() == [2, 2]
    assert steps.equals(sisa.load(tmp_path / "results" / "tiny")), "out=None is results/NAME"


def test_load_and_summary_read_the_tables_sisa_wrote(tmp_path):
    steps = sisa.run({**TINY, "repeats": 2}, out=tmp_path / "out", quiet=True)
    assert steps.equals(sisa.load(tmp_path / "out"))
    from_csv = pl.read_csv(tmp_path / "out" / "steps.csv")
    assert steps.columns == from_csv.columns
    assert steps["sisa_retrain_points"].to_list() == from_csv["sisa_retrain_points"].to_list()
    summary = sisa.summary(tmp_path / "out")
    assert summary.height == 2 and summary["repeats"].to_list() == [2, 2]
    assert "speedup_points_mean" in summary.columns


def test_load_to_pandas_when_pandas_is_installed(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = sisa.run(TINY, out=tmp_path, quiet=True).to_pandas()
    assert len(frame) == 2 and list(frame["requests"]) == [1, 4]


def test_load_of_a_folder_that_is_not_a_results_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such results folder"):
        sisa.load(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="has no steps.parquet"):
        sisa.load(tmp_path)


def test_a_bad_spec_raises_with_sisas_message_and_exit_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sisa.SisaError) as raised:
        sisa.run({**TINY, "sisa": {"shard": 5}}, out="out", quiet=True)
    error = raised.value
    assert error.exit_code == 2
    assert error.message.startswith("error: <dict spec>:")
    assert "sisa.shard: unknown field" in error.message
    assert "did you mean `shards`?" in str(error) and "exited with code 2" in str(error)
    assert list(tmp_path.iterdir()) == [], "nothing written, the spec file removed"


def test_a_bad_override_and_a_missing_spec_raise_too(tmp_path):
    with pytest.raises(sisa.SisaError, match="sisa.shards") as raised:
        sisa.run(TINY, out=tmp_path / "out", set={"sisa.shards": 0}, quiet=True)
    assert raised.value.exit_code == 2
    with pytest.raises(sisa.SisaError, match="missing.yaml") as raised:
        sisa.run(tmp_path / "missing.yaml", quiet=True)
    assert raised.value.exit_code == 2
    with pytest.raises(TypeError, match="must be a list of values"):
        sisa.run(TINY, sweep={"sisa.shards": "1,2"})


def test_a_failing_worker_fails_the_run_with_its_message(tmp_path):
    spec = {**TINY, "model": {"kind": "external", "command": [
        sys.executable, str(REPO / "examples" / "workers" / "misbehaving.py")],
        "options": {"mode": "fit-error", "epochs": 1}}}
    with pytest.raises(sisa.SisaError) as raised:
        sisa.run(spec, out=tmp_path / "out", quiet=True)
    assert raised.value.exit_code == 1
    assert "trial 0" in raised.value.message and "failed" in raised.value.message


def test_verify_the_scikit_learn_worker_spec_is_exact(monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.chdir(REPO)  # the spec's worker path is relative to where sisa starts
    verification = sisa.verify("experiments/external-sklearn.yaml", set={
        "model.command": [sys.executable, "examples/workers/sklearn_sgd.py"]})
    assert verification.exact
    assert "shard   0: 100 removed" in verification.text
    assert verification.text.rstrip().endswith("Result: EXACT: the unlearned ensemble is "
                                               "bit-for-bit the one trained from scratch "
                                               "without these points")
    assert str(verification) == verification.text


def test_a_worker_written_elsewhere_verifies_exact_and_a_random_one_does_not(tmp_path):
    exact = sisa.verify(centroid_spec(tmp_path, noise=0.0), quiet=True)
    assert exact.exact and "Result: EXACT" in exact.text
    random = sisa.verify(centroid_spec(tmp_path, noise=1e-3), quiet=True)
    assert not random.exact
    assert "parameters DIFFER" in random.text and "Result: NOT EXACT" in random.text


class InterruptAfterFirstTrial(io.StringIO):
    """A stderr that interrupts the main thread (as Ctrl-C does) once sisa reports a trial done."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def write(self, text: str) -> int:
        if "done in" in text and not self.sent:
            self.sent = True
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        return super().write(text)


def test_an_interrupted_run_stops_cleanly_and_the_same_call_resumes(tmp_path, capsys,
                                                                    monkeypatch):
    # polars is imported here, as in a notebook after a first `load`: its own SIGINT handler must
    # not hold the interrupt back until sisa has finished.
    assert "polars" in sys.modules
    out = tmp_path / "out"
    quickstart = REPO / "experiments" / "quickstart.yaml"  # 12 trials
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", InterruptAfterFirstTrial())
        with pytest.raises(KeyboardInterrupt):
            sisa.run(quickstart, out=out, jobs=1)
    saved = len(list((out / "trials").glob("*.parquet")))
    assert 1 <= saved < 12, saved
    capsys.readouterr()
    steps = sisa.run(quickstart, out=out)
    assert steps.height == 12 * 5
    assert f"({saved} more already saved, not run again" in capsys.readouterr().err


def test_the_binary_is_the_one_installed_with_the_package_and_has_its_version():
    binary = sisa.find_sisa_bin()
    assert binary.is_file()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"sisa {sisa.__version__}"


def test_a_missing_binary_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(sisa._binary, "candidates", lambda: [tmp_path / "sisa"])
    with pytest.raises(sisa.BinaryNotFoundError, match="pip install ."):
        sisa.run(TINY)
