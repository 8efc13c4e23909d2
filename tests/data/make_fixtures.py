#!/usr/bin/env python3
"""Writes the small NumPy fixtures the loader tests read (run from this folder; needs numpy).

small.npz / small-compressed.npz: X (4 x 3 float32, values 0..11 row by row), y (int64 0 1 1 2),
written by np.savez and np.savez_compressed. named.npz: `images` (3 x 2 x 2 uint8) and `targets`
(text labels dog, cat, dog).
"""
import numpy as np

X = np.arange(12, dtype=np.float32).reshape(4, 3)
y = np.array([0, 1, 1, 2], dtype=np.int64)
np.savez("small.npz", X=X, y=y)
np.savez_compressed("small-compressed.npz", X=X, y=y)
np.savez("named.npz", images=np.arange(12, dtype=np.uint8).reshape(3, 2, 2),
         targets=np.array(["dog", "cat", "dog"]))
