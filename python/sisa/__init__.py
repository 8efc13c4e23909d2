"""sisa from Python: run SISA machine-unlearning experiments and read their tables.

    import sisa

    steps = sisa.run("experiments/quickstart.yaml")          # a polars DataFrame
    steps = sisa.run({"name": "mine", ...}, out="results/mine", sweep={"sisa.shards": [1, 5]})
    sisa.summary("results/mine")                              # the summary over repeats
    print(sisa.verify("experiments/quickstart.yaml").exact)   # True: unlearning was exact

`run` and `verify` run the `sisa` binary installed with this package (the same program as the
command line's; nothing is computed here), relaying its progress as it comes. `sisa.worker` is the
helper for writing a worker of an `external` model in Python (`from sisa import worker`); it needs
only numpy.
"""

from importlib import metadata as _metadata

from sisa._binary import BinaryNotFoundError, find_sisa_bin
from sisa._command import SisaError, Spec, Verification, run, verify
from sisa._results import load, summary

for _public in (BinaryNotFoundError, SisaError, Verification):
    _public.__module__ = __name__  # shown as sisa.SisaError, where users find it

try:
    __version__ = _metadata.version("sisa-unlearning")
except _metadata.PackageNotFoundError:  # imported from a source tree, not installed
    __version__ = "unknown"

__all__ = ["BinaryNotFoundError", "SisaError", "Spec", "Verification", "find_sisa_bin", "load",
           "run", "summary", "verify"]
