"""Training-step throughput of the reference MLP, against PyTorch and against numpy's matmul.

One step = `training_step` of nncourse.reference.training, the very function `train` runs on
every batch (forward, cost, output gradient, backward and the SGD update, in place on the
parameters it owns), for a 784-256-128-10 network (ReLU, ReLU, softmax + cross-entropy),
batch 128, float32, synthetic data.

It prints:
  - steps per second of the reference and, when torch is importable, of the same network in
    PyTorch on the CPU (same threads), and their ratio;
  - the FLOP/s of the step's 8 matrix products (3 forward, 3 weight gradients, 2 input
    gradients; the input X needs none) timed alone in numpy, and the fraction of it the step
    reaches (the rest is elementwise work and Python);
  - the same for the step written out by hand, inline (what the Python structure costs);
  - the wall time and test accuracy of a whole training on breast cancer and on digits.

    python benchmarks/train_step.py [--threads 1] [--samples 120] [--sample-seconds 0.03]

Torch is never a dependency of the course; to compare, run this with an interpreter that has
both numpy and torch, e.g. a throwaway venv: pip install torch==2.13.0 numpy.
"""
import argparse
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
from nncourse.reference import SGD, init_params  # noqa: E402
from nncourse.reference.backprop import _backward  # noqa: E402
from nncourse.reference.costs import _cost_and_output_gradient  # noqa: E402
from nncourse.reference.forward import _forward  # noqa: E402
from nncourse.reference.training import training_step  # noqa: E402

SIZES = [784, 256, 128, 10]
ACTIVATIONS = ["relu", "relu", "softmax"]
BATCH = 128
LEARNING_RATE = 0.01


# With one thread, CPU time of this process: other processes on a shared machine then slow a
# round down only through caches, not by taking the CPU away. With more threads, wall time.
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

    The candidates take turns, so each sample starts right after another candidate's: the untimed
    calls bring back this one's arrays and code into the caches, and the timed ones measure the
    steady state of a training loop, which runs nothing else between its steps.
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


def synthetic_data(rng):
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    return X, y


def reference_step_function(X, y):
    """One training step as `train` takes it, in float32 throughout (asserted once)."""
    state = {"params": [(W.astype(np.float32), b.astype(np.float32)) for W, b in init_params(SIZES)]}
    optimizer = SGD(LEARNING_RATE)

    def step():
        state["params"], _, A_L = training_step(X, y, state["params"], ACTIVATIONS, "ce", optimizer)
        return A_L

    # The in-place update would hide float64 gradients (it casts them back), so check them too,
    # computed by the same unchecked cores that training_step runs.
    A_L = step()
    params = state["params"]
    A_L, caches = _forward(X, params, ACTIVATIONS)
    _, dZ_L = _cost_and_output_gradient(A_L, caches[-1][1], y, "ce", ACTIVATIONS[-1],
                                        scale=optimizer.gradient_scale)
    grads = _backward(dZ_L, caches, params, ACTIVATIONS)
    arrays = [A_L, *(a for cache in caches for a in cache), *(g for pair in grads for g in pair),
              *(p for pair in params for p in pair)]
    assert all(a.dtype == np.float32 for a in arrays), "the reference step left float32"
    return step


def inline_step_function(X, y):
    """The reference's step written out by hand for this one network: the same products, the
    same elementwise work and the same in-place SGD update, with no function calls and no loops.
    The cost of a step's Python structure is the gap between it and the reference."""
    (W1, b1), (W2, b2), (W3, b3) = [(W.astype(np.float32), b.astype(np.float32)) for W, b in init_params(SIZES)]
    rows = np.arange(BATCH)
    scale = np.float32(LEARNING_RATE / BATCH)

    def step():
        Z1 = X @ W1
        Z1 += b1
        A1 = np.maximum(Z1, 0)
        Z2 = A1 @ W2
        Z2 += b2
        A2 = np.maximum(Z2, 0)
        Z3 = A2 @ W3
        Z3 += b3
        P = np.exp(Z3 - Z3.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        float(-np.log(np.maximum(P[rows, y], 1e-7)).sum() / BATCH)  # the batch's cost
        dZ3 = P * scale
        dZ3[rows, y] -= scale
        db3 = dZ3.sum(axis=0)
        dW3 = A2.T @ dZ3
        dA2 = dZ3 @ W3.T
        np.subtract(W3, dW3, out=W3)  # W3 -= dW3, in place on the closure's array
        np.subtract(b3, db3, out=b3)
        dZ2 = np.multiply(dA2, Z2 > 0, out=dA2)
        db2 = dZ2.sum(axis=0)
        dW2 = A1.T @ dZ2
        dA1 = dZ2 @ W2.T
        np.subtract(W2, dW2, out=W2)  # W2 -= dW2, in place on the closure's array
        np.subtract(b2, db2, out=b2)
        dZ1 = np.multiply(dA1, Z1 > 0, out=dA1)
        db1 = dZ1.sum(axis=0)
        dW1 = X.T @ dZ1
        np.subtract(W1, dW1, out=W1)  # W1 -= dW1, in place on the closure's array
        np.subtract(b1, db1, out=b1)

    return step


def matmul_step_function(X, y):
    """The 8 matrix products of one step, alone, on the same shapes."""
    rng = np.random.default_rng(1)
    W = [rng.standard_normal((n_in, n_out)).astype(np.float32) for n_in, n_out in zip(SIZES[:-1], SIZES[1:])]
    A = [X] + [rng.standard_normal((BATCH, n)).astype(np.float32) for n in SIZES[1:-1]]
    dZ = [rng.standard_normal((BATCH, n)).astype(np.float32) for n in SIZES[1:]]

    def step():
        for l in range(3):
            A[l] @ W[l]            # forward Z = A_prev @ W
            A[l].T @ dZ[l]         # dW = A_prev.T @ dZ
            if l > 0:
                dZ[l] @ W[l].T     # dA_prev = dZ @ W.T

    return step


def step_flops():
    flops = 0
    for l, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        products = 3 if l > 0 else 2
        flops += products * 2 * BATCH * n_in * n_out
    return flops


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


def full_training_runs():
    """Wall time and test accuracy of two whole trainings of the course, as notebook 08 runs them."""
    from nncourse import datasets
    from nncourse.reference import accuracy, fit_standardizer, predict, standardize, train, train_test_split

    X, y = datasets.load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=0)
    mean, std = fit_standardizer(X_train)
    start = time.perf_counter()
    params, _ = train(standardize(X_train, mean, std), y_train, [30, 16, 1], ["relu", "sigmoid"], "bce",
                      learning_rate=0.5, epochs=300)
    seconds = time.perf_counter() - start
    test = accuracy(predict(standardize(X_test, mean, std), params, ["relu", "sigmoid"]), y_test)
    print(f"breast cancer 569x30, 30-16-1, 300 full-batch epochs : {seconds:5.2f} s, test accuracy {test:.1%}")

    X, y = datasets.load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, 0.2, seed=0)
    start = time.perf_counter()
    params, _ = train(X_train, y_train, [64, 64, 10], ["relu", "softmax"], "ce", learning_rate=0.1,
                      epochs=30, batch_size=32)
    seconds = time.perf_counter() - start
    test = accuracy(predict(X_test, params, ["relu", "softmax"]), y_test)
    print(f"digits 1797x64, 64-64-10, 30 epochs of batches of 32  : {seconds:5.2f} s, test accuracy {test:.1%}")


def spread(rates, other_rates, spec):
    """Median and quartiles of the sample-by-sample ratio (each pair measured one after the other)."""
    ratios = sorted(a / b for a, b in zip(rates, other_rates))
    quartile = len(ratios) // 4
    low, median, high = ratios[quartile], ratios[len(ratios) // 2], ratios[-1 - quartile]
    return f"[per sample: median {median:{spec}}, quartiles {low:{spec}} to {high:{spec}}]"


def main():
    rng = np.random.default_rng(0)
    X, y = synthetic_data(rng)
    print(f"network {'-'.join(map(str, SIZES))}, batch {BATCH}, float32, {ARGS.threads} BLAS thread(s), "
          f"numpy {np.__version__}; fastest of {ARGS.samples} samples of ~{ARGS.sample_seconds:g} s, "
          f"{'CPU' if clock is time.process_time else 'wall'} time")
    try:
        import torch
    except ImportError:
        torch = None
        print("torch not installed; skipping the PyTorch comparison")
    else:
        torch.set_num_threads(ARGS.threads)

    reference = reference_step_function(X, y)
    matmuls = matmul_step_function(X, y)
    inline = inline_step_function(X, y)
    torch_step = torch_step_function(torch, X, y) if torch is not None else None

    # Many short samples, interleaved, so that load from other processes (this is a shared machine)
    # hits every candidate alike; the fastest sample of each is the least disturbed one.
    candidates = {"reference": reference, "matmuls": matmuls, "inline": inline}
    if torch_step is not None:
        candidates["torch"] = torch_step
    sizes = {name: steps_per_sample(step, ARGS.sample_seconds) for name, step in candidates.items()}
    results = {name: [] for name in candidates}
    for i in range(ARGS.samples):
        for name, step in candidates.items():
            results[name].append(1 / sample(step, sizes[name]))
        progress(i + 1, ARGS.samples)
    ref_rate = max(results["reference"])
    matmul_rate = max(results["matmuls"])
    flops = step_flops()

    print(f"reference numpy step : {ref_rate:8.1f} steps/s  ({ref_rate * flops / 1e9:6.1f} GFLOP/s)")
    print(f"numpy matmuls alone  : {matmul_rate:8.1f} steps/s  ({matmul_rate * flops / 1e9:6.1f} GFLOP/s, "
          f"the step's {flops / 1e6:.0f} MFLOP in 8 products)")
    print(f"reference / matmul FLOP/s : {ref_rate / matmul_rate:6.1%}   (target >= 85%)  "
          f"{spread(results['reference'], results['matmuls'], '.1%')}")
    inline_rate = max(results["inline"])
    print(f"hand-inlined numpy step  : {inline_rate / matmul_rate:6.1%} of matmul FLOP/s  "
          f"{spread(results['inline'], results['matmuls'], '.1%')}; the reference reaches "
          f"{ref_rate / inline_rate:.1%} of its speed")
    if torch_step is not None:
        torch_rate = max(results["torch"])
        print(f"PyTorch {torch.__version__} step  : {torch_rate:8.1f} steps/s")
        print(f"reference / PyTorch       : {ref_rate / torch_rate:6.2f}x  (target >= 1.1x)  "
              f"{spread(results['reference'], results['torch'], '.2f')}")
    full_training_runs()


if __name__ == "__main__":
    main()
