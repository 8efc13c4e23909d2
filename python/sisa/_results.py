"""`load` and `summary`: the tables `sisa run` writes into a results folder, as polars DataFrames.

polars is imported when a table is read, so that workers, which need only numpy, can import
`sisa.worker` without it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


def load(results_dir: str | os.PathLike[str]) -> pl.DataFrame:
    """The steps table of a results folder (its steps.parquet): one row per trial and request
    count, with the columns README.md's "Output" section lists. `.to_pandas()` converts it when
    pandas and pyarrow are installed (`pip install ".[pandas]"`)."""
    import polars as pl

    return pl.read_parquet(_table(results_dir, "steps.parquet"))


def summary(results_dir: str | os.PathLike[str]) -> pl.DataFrame:
    """The summary table of a results folder (its summary.csv): per sweep point and request
    count, the configuration, `repeats`, and the mean, standard deviation and standard error over
    repeats of every measured column."""
    import polars as pl

    return pl.read_csv(_table(results_dir, "summary.csv"))


def _table(results_dir: str | os.PathLike[str], name: str) -> Path:
    """The path of table `name` in `results_dir`, which must hold it."""
    folder = Path(results_dir)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such results folder")
    path = folder / name
    if not path.is_file():
        raise FileNotFoundError(f"{folder} has no {name}: not a results folder of `sisa run`, or "
                                f"its trials are not merged yet (`sisa collect {folder}`)")
    return path
