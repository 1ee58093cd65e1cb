"""Notebook 07: gradient descent and other optimisation algorithms.

Every optimiser has one form: `opt.step(params, grads) -> new params`. It keeps whatever it
needs between steps (velocities, moments) inside itself and never changes `params` or `grads`.

The same step can also be taken in place, on parameters you own (`train` owns its own):
`opt.update(params, grads)` for the whole network, or `opt.update_layer(params, l, dW, db)` one
layer at a time, as soon as backpropagation has that layer's gradients (training_step does
this: the gradients are still in the CPU's cache, and no fresh copy of any weight matrix is made).

`update_layer` expects its gradients multiplied by `opt.gradient_scale`. Backpropagation is linear
in the gradient it starts from, so starting it from gradient_scale * dZ_L gives exactly those:
SGD asks for learning_rate * dW, its whole step, and subtracts it in one pass over W.
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
        self.gradient_scale = self.learning_rate  # update_layer gets learning_rate * dW: the step

    def step(self, params, grads):
        return gd_update(params, grads, self.learning_rate)

    def update(self, params, grads):
        """The same step in place: changes the arrays in params (not those in grads)."""
        _update_in_place(self, params, grads)

    def update_layer(self, params, l, dW, db):
        """In place on layer l; dW and db are learning_rate times the gradients (gradient_scale)."""
        W, b = params[l]
        W -= dW
        b -= db


def _update_in_place(optimizer, params, grads):
    """optimizer.update: every layer through update_layer, with the gradients it expects."""
    _check_grads(params, grads)
    scale = optimizer.gradient_scale
    for l, (dW, db) in enumerate(grads):
        optimizer.update_layer(params, l, scale * dW, scale * db)  # new arrays: grads stay as they are


def _check_states(states, grads, name):
    """Every layer's state fits its gradients (checked before a step changes any of them)."""
    for l, (dW, db) in enumerate(grads):
        _layer_state(states, l, dW, db, name)


def _layer_state(states, l, dW, db, name):
    """The state arrays of layer l from states (a dict), made as zeros on first use."""
    if l not in states:
        states[l] = (np.zeros_like(dW), np.zeros_like(db))
    state = states[l]
    if state[0].shape != np.shape(dW) or state[1].shape != np.shape(db):
        raise ValueError(f"this {name} optimiser was used on parameters of other shapes: "
                         "make a new one for each network")
    return state


class Momentum:
    """Gradient descent with momentum: a running average of the gradients sets the direction.

    v <- beta * v + (1 - beta) * dtheta;   theta <- theta - learning_rate * v
    (v starts at zero). Steps keep going where the gradients agree and cancel where they
    oscillate.
    """

    gradient_scale = 1.0  # update_layer gets the gradients themselves

    def __init__(self, learning_rate=0.1, beta=0.9):
        self.learning_rate = _check_learning_rate(learning_rate)
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta}")
        self.beta = float(beta)
        self.velocity = {}  # layer index -> (vW, vb), made on the layer's first step

    def step(self, params, grads):
        _check_grads(params, grads)
        _check_states(self.velocity, grads, "Momentum")
        beta, lr = self.beta, self.learning_rate
        new_params = []
        for l, ((W, b), (dW, db)) in enumerate(zip(params, grads)):
            vW, vb = _layer_state(self.velocity, l, dW, db, "Momentum")
            vW, vb = beta * vW + (1 - beta) * dW, beta * vb + (1 - beta) * db
            self.velocity[l] = (vW, vb)
            new_params.append((W - lr * vW, b - lr * vb))
        return new_params

    def update(self, params, grads):
        """The same step in place: changes the arrays in params (and the velocities)."""
        _update_in_place(self, params, grads)

    def update_layer(self, params, l, dW, db):
        """In place on layer l and its velocities."""
        beta, lr = self.beta, self.learning_rate
        for theta, dtheta, v in zip(params[l], (dW, db), _layer_state(self.velocity, l, dW, db, "Momentum")):
            v *= beta
            v += (1 - beta) * dtheta
            theta -= lr * v


class Adam:
    """Adam: momentum on the gradient and a per-parameter step size from its running square.

    m <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2   (g the gradient, t steps)
    theta <- theta - learning_rate * m_hat / (sqrt(v_hat) + eps),
    m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t) (the bias correction of the zero start).
    """

    gradient_scale = 1.0  # update_layer gets the gradients themselves

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = _check_learning_rate(learning_rate)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta}")
        if not eps > 0:
            raise ValueError(f"eps must be positive, got {eps}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = {}  # layer index -> first moments (mW, mb)
        self.v = {}  # layer index -> second moments (vW, vb)
        self.t = {}  # layer index -> steps taken on it (t of the bias correction)

    def _moments(self, l, dW, db):
        """(m, v, t) of layer l after counting this step; m and v new arrays when first used."""
        self.t[l] = self.t.get(l, 0) + 1
        return _layer_state(self.m, l, dW, db, "Adam"), _layer_state(self.v, l, dW, db, "Adam"), self.t[l]

    def _change(self, m, v, t):
        """learning_rate * m_hat / (sqrt(v_hat) + eps), the step subtracted from the parameter."""
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)

    def step(self, params, grads):
        _check_grads(params, grads)
        _check_states(self.m, grads, "Adam")
        b1, b2 = self.beta1, self.beta2
        new_params = []
        for l, ((W, b), (dW, db)) in enumerate(zip(params, grads)):
            (mW, mb), (vW, vb), t = self._moments(l, dW, db)
            self.m[l] = mW, mb = b1 * mW + (1 - b1) * dW, b1 * mb + (1 - b1) * db
            self.v[l] = vW, vb = b2 * vW + (1 - b2) * dW**2, b2 * vb + (1 - b2) * db**2
            new_params.append((W - self._change(mW, vW, t), b - self._change(mb, vb, t)))
        return new_params

    def update(self, params, grads):
        """The same step in place: changes the arrays in params (and the moments)."""
        _update_in_place(self, params, grads)

    def update_layer(self, params, l, dW, db):
        """In place on layer l and its moments."""
        b1, b2 = self.beta1, self.beta2
        W, b = params[l]
        (mW, mb), (vW, vb), t = self._moments(l, dW, db)
        for theta, g, m, v in ((W, dW, mW, vW), (b, db, mb, vb)):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g**2
            theta -= self._change(m, v, t)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, learning_rate, **kwargs):
    """A new optimiser by name: "sgd", "momentum" or "adam"; kwargs go to its constructor."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](learning_rate, **kwargs)
