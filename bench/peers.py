#!/usr/bin/env python3
"""The Python peers of `sisa bench`: scikit-learn's LogisticRegression (L-BFGS) and MLPClassifier
(SGD) fitted on the split `sisa export` wrote, with the settings `sisa` uses. Prints one JSON
object per fit, like `sisa bench`. Needs numpy and scikit-learn (pip install numpy scikit-learn).

  python3 bench/peers.py DATA_DIR logistic --alpha 1.0 --max-iter 100 --tol 1e-4 --repeats 5
  python3 bench/peers.py DATA_DIR mlp --hidden 128 --activation tanh --learning-rate 0.001 \\
      --batch-size 16 --epochs 5 --repeats 5
"""
import argparse
import json
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def model(args, seed):
    if args.kind == "logistic":
        return LogisticRegression(C=1.0 / args.alpha, tol=args.tol, max_iter=args.max_iter, solver="lbfgs")
    # Plain mini-batch SGD as sisa runs it: no momentum, no L2, no early stopping, constant rate.
    return MLPClassifier(hidden_layer_sizes=tuple(args.hidden), activation=args.activation, solver="sgd",
                         learning_rate_init=args.learning_rate, learning_rate="constant", momentum=0.0,
                         nesterovs_momentum=False, alpha=0.0, batch_size=args.batch_size, max_iter=args.epochs,
                         shuffle=True, tol=0.0, n_iter_no_change=args.epochs + 1, random_state=seed)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("kind", choices=["logistic", "mlp"])
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--max-iter", type=int, default=100)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--hidden", type=int, nargs="+", default=[128])
    p.add_argument("--activation", default="tanh")
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    load = lambda name: np.load(os.path.join(args.data, name))
    x_train, y_train, x_test, y_test = load("X_train.npy"), load("y_train.npy"), load("X_test.npy"), load("y_test.npy")
    # scikit-learn computes in float64; converting is part of what a user of it pays, outside the fit.
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    for repeat in range(args.repeats):
        fitted = model(args, repeat)
        cpu, wall = time.process_time(), time.perf_counter()
        fitted.fit(x_train, y_train)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(json.dumps({"model": args.kind, "peer": "scikit-learn", "n_train": len(y_train),
                          "n_features": x_train.shape[1], "cpu_s": cpu, "wall_s": wall,
                          "accuracy": float((fitted.predict(x_test) == y_test).mean())}), flush=True)


if __name__ == "__main__":
    main()
