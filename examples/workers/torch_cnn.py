"""A sisa worker training a small convolutional network with PyTorch, deterministically.

The network follows the paper's MNIST model: two convolutional layers (5x5, 16 and 32 channels,
each followed by ReLU and 2x2 max pooling) and two fully connected layers (128 hidden units, then
one output per class of the dataset, so shards that miss classes still give every class a
probability). It takes any image shape (channels, height, width) of at least 16x16, e.g. MNIST's
[1, 28, 28] or CIFAR's [3, 32, 32].

Training is plain minibatch SGD with cross-entropy loss (optionally with momentum, whose buffers
then go into the checkpoint so that a continued step carries on exactly where the last one
stopped). Each epoch visits the points in an order drawn from a torch.Generator seeded by the
step's seed; a fractional budget ends with part of one more epoch. On the CPU, with deterministic
algorithms and a fixed thread count, equal steps give byte-identical checkpoints.

Options (spec `model.options`), with their defaults:
  epochs: the unsliced budget E; sisa reads it and sends each step its share, so the worker
      only checks it is a positive number.
  learning_rate: 0.1
  batch_size: 32
  momentum: 0.0
  device: "cpu"; "cuda" when a GPU is available (results then depend on the GPU model).
  threads: 1, the number of CPU threads torch uses (checkpoints can depend on it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

# Deterministic cuBLAS needs this set before CUDA starts.
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from sisa import worker  # noqa: E402

PREDICT_BATCH = 1024


@dataclass(frozen=True)
class Options:
    """The worker's options; see the module docstring."""

    learning_rate: float = 0.1
    batch_size: int = 32
    momentum: float = 0.0
    device: str = "cpu"
    threads: int = 1

    def __post_init__(self):
        _require_number(self.learning_rate, "learning_rate", lambda v: v > 0, "positive")
        _require_number(self.momentum, "momentum", lambda v: 0 <= v < 1, "in [0, 1)")
        for name in ("batch_size", "threads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {self.device!r}")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for but torch sees no GPU")


def _require_number(value, name, test, wanted):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not test(value):
        raise ValueError(f"{name} must be {wanted}, got {value!r}")


def parse_options(raw: dict) -> Options:
    """Check the spec's options at hello and set up torch for deterministic work."""
    known = {field.name for field in fields(Options)}
    unknown = set(raw) - known - {"epochs"}
    if unknown:
        raise ValueError(f"unknown option(s) {sorted(unknown)}; known: "
                         f"{sorted(known | {'epochs'})}")
    if "epochs" in raw:
        _require_number(raw["epochs"], "epochs", lambda v: v > 0, "positive")
    options = Options(**{key: value for key, value in raw.items() if key != "epochs"})
    torch.set_num_threads(options.threads)
    torch.use_deterministic_algorithms(True)
    return options


class Net(nn.Module):
    """Two convolutional layers, then two fully connected ones."""

    def __init__(self, shape: tuple[int, int, int], classes: int):
        super().__init__()
        channels, height, width = shape
        if min(height, width) < 16:
            raise ValueError(f"images must be at least 16x16, got shape {list(shape)}")
        self.conv1 = nn.Conv2d(channels, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        flat = 32 * _side_after_convolutions(height) * _side_after_convolutions(width)
        self.fc1 = nn.Linear(flat, 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def _side_after_convolutions(side: int) -> int:
    """An image side after two rounds of 5x5 convolution and 2x2 max pooling."""
    return ((side - 4) // 2 - 4) // 2


def network(state, shape, classes: int, device: str) -> Net:
    """The network, with the weights of `state` when given one."""
    model = Net(shape, classes).to(device)
    if state is not None:
        model.load_state_dict({name[len("model/"):]: torch.from_numpy(value)
                               for name, value in state.items() if name.startswith("model/")})
    return model


def optimiser(model: Net, state, options: Options) -> torch.optim.SGD:
    """SGD over the model's parameters, with the momentum buffers of `state` when it has any."""
    optimizer = torch.optim.SGD(model.parameters(), lr=options.learning_rate,
                                momentum=options.momentum)
    if state is not None and options.momentum > 0:
        for name, parameter in model.named_parameters():
            buffer = state.get(f"momentum/{name}")
            if buffer is not None:
                optimizer.state[parameter]["momentum_buffer"] = (
                    torch.from_numpy(buffer).to(options.device))
    return optimizer


def checkpoint(model: Net, optimizer: torch.optim.SGD) -> dict:
    """The network's weights and any momentum buffers, as numpy arrays for sisa.worker."""
    state = {f"model/{name}": tensor.detach().cpu().numpy()
             for name, tensor in model.state_dict().items()}
    for name, parameter in model.named_parameters():
        buffer = optimizer.state.get(parameter, {}).get("momentum_buffer")
        if buffer is not None:
            state[f"momentum/{name}"] = buffer.detach().cpu().numpy()
    return state


def epoch_sizes(points: int, epochs: float) -> list[int]:
    """How many points each epoch visits: all of them, then a part for a fractional budget."""
    whole = int(epochs)
    rest = round((epochs - whole) * points)
    return [points] * whole + ([rest] if rest else [])


def fit(warm, X, y, step: worker.FitStep):
    """Run step.epochs epochs of minibatch SGD over (X, y), continuing from `warm`."""
    options: Options = step.options
    if X.ndim != 4:
        raise ValueError(f"this worker needs images (dataset shape [C, H, W]), got points of "
                         f"shape {list(X.shape[1:])}")
    # Independent streams for the initial weights and for the batch order.
    init_seed, order_seed = np.random.SeedSequence(step.seed).generate_state(2, np.uint64)
    torch.manual_seed(int(init_seed))
    model = network(warm, X.shape[1:], step.classes, options.device)
    optimizer = optimiser(model, warm, options)
    order = torch.Generator().manual_seed(int(order_seed))
    inputs = torch.from_numpy(X).to(options.device)
    labels = torch.from_numpy(y).to(options.device)
    timer = _DeviceTimer(options.device)
    model.train()
    sizes = epoch_sizes(len(X), step.epochs)
    for size in sizes:
        visit = torch.randperm(len(X), generator=order)[:size].to(options.device)
        for start in range(0, size, options.batch_size):
            batch = visit[start:start + options.batch_size]
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(inputs[batch]), labels[batch]).backward()
            optimizer.step()
    info = {"passes": float(sum(sizes))}
    if timer.events is not None:
        info["device_s"] = timer.stop()
    return checkpoint(model, optimizer), info


def predict(state, X, classes, options: Options):
    """Softmax probabilities of the network in `state`."""
    model = network(state, X.shape[1:], classes, options.device)
    model.eval()
    probabilities = np.zeros((len(X), classes))
    with torch.inference_mode():
        for start in range(0, len(X), PREDICT_BATCH):
            batch = torch.from_numpy(X[start:start + PREDICT_BATCH]).to(options.device)
            logits = model(batch).double()
            probabilities[start:start + len(batch)] = F.softmax(logits, dim=1).cpu().numpy()
    return probabilities


class _DeviceTimer:
    """Seconds the GPU spends between construction and stop(); `events` is None on the CPU."""

    def __init__(self, device: str):
        self.events = None
        if device == "cuda":
            self.events = (torch.cuda.Event(enable_timing=True),
                           torch.cuda.Event(enable_timing=True))
            self.events[0].record()

    def stop(self) -> float:
        self.events[1].record()
        torch.cuda.synchronize()
        return self.events[0].elapsed_time(self.events[1]) / 1000.0


if __name__ == "__main__":
    worker.run(fit=fit, predict=predict, name="torch-cnn", parse_options=parse_options)
