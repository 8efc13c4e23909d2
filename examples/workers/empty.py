"""A worker that does as little as the protocol allows, to measure sisa's per-call overhead.

fit ignores its points and writes the same tiny checkpoint every time; predict gives every class
the same probability. Needs numpy and the sisa package's worker helper (sisa.worker).
"""

import numpy as np

from sisa import worker


def fit(warm, X, y, step):
    """Return a fixed state, whatever the points, budget and seed."""
    return {"empty": True}


def predict(state, X, classes, options):
    """Give each class the same probability."""
    return np.full((len(X), classes), 1.0 / classes)


if __name__ == "__main__":
    worker.run(fit=fit, predict=predict, name="empty")
