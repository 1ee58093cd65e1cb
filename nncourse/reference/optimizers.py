"""Notebook 07: gradient descent, and two other optimisation algorithms (momentum and Adam).

Every optimiser has one form, `opt.step(params, grads) -> new params`: it receives the gradients
and returns new parameters, keeps what it needs between steps (velocities, moments) inside
itself, and never changes `params` or `grads`.
"""
import numpy as np


def gd_update(params, grads, learning_rate):
    """One step of gradient descent: W - learning_rate * dW, b - learning_rate * db, per layer.

    params: list of (W, b)   grads: list of (dW, db), same shapes   learning_rate: float > 0
    Returns a new list of (W, b); params and grads are not modified.
    """
    if len(params) != len(grads):
        raise ValueError(f"params has {len(params)} layers but grads has {len(grads)}")
    new_params = []
    for l, ((W, b), (dW, db)) in enumerate(zip(params, grads), start=1):
        if np.shape(dW) != np.shape(W) or np.shape(db) != np.shape(b):
            raise ValueError(f"layer {l}: W {np.shape(W)} and b {np.shape(b)} but dW {np.shape(dW)} "
                             f"and db {np.shape(db)}: each gradient has the shape of its parameter")
        new_params.append((W - learning_rate * dW, b - learning_rate * db))
    return new_params


def _positive(learning_rate):
    """learning_rate as a Python float (which keeps float32 parameters float32), if it is > 0."""
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate}")
    return float(learning_rate)


def _fraction(value, name):
    """value as a Python float, if it lies in [0, 1) (the decay rates of the running averages)."""
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return float(value)


def _zeros_like(params):
    return [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]


def _check_fits(state, grads, name):
    """The optimiser's state (one pair of arrays per layer) has the shapes of the gradients."""
    if [(np.shape(s), np.shape(t)) for s, t in state] != [(np.shape(dW), np.shape(db)) for dW, db in grads]:
        raise ValueError(f"this {name} optimiser keeps running averages for parameters of other "
                         "shapes: make a new optimiser for each network")


class SGD:
    """Plain (stochastic) gradient descent: theta <- theta - learning_rate * dtheta."""

    def __init__(self, learning_rate=0.1):
        self.learning_rate = _positive(learning_rate)

    def step(self, params, grads):
        """New params, gd_update's step."""
        return gd_update(params, grads, self.learning_rate)


class Momentum:
    """Gradient descent with momentum, along a running average v of the gradients:

    v <- beta * v + (1 - beta) * dtheta;   theta <- theta - learning_rate * v   (v starts at 0).
    """

    def __init__(self, learning_rate=0.1, beta=0.9):
        self.learning_rate = _positive(learning_rate)
        self.beta = _fraction(beta, "beta")
        self.velocities = None   # [(vW, vb), ...], one pair per layer, from the first step on

    def step(self, params, grads):
        """New params after one momentum step; the velocities move on too."""
        if self.velocities is None:
            self.velocities = _zeros_like(params)
        _check_fits(self.velocities, grads, "Momentum")
        beta, lr = self.beta, self.learning_rate
        new_params, velocities = [], []
        for (W, b), (dW, db), (vW, vb) in zip(params, grads, self.velocities):
            vW = beta * vW + (1 - beta) * dW
            vb = beta * vb + (1 - beta) * db
            new_params.append((W - lr * vW, b - lr * vb))
            velocities.append((vW, vb))
        self.velocities = velocities
        return new_params


class Adam:
    """Adam: momentum on the gradient g, and a step size per parameter from the running mean of g^2:

    m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2   (both start at 0)
    theta <- theta - learning_rate * m_hat / (sqrt(v_hat) + eps), where m_hat = m / (1 - beta1^t)
    and v_hat = v / (1 - beta2^t) correct the zero start after t steps.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = _positive(learning_rate)
        self.beta1, self.beta2 = _fraction(beta1, "beta1"), _fraction(beta2, "beta2")
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.eps = float(eps)
        self.m = self.v = None   # [(mW, mb), ...] and [(vW, vb), ...], from the first step on
        self.t = 0               # steps taken

    def step(self, params, grads):
        """New params after one Adam step; the moments and the step count move on too."""
        if self.m is None:
            self.m, self.v = _zeros_like(params), _zeros_like(params)
        _check_fits(self.m, grads, "Adam")
        self.t += 1
        new_params, m, v = [], [], []
        for (W, b), (dW, db), (mW, mb), (vW, vb) in zip(params, grads, self.m, self.v):
            mW, mb = self.beta1 * mW + (1 - self.beta1) * dW, self.beta1 * mb + (1 - self.beta1) * db
            vW, vb = self.beta2 * vW + (1 - self.beta2) * dW**2, self.beta2 * vb + (1 - self.beta2) * db**2
            new_params.append((W - self._change(mW, vW), b - self._change(mb, vb)))
            m.append((mW, mb))
            v.append((vW, vb))
        self.m, self.v = m, v
        return new_params

    def _change(self, m, v):
        """learning_rate * m_hat / (sqrt(v_hat) + eps): what one step subtracts from a parameter."""
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
