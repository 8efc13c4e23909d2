"""Deprecated old name of the worker helper, kept for one release: use `from sisa import worker`.

`import sisa_worker` gives the very module `sisa.worker` (same functions, same classes), after a
FutureWarning (shown by default, on the worker's stderr, which sisa shows when a worker fails).
"""

import sys
import warnings

from sisa import worker as _worker

warnings.warn("`import sisa_worker` is deprecated and goes in the next release of sisa: use "
              "`from sisa import worker` (the same module)", FutureWarning, stacklevel=2)
sys.modules[__name__] = _worker
