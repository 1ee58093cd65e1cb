"""Notebook 07: gradient descent and other optimisation algorithms.

Every optimiser has one form: `opt.step(params, grads) -> new params`. It keeps whatever it
needs between steps (velocities, moments) inside itself and never changes `params` or `grads`.

`opt.update(params, grads)` takes the same step in place instead: it changes the arrays in
`params` (SGD also overwrites those in `grads`). `train` uses it on the parameters and gradients
it creates itself, to save writing a fresh copy of every weight matrix per step.
"""
import numpy as np


def _check_grads(params, grads):
    if len(params) != len(grads):
        raise ValueError(f"got {len(params)} layers of params but {len(grads)} of grads")
    for l, ((W, b), (dW, db)) in enumerate(zip(params, grads), start=1):
        if np.shape(W) != np.shape(dW) or np.shape(b) != np.shape(db):
            raise ValueError(f"layer {l}: W {np.shape(W)} and b {np.shape(b)} but dW {np.shape(dW)} "
                             f"and db {np.shape(db)}: each gradient has its parameter's shape")


def _check_learning_rate(learning_rate):
    learning_rate = float(learning_rate)  # a Python float keeps float32 parameters float32
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    return learning_rate


def gd_update(params, grads, learning_rate):
    """One gradient-descent step: W - learning_rate * dW and b - learning_rate * db per layer.

    Returns a new list of (W, b); params and grads are left as they were.
    """
    _check_grads(params, grads)
    lr = float(learning_rate)
    return [(_minus_scaled(W, lr, dW), _minus_scaled(b, lr, db)) for (W, b), (dW, db) in zip(params, grads)]


def _minus_scaled(theta, lr, dtheta):
    """theta - lr * dtheta, as a new array.

    Computed in place on that one new array, without a second temporary of theta's size:
    a 784 x 256 weight matrix takes 0.8 MB, and allocating and filling it twice per step costs
    more than the arithmetic.
    """
    new_theta = np.multiply(dtheta, -lr, dtype=np.result_type(theta, dtheta))
    new_theta += theta
    return new_theta


class SGD:
    """Plain (stochastic) gradient descent: theta <- theta - learning_rate * dtheta."""

    def __init__(self, learning_rate=0.1):
        self.learning_rate = _check_learning_rate(learning_rate)

    def step(self, params, grads):
        return gd_update(params, grads, self.learning_rate)

    def update(self, params, grads):
        """The same step in place: changes the arrays in params (and overwrites grads)."""
        _check_grads(params, grads)
        for (W, b), (dW, db) in zip(params, grads):
            for theta, dtheta in ((W, dW), (b, db)):
                dtheta *= self.learning_rate  # in place: no temporary of theta's size
                theta -= dtheta


class Momentum:
    """Gradient descent with momentum: a running average of the gradients sets the direction.

    v <- beta * v + (1 - beta) * dtheta;   theta <- theta - learning_rate * v
    (v starts at zero). Steps keep going where the gradients agree and cancel where they
    oscillate.
    """

    def __init__(self, learning_rate=0.1, beta=0.9):
        self.learning_rate = _check_learning_rate(learning_rate)
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta}")
        self.beta = float(beta)
        self.velocity = None  # [(vW, vb), ...] once the first step is taken

    def _start(self, params, grads):
        _check_grads(params, grads)
        if self.velocity is None:
            self.velocity = [(np.zeros_like(dW), np.zeros_like(db)) for dW, db in grads]
        if [(vW.shape, vb.shape) for vW, vb in self.velocity] != [(dW.shape, db.shape) for dW, db in grads]:
            raise ValueError("this Momentum optimiser was used on parameters of other shapes: "
                             "make a new one for each network")

    def step(self, params, grads):
        self._start(params, grads)
        beta, lr = self.beta, self.learning_rate
        self.velocity = [(beta * vW + (1 - beta) * dW, beta * vb + (1 - beta) * db)
                         for (vW, vb), (dW, db) in zip(self.velocity, grads)]
        return [(W - lr * vW, b - lr * vb) for (W, b), (vW, vb) in zip(params, self.velocity)]

    def update(self, params, grads):
        """The same step in place: changes the arrays in params (and the velocities)."""
        self._start(params, grads)
        beta, lr = self.beta, self.learning_rate
        for (W, b), (dW, db), (vW, vb) in zip(params, grads, self.velocity):
            for theta, dtheta, v in ((W, dW, vW), (b, db, vb)):
                v *= beta
                v += (1 - beta) * dtheta
                theta -= lr * v


class Adam:
    """Adam: momentum on the gradient and a per-parameter step size from its running square.

    m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2   (g the gradient, t steps)
    theta <- theta - learning_rate * m_hat / (sqrt(v_hat) + eps),
    m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t) (the bias correction of the zero start).
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = _check_learning_rate(learning_rate)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta}")
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m = None  # first moments, one array per parameter array
        self.v = None  # second moments

    def _start(self, params, grads):
        """The gradients as one flat list, after the checks; counts the step."""
        _check_grads(params, grads)
        flat_grads = [g for pair in grads for g in pair]
        if self.m is None:
            self.m = [np.zeros_like(g) for g in flat_grads]
            self.v = [np.zeros_like(g) for g in flat_grads]
        if [m.shape for m in self.m] != [g.shape for g in flat_grads]:
            raise ValueError("this Adam optimiser was used on parameters of other shapes: "
                             "make a new one for each network")
        self.t += 1
        return flat_grads

    def step(self, params, grads):
        flat_grads = self._start(params, grads)
        b1, b2, t = self.beta1, self.beta2, self.t
        self.m = [b1 * m + (1 - b1) * g for m, g in zip(self.m, flat_grads)]
        self.v = [b2 * v + (1 - b2) * g**2 for v, g in zip(self.v, flat_grads)]
        lr, eps = self.learning_rate, self.eps
        correction1, correction2 = 1 - b1**t, 1 - b2**t
        flat_params = [p for pair in params for p in pair]
        new = [p - lr * (m / correction1) / (np.sqrt(v / correction2) + eps)
               for p, m, v in zip(flat_params, self.m, self.v)]
        return [(new[2 * l], new[2 * l + 1]) for l in range(len(params))]

    def update(self, params, grads):
        """The same step in place: changes the arrays in params (and the moments)."""
        flat_grads = self._start(params, grads)
        b1, b2, t = self.beta1, self.beta2, self.t
        lr, eps = self.learning_rate, self.eps
        correction1, correction2 = 1 - b1**t, 1 - b2**t
        flat_params = [p for pair in params for p in pair]
        for p, m, v, g in zip(flat_params, self.m, self.v, flat_grads):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g**2
            p -= lr * (m / correction1) / (np.sqrt(v / correction2) + eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, learning_rate, **kwargs):
    """A new optimiser by name: "sgd", "momentum" or "adam"; kwargs go to its constructor."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](learning_rate, **kwargs)
