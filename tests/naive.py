"""Slow, obvious NumPy references for the kernels and for the ops that need more than one
NumPy call. Each follows its textbook definition, in float64, with Python loops where a
loop is clearer; none of them is meant to be fast or numerically clever."""

import math

import numpy as np

# ---------------------------------------------------------------- activations


def sigmoid(x):
    x = np.asarray(x, np.float64)
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_backward(y, gy):
    return np.asarray(gy, np.float64) * y * (1.0 - y)


def tanh(x):
    x = np.asarray(x, np.float64)
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def tanh_backward(y, gy):
    return np.asarray(gy, np.float64) * (1.0 - np.asarray(y, np.float64) ** 2)


def relu(x):
    return np.where(x > 0, x, 0.0)


def erf(x):
    """The error function, element by element through Python's math.erf."""
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


def relu_backward(x, gy):
    return np.where(x > 0, gy, 0.0)


# ---------------------------------------------------------------- softmax family, by rows

def softmax_rows(x):
    e = np.exp(np.asarray(x, np.float64))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax_rows(x):
    return np.log(softmax_rows(x))


def logsumexp_rows(x):
    return np.log(np.exp(np.asarray(x, np.float64)).sum(axis=1))


def softmax_backward_rows(y, gy):
    """gx = Jᵀ gy with the softmax Jacobian J = diag(y) - y yᵀ, row by row."""
    y, gy = np.asarray(y, np.float64), np.asarray(gy, np.float64)
    gx = np.empty_like(y)
    for r in range(y.shape[0]):
        jacobian = np.diag(y[r]) - np.outer(y[r], y[r])
        gx[r] = jacobian.T @ gy[r]
    return gx


def log_softmax_backward_rows(y, gy):
    """gx = Jᵀ gy with the log-softmax Jacobian J_ij = [i == j] - softmax_j, row by row."""
    y, gy = np.asarray(y, np.float64), np.asarray(gy, np.float64)
    gx = np.empty_like(y)
    for r in range(y.shape[0]):
        s = np.exp(y[r])
        jacobian = np.eye(y.shape[1]) - s[None, :]
        gx[r] = jacobian.T @ gy[r]
    return gx


# ---------------------------------------------------------------- losses, by rows

def cross_entropy_rows(x, targets, ignore_index):
    losses = np.zeros(x.shape[0])
    for r, t in enumerate(targets):
        if t != ignore_index:
            losses[r] = -log_softmax_rows(x[r:r + 1])[0, t]
    return losses


def cross_entropy_backward_rows(x, targets, ignore_index, gy):
    gx = np.zeros(x.shape)
    for r, t in enumerate(targets):
        if t != ignore_index:
            onehot = np.eye(x.shape[1])[t]
            gx[r] = gy[r] * (softmax_rows(x[r:r + 1])[0] - onehot)
    return gx


def scatter_add_rows(indices, values, shape):
    out = np.zeros(shape)
    flat = np.asarray(indices).reshape(-1)
    rows = np.asarray(values, np.float64).reshape((flat.size,) + tuple(shape[1:]))
    for i, row in enumerate(flat):
        out[row] += rows[i]
    return out


# ---------------------------------------------------------------- ops along an axis

def softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    return np.log(softmax(x, axis))


def logsumexp(x, axis=-1):
    return np.log(np.exp(x).sum(axis=axis))


def reduce(losses, reduction, count=None):
    if reduction == "none":
        return losses
    total = np.sum(losses)
    return total if reduction == "sum" else total / (losses.size if count is None else count)


def cross_entropy(logits, target, ignore_index=-100, reduction="mean"):
    """-log_softmax(logits)[target] per position, from a log-softmax over the last axis."""
    log_p = log_softmax(logits, axis=-1).reshape(-1, logits.shape[-1])
    flat = np.asarray(target).reshape(-1)
    losses = np.array([0.0 if t == ignore_index else -log_p[i, t] for i, t in enumerate(flat)])
    return reduce(losses.reshape(np.shape(target)), reduction,
                  count=int(np.sum(flat != ignore_index)))


def mse_loss(x, target, reduction="mean"):
    return reduce((x - target) ** 2, reduction)


def binary_cross_entropy_with_logits(x, target, reduction="mean"):
    """The definition -[t log p + (1 - t) log(1 - p)], p = sigmoid(x); overflows for large |x|."""
    p = sigmoid(x)
    return reduce(-(target * np.log(p) + (1 - target) * np.log(1 - p)), reduction)


def embedding(weight, indices):
    out = np.empty(np.shape(indices) + weight.shape[1:])
    for position in np.ndindex(np.shape(indices)):
        out[position] = weight[indices[position]]
    return out
