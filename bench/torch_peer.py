#!/usr/bin/env python3
"""The PyTorch peer of `sisa bench` for the network: the same layers (features -> hidden ->
classes, softmax cross-entropy averaged over the batch), plain mini-batch SGD with the same
learning rate, batch size and epochs, in float32 on the CPU, fitted on the split `sisa export`
wrote. Only the training loop is timed. Prints one JSON object per fit, like `sisa bench`.
Needs numpy and torch (pip install numpy torch).

  python3 bench/torch_peer.py DATA_DIR --hidden 128 --activation tanh --learning-rate 0.001 \\
      --batch-size 16 --epochs 5 --threads 1 --repeats 5
"""
import argparse
import json
import os
import time

import numpy as np
import torch


def network(n_features, hidden, activation, n_classes):
    """Linear layers with the activation between them; the softmax is in the loss."""
    layers, width = [], n_features
    for units in hidden:
        layers += [torch.nn.Linear(width, units), torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU()]
        width = units
    layers.append(torch.nn.Linear(width, n_classes))
    return torch.nn.Sequential(*layers)


def train(model, x, y, args, generator):
    """Plain SGD over shuffled mini-batches, every epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=args.learning_rate, momentum=0.0)
    loss = torch.nn.CrossEntropyLoss()
    for _ in range(args.epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), args.batch_size):
            batch = order[start:start + args.batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss(model(x[batch]), y[batch]).backward()
            optimizer.step()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("data")
    p.add_argument("--hidden", type=int, nargs="+", default=[128])
    p.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    load = lambda name: np.load(os.path.join(args.data, name))
    x_train = torch.from_numpy(load("X_train.npy").astype(np.float32))
    x_test = torch.from_numpy(load("X_test.npy").astype(np.float32))
    y_train, y_test = load("y_train.npy"), load("y_test.npy")
    # Labels as class indices (the arrays may hold names or any integers).
    classes = np.unique(np.concatenate([y_train, y_test]))
    index = lambda labels: torch.from_numpy(np.searchsorted(classes, labels).astype(np.int64))
    y_train_index, y_test_index = index(y_train), index(y_test)
    for repeat in range(args.repeats):
        torch.manual_seed(repeat)
        model = network(x_train.shape[1], args.hidden, args.activation, len(classes))
        generator = torch.Generator().manual_seed(repeat)
        cpu, wall = time.process_time(), time.perf_counter()
        train(model, x_train, y_train_index, args, generator)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        with torch.no_grad():
            accuracy = (model(x_test).argmax(dim=1) == y_test_index).float().mean().item()
        print(json.dumps({"model": "mlp", "peer": "pytorch", "threads": args.threads, "n_train": len(y_train),
                          "n_features": x_train.shape[1], "cpu_s": cpu, "wall_s": wall, "accuracy": accuracy}),
              flush=True)


if __name__ == "__main__":
    main()
