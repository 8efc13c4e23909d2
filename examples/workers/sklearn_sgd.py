"""A sisa worker training scikit-learn's SGDClassifier (a linear model: logistic regression by
default), deterministically for a given seed. Needs numpy, scikit-learn and the sisa package's
worker helper (sisa.worker; docs/worker-protocol.md says how to get it).

SGDClassifier updates its weights one point at a time, so this worker runs the epochs itself: each
epoch is one `partial_fit` over the step's points in an order drawn from
`numpy.random.default_rng(seed)`, and a fractional budget ends with part of one more epoch.

Continuing from a checkpoint is well defined because the checkpoint holds everything partial_fit
carries from one call to the next: the weights, the intercepts, and `t_`, the count of updates
made so far, from which the "optimal" and "invscaling" learning rates are computed. (Averaged SGD
would add more state; it is not offered.)

The model always has a row of weights for every class of the dataset, so checkpoints of every
shard have the same shape; a class the constituent has not seen in any of its points gets
probability 0.

Options (spec `model.options`), with their defaults:
  epochs: the unsliced budget E; sisa reads it and sends each step its share, so the worker
      only checks it is a positive number.
  loss: "log_loss"; also "modified_huber" (both give probabilities), "hinge", "squared_hinge" and
      "perceptron" (these vote: probability 1 for the top-scoring class).
  penalty: "l2"; also "l1", "elasticnet" or null.
  alpha: 0.0001, the regularisation strength (also sets the "optimal" learning rate).
  l1_ratio: 0.15, the L1 share of an elasticnet penalty.
  learning_rate: "optimal"; also "constant" (eta0) and "invscaling" (eta0 / t^power_t).
  eta0: 0.01; power_t: 0.5.
  fit_intercept: true.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from scipy.special import expit
from sklearn.linear_model import SGDClassifier

from sisa import worker

PROBABILISTIC_LOSSES = {"log_loss", "modified_huber"}
VOTING_LOSSES = {"hinge", "squared_hinge", "perceptron"}


@dataclass(frozen=True)
class Options:
    """The worker's options; see the module docstring."""

    loss: str = "log_loss"
    penalty: str | None = "l2"
    alpha: float = 0.0001
    l1_ratio: float = 0.15
    learning_rate: str = "optimal"
    eta0: float = 0.01
    power_t: float = 0.5
    fit_intercept: bool = True

    def __post_init__(self):
        _require(self.loss in PROBABILISTIC_LOSSES | VOTING_LOSSES, "loss", self.loss,
                 sorted(PROBABILISTIC_LOSSES | VOTING_LOSSES))
        _require(self.penalty in {"l2", "l1", "elasticnet", None}, "penalty", self.penalty,
                 ["l2", "l1", "elasticnet", None])
        # "adaptive" depends on fit()'s own epoch loop and stopping rule, which partial_fit skips.
        _require(self.learning_rate in {"optimal", "constant", "invscaling"}, "learning_rate",
                 self.learning_rate, ["optimal", "constant", "invscaling"])
        _require_number(self.alpha, "alpha", lambda v: v > 0, "positive")
        _require_number(self.l1_ratio, "l1_ratio", lambda v: 0 <= v <= 1, "in [0, 1]")
        _require_number(self.eta0, "eta0", lambda v: v > 0, "positive")
        _require_number(self.power_t, "power_t", lambda v: True, "a number")
        if not isinstance(self.fit_intercept, bool):
            raise ValueError(f"fit_intercept must be true or false, got {self.fit_intercept!r}")


def _require(ok, name, value, allowed):
    if not ok:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _require_number(value, name, test, wanted):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not test(value):
        raise ValueError(f"{name} must be {wanted}, got {value!r}")


def parse_options(raw: dict) -> Options:
    """Check the spec's options at hello; unknown keys and bad values are errors."""
    known = {field.name for field in fields(Options)}
    unknown = set(raw) - known - {"epochs"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; known: "
                         f"{sorted(known | {'epochs'})}")
    if "epochs" in raw:
        _require_number(raw["epochs"], "epochs", lambda v: v > 0, "positive")
    return Options(**{key: value for key, value in raw.items() if key != "epochs"})


def initial_state(classes: int, features: int) -> dict:
    """The untrained model, as SGDClassifier starts it: zero weights and t_ = 1.

    With two classes SGDClassifier keeps a single row of weights scoring class 1.
    """
    rows = 1 if classes <= 2 else classes
    return {"coef": np.zeros((rows, features)), "intercept": np.zeros(rows), "t": 1.0,
            "seen": np.zeros(classes, dtype=bool)}


def classifier(state: dict, options: Options, classes: int) -> SGDClassifier:
    """An SGDClassifier that continues from `state` on its next partial_fit."""
    model = SGDClassifier(loss=options.loss, penalty=options.penalty, alpha=options.alpha,
                          l1_ratio=options.l1_ratio, fit_intercept=options.fit_intercept,
                          learning_rate=options.learning_rate, eta0=options.eta0,
                          power_t=options.power_t,
                          # The worker orders the points itself; random_state only seeds the
                          # shuffle that shuffle=False turns off.
                          shuffle=False, random_state=0)
    model.classes_ = np.arange(classes)
    model.coef_ = state["coef"]
    model.intercept_ = state["intercept"]
    model.t_ = state["t"]
    model.n_features_in_ = state["coef"].shape[1]
    return model


def epoch_orders(points: int, epochs: float, rng: np.random.Generator) -> list[np.ndarray]:
    """One random order of the points per epoch; the last is cut short for a fractional budget."""
    whole = int(epochs)
    orders = [rng.permutation(points) for _ in range(whole)]
    rest = round((epochs - whole) * points)
    if rest:
        orders.append(rng.permutation(points)[:rest])
    return orders


def fit(warm, X, y, step: worker.FitStep):
    """Run step.epochs epochs of SGD over (X, y), continuing from `warm`."""
    X = X.reshape(len(X), -1).astype(np.float64)
    state = warm if warm is not None else initial_state(step.classes, X.shape[1])
    seen = state["seen"] | (np.bincount(y, minlength=step.classes) > 0)
    if step.classes == 1:  # nothing to learn, and SGDClassifier refuses a single class
        return {**state, "seen": seen}, {"passes": 0.0}
    model = classifier(state, step.options, step.classes)
    orders = epoch_orders(len(X), step.epochs, np.random.default_rng(step.seed))
    for order in orders:
        model.partial_fit(X[order], y[order], classes=model.classes_)
    new_state = {"coef": model.coef_, "intercept": model.intercept_, "t": float(model.t_),
                 "seen": seen}
    return new_state, {"passes": float(sum(len(order) for order in orders))}


def predict(state, X, classes, options: Options):
    """Class probabilities, with 0 for every class the model has not seen."""
    seen = state["seen"]
    if not seen.any():
        return np.full((len(X), classes), 1.0 / classes)
    scores = X.reshape(len(X), -1).astype(np.float64) @ state["coef"].T + state["intercept"]
    if classes == 2:  # the single row scores class 1; class 0's score is its negation
        scores = np.hstack([-scores, scores])
    scores[:, ~seen] = -np.inf
    if options.loss == "log_loss":
        weights = expit(scores)
    elif options.loss == "modified_huber":
        weights = (np.clip(scores, -1.0, 1.0) + 1.0) / 2.0
    else:
        weights = np.zeros_like(scores)
        weights[np.arange(len(X)), scores.argmax(axis=1)] = 1.0
    totals = weights.sum(axis=1, keepdims=True)
    # modified_huber can give every seen class 0; then the seen classes share equally.
    uniform_over_seen = seen / seen.sum()
    return np.where(totals > 0, weights / np.where(totals > 0, totals, 1.0), uniform_over_seen)


if __name__ == "__main__":
    worker.run(fit=fit, predict=predict, name="sklearn-sgd", parse_options=parse_options)
