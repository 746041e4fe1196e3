"""Shape rules shared by the ops: broadcasting and its reverse, axis normalisation, and
the one reading of PyTorch's ``dim`` with NumPy's alias ``axis``; and ``ScalarRule``, an
elementwise op's arithmetic on one element for the cell compiler."""

import numpy as np


def broadcast_shapes(op: str, *shapes) -> tuple[int, ...]:
    """The broadcast of ``shapes`` by NumPy's rule, or a ValueError naming ``op``."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise ValueError(f"{op}: shapes {listed} do not broadcast") from None


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` down to ``shape``: the gradient of broadcasting an array of ``shape``.

    Broadcasting copies an input along new leading axes and along its size-1 axes, so the
    gradient sums over exactly those axes.
    """
    if g.shape == shape:
        return g
    leading = g.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, size in enumerate(shape) if size == 1 and g.shape[leading + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def normalize_axes(op: str, axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple of ints, negatives allowed) as sorted non-negative axes.

    A 0-d tensor has axis 0 (also called -1), as in PyTorch."""
    if axis is None:
        return tuple(range(ndim))
    size = max(ndim, 1)
    if type(axis) is int and -size <= axis < size:
        return (axis % size,)  # one valid axis: the common case, without the loop below
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -size <= a < size:
            raise ValueError(f"{op}: axis {a!r} is out of range for a tensor of {ndim} dimensions")
        normalized.append(int(a) % size)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(normalized))


def shape_args(shape) -> tuple:
    """``(2, 3)`` from ``((2, 3),)`` or ``(2, 3)``: PyTorch's two ways to give a shape
    (``zeros(2, 3)``, ``x.reshape((2, 3))``)."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def dim_arg(op: str, dim, axis, default=None):
    """PyTorch's ``dim``, or NumPy's alias ``axis``; ``default`` when neither is given.

    Every op that takes a dimension resolves it here, so giving both is the same error
    everywhere.
    """
    if axis is None:
        return default if dim is None else dim
    if dim is not None:
        raise TypeError(f"{op}: give dim= or its alias axis=, not both (got dim={dim!r}, "
                        f"axis={axis!r})")
    return axis


def dim_args(op: str, dim, keepdim, axis, keepdims):
    """A reduction's ``(dim, keepdim)``: :func:`dim_arg`, and NumPy's ``keepdims`` as an
    alias of ``keepdim``."""
    return dim_arg(op, dim, axis), bool(keepdim if keepdims is None else keepdims)


class ScalarRule:
    """An elementwise ``Function`` on one element, written once beside the Function for the
    cell compiler (``tinygrad_rnn.compiler``), which pastes these expressions into the loops
    it generates: ``y`` is the forward as a Python expression of the inputs (``x`` for a
    unary op, ``a`` and ``b`` for a binary one); each keyword ``g<input>`` is that input's
    gradient as an expression of the inputs, ``y`` and the upstream gradient ``gy``. The
    names they may call are ``compiler.rules.NAMESPACE``; ``tests/compiler/test_rules.py``
    holds every rule to its Function's own ``forward`` and ``backward``.
    """

    def __init__(self, y: str, **grads: str):
        self.y = y
        self.inputs = tuple(name[1:] for name in grads)   # "ga" is the gradient of "a"
        self.grads = tuple(grads.values())
