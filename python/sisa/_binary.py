"""Where the `sisa` binary that came with this package is.

The wheel puts the binary in its scripts folder (`bin/` of a virtual environment), beside the
Python that imports this package; `pip install --user` puts it in the user scheme's scripts folder,
and `pip install --target DIR` in `DIR/bin`. Another `sisa` on PATH is never taken instead: it may
be another version than this package.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

EXECUTABLE = "sisa" + (sysconfig.get_config_var("EXE") or "")


class BinaryNotFoundError(FileNotFoundError):
    """The `sisa` binary is not where this package's installation puts it."""


def candidates() -> list[Path]:
    """The places an installation of this package puts the binary, in the order they are tried."""
    places = [
        Path(sysconfig.get_path("scripts")),
        Path(sysconfig.get_path("scripts", scheme=_user_scheme())),
        Path(__file__).resolve().parent.parent / "bin",  # pip install --target DIR
    ]
    return [place / EXECUTABLE for place in places]


def find_sisa_bin() -> Path:
    """The path of the `sisa` binary installed with this package.

    Raises BinaryNotFoundError, naming every place looked at, when it is in none of them (e.g.
    the package was imported from a source tree rather than installed).
    """
    for path in candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return path
    looked = "\n  ".join(str(path) for path in candidates())
    raise BinaryNotFoundError(
        f"the sisa binary is not installed beside this package (imported from "
        f"{Path(__file__).resolve().parent}); looked at:\n  {looked}\n"
        f"Install the package with `pip install .` in a clone of sisa, which builds the binary.")


def _user_scheme() -> str:
    """The name of the sysconfig scheme `pip install --user` uses."""
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "posix_user"
