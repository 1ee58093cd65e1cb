"""Training-step throughput of the reference functions composed plainly, against PyTorch.

One step is the body of `train`'s loop (notebook 07), the public functions one after another:
forward, cost, output_gradient, backward and gd_update, for a 784-256-128-10 network (ReLU,
ReLU, softmax + cross-entropy), batch 128, float32, synthetic data. PyTorch takes the same step
(nn.Linear layers, cross_entropy, backward, optim.SGD) on the CPU, with as many threads.

It prints steps per second of both and their ratio (the target is at least 1.1x), then the wall
time and test accuracy of the two whole trainings of notebook 08, run as the notebook runs them.

    python benchmarks/train_step.py [--threads 1] [--samples 120] [--sample-seconds 0.03]

Torch is never a dependency of the course; to compare, run this with an interpreter that has
both numpy and torch (see benchmarks/README.md). Without torch it times the reference alone.
"""
import argparse
import itertools
import os
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for numpy and torch (default 1)")
    parser.add_argument("--samples", type=int, default=120,
                        help="timing samples per candidate, interleaved; the fastest is reported")
    parser.add_argument("--sample-seconds", type=float, default=0.03, help="length of one timing sample")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)  # before numpy (and torch) load their BLAS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from nncourse import datasets  # noqa: E402
from nncourse.reference import (  # noqa: E402
    accuracy,
    backward,
    cost,
    fit,
    forward,
    gd_update,
    init_params,
    output_gradient,
    predict,
    standardize,
    train_test_split,
)

SIZES = [784, 256, 128, 10]
ACTIVATIONS = ["relu", "relu", "softmax"]
BATCH = 128
LEARNING_RATE = 0.01

# With one thread, CPU time of this process: other processes on a shared machine then slow a
# sample down only through caches, not by taking the CPU away. With more threads, wall time.
clock = time.process_time if ARGS.threads == 1 else time.perf_counter


def steps_per_sample(step, seconds):
    """How many calls of `step` take about `seconds` (after warming up caches, allocator and BLAS)."""
    for _ in range(5):
        step()
    n, elapsed = 1, 0.0
    while elapsed < seconds / 4:
        n *= 2
        start = clock()
        for _ in range(n):
            step()
        elapsed = clock() - start
    return max(1, int(n * seconds / elapsed))


def sample(step, n, warm_up=3):
    """Seconds per call of `step`, averaged over n calls after `warm_up` untimed ones.

    The candidates take turns, so each sample starts right after the other candidate's: the
    untimed calls bring this one's arrays back into the caches, as in a training loop.
    """
    for _ in range(warm_up):
        step()
    start = clock()
    for _ in range(n):
        step()
    return (clock() - start) / n


def progress(done, total):
    """A one-line progress count on standard error (plain text: torch's throwaway venv may lack tqdm)."""
    end = "\n" if done == total else ""
    print(f"\rtiming samples: {done}/{total}", end=end, file=sys.stderr, flush=True)


def reference_step_function(X, y):
    """One step of train's loop, on parameters in float32 (and checked to stay float32)."""
    state = {"params": [(W.astype(np.float32), b.astype(np.float32)) for W, b in init_params(SIZES)]}

    def step():
        params = state["params"]
        A_L, caches = forward(X, params, ACTIVATIONS)
        cost(A_L, y, "ce")
        dZ_L = output_gradient(A_L, caches[-1][1], y, "ce", ACTIVATIONS[-1])
        grads = backward(dZ_L, caches, params, ACTIVATIONS)
        state["params"] = gd_update(params, grads, LEARNING_RATE)
        return A_L, caches, dZ_L, grads

    A_L, caches, dZ_L, grads = step()
    arrays = [A_L, dZ_L, *(a for cache in caches for a in cache), *(g for pair in grads for g in pair),
              *(p for pair in state["params"] for p in pair)]
    assert all(a.dtype == np.float32 for a in arrays), "the reference step left float32"
    return step


def torch_step_function(torch, X, y):
    torch.manual_seed(0)
    layers = []
    for l, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if l < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    assert X_t.dtype == torch.float32

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(X_t), y_t)
        loss.backward()
        optimizer.step()

    return step


def spread(rates, other_rates):
    """Median and quartiles of the sample-by-sample ratio (each pair measured one after the other)."""
    ratios = sorted(a / b for a, b in zip(rates, other_rates))
    quartile = len(ratios) // 4
    low, median, high = ratios[quartile], ratios[len(ratios) // 2], ratios[-1 - quartile]
    return f"[per sample: median {median:.2f}, quartiles {low:.2f} to {high:.2f}]"


def timed(function, *args, **kwargs):
    """(result, wall seconds) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def cancer_training():
    """Notebook 08's cancer detection: 80/20 split, standardised, 30-16-1, 60 epochs of batches of 32."""
    X, y = datasets.load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    acts = ["relu", "sigmoid"]
    (params, _), seconds = timed(fit, standardize(X_train, mean, std), y_train, [30, 16, 1], acts, "bce",
                                 learning_rate=0.1, epochs=60, batch_size=32, seed=0)
    test = accuracy(predict(standardize(X_test, mean, std), params, acts), y_test)
    print(f"breast cancer 569x30, 30-16-1, 60 epochs of batches of 32 (SGD 0.1): {seconds:5.2f} s, "
          f"test accuracy {test:.1%}")


def digits_training():
    """Notebook 08's digit recognition: its random search of 12 designs (15 epochs each, on a
    validation split), then the best design trained for 20 epochs and scored on the test set."""
    X, y = datasets.load_digits()
    search_space = [["sgd", "adam"], ["relu", "tanh"], [1, 2], [16, 64], ["low", "high"]]
    learning_rates = {"sgd": {"low": 0.01, "high": 0.1}, "adam": {"low": 0.001, "high": 0.01}}
    grid = list(itertools.product(*search_space))
    picked = np.random.default_rng(0).choice(len(grid), size=12, replace=False)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    X_fit, X_val, y_fit, y_val = train_test_split(X_rest, y_rest, test_fraction=0.25, seed=1)
    mean, std = X_fit.mean(axis=0), X_fit.std(axis=0)
    X_fit_s, X_val_s = standardize(X_fit, mean, std), standardize(X_val, mean, std)
    start = time.perf_counter()
    results = []
    for optimizer, activation, depth, width, level in (grid[i] for i in picked):
        sizes, acts = [64] + [width] * depth + [10], [activation] * depth + ["softmax"]
        params, _ = fit(X_fit_s, y_fit, sizes, acts, "ce", learning_rate=learning_rates[optimizer][level],
                        epochs=15, batch_size=64, optimizer=optimizer)
        results.append((accuracy(predict(X_val_s, params, acts), y_val), optimizer, activation, depth, width,
                        learning_rates[optimizer][level]))
    search_seconds = time.perf_counter() - start
    val, optimizer, activation, depth, width, learning_rate = max(results, key=lambda r: r[0])
    print(f"digits 1797x64, random search of 12 designs x 15 epochs of batches of 64: {search_seconds:5.2f} s; "
          f"best {optimizer} {activation} {depth}x{width} learning rate {learning_rate:g}, "
          f"validation accuracy {val:.1%}")

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    sizes, acts = [64] + [width] * depth + [10], [activation] * depth + ["softmax"]
    (params, _), seconds = timed(fit, standardize(X_train, mean, std), y_train, sizes, acts, "ce",
                                 learning_rate=learning_rate, epochs=20, batch_size=64, optimizer=optimizer)
    test = accuracy(predict(standardize(X_test, mean, std), params, acts), y_test)
    print(f"digits, the best design, 20 epochs of batches of 64: {seconds:5.2f} s, test accuracy {test:.1%}")


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    print(f"network {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, {ARGS.threads} BLAS thread(s), "
          f"numpy {np.__version__}; fastest of {ARGS.samples} samples of ~{ARGS.sample_seconds:g} s, "
          f"{'CPU' if clock is time.process_time else 'wall'} time, load average "
          f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    try:
        import torch
    except ImportError:
        torch = None
        print("torch not installed; skipping the PyTorch comparison")
    else:
        torch.set_num_threads(ARGS.threads)

    # Many short samples, interleaved, so that load from other processes (this is a shared machine)
    # hits both candidates alike; the fastest sample of each is the least disturbed one.
    candidates = {"reference": reference_step_function(X, y)}
    if torch is not None:
        candidates["torch"] = torch_step_function(torch, X, y)
    sizes = {name: steps_per_sample(step, ARGS.sample_seconds) for name, step in candidates.items()}
    results = {name: [] for name in candidates}
    for i in range(ARGS.samples):
        for name, step in candidates.items():
            results[name].append(1 / sample(step, sizes[name]))
        progress(i + 1, ARGS.samples)

    ref_rate = max(results["reference"])
    print(f"reference step (forward, cost, output_gradient, backward, gd_update): {ref_rate:8.1f} steps/s")
    if torch is not None:
        torch_rate = max(results["torch"])
        print(f"PyTorch {torch.__version__} step: {torch_rate:8.1f} steps/s")
        print(f"reference / PyTorch: {ref_rate / torch_rate:.2f}x  (target >= 1.1x)  "
              f"{spread(results['reference'], results['torch'])}")
    cancer_training()
    digits_training()


if __name__ == "__main__":
    main()
