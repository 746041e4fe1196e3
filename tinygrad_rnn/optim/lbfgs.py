"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure."""

from __future__ import annotations

import numbers

import numpy as np

from ..autograd import enable_grad
from .line_search import strong_wolfe
from .optimizer import Optimizer, check_hyperparameter

_HISTORY = ("old_dirs", "old_stps")   # the pairs y_i and s_i, saved as (pairs, n) arrays


class LBFGS(Optimizer):
    r"""Limited-memory BFGS, with PyTorch's arguments, defaults and closure protocol.

    All parameters together form one flat vector :math:`x` with gradient :math:`g`. Each
    iteration :math:`k` moves along a direction :math:`d_k` that approximates Newton's
    :math:`-(\nabla^2 f)^{-1} g_k`, built from the last ``history_size`` pairs

    .. math::

        s_i = x_{i+1} - x_i, \qquad y_i = g_{i+1} - g_i, \qquad \rho_i = 1 / y_i^\top s_i

    (a new pair is kept only when :math:`y^\top s > 10^{-10}`, which keeps the approximate
    inverse Hessian positive definite), by the two-loop recursion, newest pair first:

    .. math::

        q &\leftarrow -g_k; \quad
            \text{for } i = k-1, \dots, k-m: \quad
            \alpha_i = \rho_i s_i^\top q, \quad q \leftarrow q - \alpha_i y_i \\
        r &\leftarrow \gamma_k q, \qquad \gamma_k = \frac{s_{k-1}^\top y_{k-1}}
            {y_{k-1}^\top y_{k-1}} \quad \text{(the scale of the newest pair; 1 before any)} \\
        &\text{for } i = k-m, \dots, k-1: \quad
            \beta = \rho_i y_i^\top r, \quad r \leftarrow r + (\alpha_i - \beta) s_i \\
        d_k &= r, \qquad x_{k+1} = x_k + t_k d_k

    The very first iteration has no pairs and goes down the gradient, :math:`d_0 = -g_0`,
    with :math:`t_0 = \gamma \min(1, 1 / \lVert g_0 \rVert_1)`; later ones take
    :math:`t_k = \gamma` (``lr``). With ``line_search_fn="strong_wolfe"`` that step is
    only the first trial of a search for a step satisfying the strong Wolfe conditions
    (see :mod:`tinygrad_rnn.optim.line_search`), which may spend the evaluations left of
    ``max_eval``.

    ``step(closure)`` runs up to ``max_iter`` iterations and stops early when the
    gradient is small (:math:`\lVert g \rVert_\infty \le` ``tolerance_grad``), when the loss
    or the step stops changing (:math:`|f_{k+1} - f_k|` or
    :math:`\lVert t_k d_k \rVert_\infty` below ``tolerance_change``), when :math:`d_k` is no
    longer a descent direction (:math:`g_k^\top d_k > -` ``tolerance_change``), or after
    ``max_eval`` evaluations of the closure. The pairs, the last direction and step carry
    over to the next ``step`` call.

    Args:
        params: tensors (one group only, as in PyTorch).
        lr: :math:`\gamma`, the step length (default 1).
        max_iter: iterations per ``step`` call.
        max_eval: evaluations of the closure per ``step`` call (default ``max_iter * 5 // 4``).
        tolerance_grad, tolerance_change: the stopping thresholds above.
        history_size: :math:`m`, how many pairs are kept.
        line_search_fn: None (fixed steps) or ``"strong_wolfe"``.

    The closure clears the gradients, computes the loss, calls ``backward()`` and returns
    the loss; ``step(closure)`` returns the loss of its first call. A parameter without a
    gradient counts as one with a zero gradient.

    State (under the first parameter, as in PyTorch): ``func_evals``, ``n_iter`` (totals over
    all calls), and after the first iteration ``d``, ``t``, ``old_dirs`` (the :math:`y_i`),
    ``old_stps`` (the :math:`s_i`), ``ro``, ``H_diag`` (:math:`\gamma_k`),
    ``prev_flat_grad``, ``prev_loss``. In ``state_dict()`` the pairs are ``(pairs, n)``
    arrays and ``ro`` a vector, so that a checkpoint holds only arrays and numbers.

    >>> import tinygrad_rnn as tg
    >>> x = tg.tensor([1.5, -0.5], dtype=tg.float64, requires_grad=True)
    >>> optimizer = tg.optim.LBFGS([x], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     optimizer.zero_grad()
    ...     loss = ((x - tg.tensor([3.0, 4.0], dtype=tg.float64)) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> print(optimizer.step(closure))
    tensor(22.5000, dtype=float64, grad_fn=<SumBackward>)
    >>> x.tolist()
    [3.0, 4.0]
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4 if isinstance(max_iter, int) else max_iter
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))

    def add_param_group(self, group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS: parameter groups are not supported (as in PyTorch): "
                             "pass one list of tensors")
        super().add_param_group(group)

    def _check_group(self, group):
        check_hyperparameter("LBFGS", "lr", group["lr"])
        check_hyperparameter("LBFGS", "tolerance_grad", group["tolerance_grad"])
        check_hyperparameter("LBFGS", "tolerance_change", group["tolerance_change"])
        for option in ("max_iter", "max_eval", "history_size"):
            value = group[option]
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"LBFGS: {option} must be a positive int, got {value!r}")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError("LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r}")

    # ------------------------------------------------------------ the flat vector x

    def _arrays(self) -> list[np.ndarray]:
        """The parameters' arrays (the one place this optimizer reaches them)."""
        return [p.array for p in self.param_groups[0]["params"]]

    def _flat_grad(self) -> np.ndarray:
        """:math:`g`: every parameter's gradient, flattened and joined (zeros where None);
        the one place this optimizer reaches the gradients' arrays."""
        params = self.param_groups[0]["params"]
        return np.concatenate([np.zeros(p.numel(), p.dtype) if p.grad is None
                               else np.ravel(p.grad.array) for p in params])

    def _flat_params(self) -> np.ndarray:
        return np.concatenate([np.ravel(a) for a in self._arrays()])

    def _move(self, t: float, d: np.ndarray) -> None:
        """:math:`x \\leftarrow x + t d`, in place."""
        start = 0
        for array in self._arrays():
            array += (t * d[start:start + array.size]).reshape(array.shape)
            start += array.size

    def _set_params(self, x: np.ndarray) -> None:
        start = 0
        for array in self._arrays():
            array[...] = x[start:start + array.size].reshape(array.shape)
            start += array.size

    @staticmethod
    def _evaluate(closure):
        with enable_grad():
            return closure()

    # ------------------------------------------------------------ one step

    def step(self, closure):
        """Run up to ``max_iter`` iterations; return the loss of the closure's first call."""
        if not callable(closure):
            raise TypeError("LBFGS.step needs a closure: a function that clears the "
                            "gradients, computes the loss, calls backward() and returns it")
        group = self.param_groups[0]
        state = self.state.setdefault(group["params"][0], {"func_evals": 0, "n_iter": 0})
        first_loss = self._evaluate(closure)
        loss, g = float(first_loss), self._flat_grad()
        state["func_evals"] += 1
        if np.abs(g).max() <= group["tolerance_grad"]:
            return first_loss
        self._iterate(closure, group, state, loss, g)
        return first_loss

    def _iterate(self, closure, group, state, loss, g) -> None:
        """The iterations of one ``step`` call, from the loss and gradient at the start."""
        tolerance_change, evaluations = group["tolerance_change"], 1
        d, t = state.get("d"), state.get("t")
        for iteration in range(1, group["max_iter"] + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            else:
                self._remember(state, y=g - state["prev_flat_grad"], s=d * t,
                               history_size=group["history_size"])
                d = _two_loop(g, state["old_stps"], state["old_dirs"], state["ro"],
                              state["H_diag"])
            state.update(prev_flat_grad=g, prev_loss=loss)
            t = group["lr"] * (min(1.0, 1.0 / float(np.abs(g).sum()))
                               if state["n_iter"] == 1 else 1)
            if g @ d > -tolerance_change:
                break   # not a descent direction
            loss, g, t, used = self._advance(closure, group, loss, g, d, t,
                                             last=iteration == group["max_iter"],
                                             evaluations_left=group["max_eval"] - evaluations)
            evaluations += used
            state["func_evals"] += used
            if (iteration == group["max_iter"] or evaluations >= group["max_eval"]
                    or np.abs(g).max() <= group["tolerance_grad"]
                    or np.abs(d * t).max() <= tolerance_change
                    or abs(loss - state["prev_loss"]) < tolerance_change):
                break
        state.update(d=d, t=t)

    def _advance(self, closure, group, loss, g, d, t, last: bool, evaluations_left: int):
        """Move along ``d``; return the new loss, gradient, the step taken and the number of
        evaluations. Without a line search the last iteration does not re-evaluate; the line
        search makes one evaluation and at most ``evaluations_left`` more."""
        if group["line_search_fn"] == "strong_wolfe":
            x = self._flat_params()

            def evaluate(step):
                self._move(step, d)
                value = float(self._evaluate(closure))
                gradient = self._flat_grad()
                self._set_params(x)
                return value, gradient

            loss, g, t, used = strong_wolfe(evaluate, d, t, loss, g, max_ls=evaluations_left)
            self._move(t, d)
            return loss, g, t, used
        self._move(t, d)
        if last:
            return loss, g, t, 0
        return float(self._evaluate(closure)), self._flat_grad(), t, 1

    @staticmethod
    def _remember(state: dict, y: np.ndarray, s: np.ndarray, history_size: int) -> None:
        """Keep the pair (s, y) if :math:`y^\\top s > 10^{-10}`, dropping the oldest beyond
        ``history_size``, and rescale :math:`\\gamma` to it."""
        ys = float(y @ s)
        if ys <= 1e-10:
            return
        if len(state["old_dirs"]) == history_size:
            for key in (*_HISTORY, "ro"):
                del state[key][0]
        state["old_dirs"].append(y)
        state["old_stps"].append(s)
        state["ro"].append(1.0 / ys)
        state["H_diag"] = ys / float(y @ y)

    # ------------------------------------------------------------ saving and resuming

    def state_dict(self) -> dict:
        saved = super().state_dict()
        n = sum(p.numel() for p in self.param_groups[0]["params"])
        for values in saved["state"].values():
            for key in _HISTORY:
                if key in values:
                    values[key] = np.array(values[key]).reshape(len(values[key]), n)
            if "ro" in values:
                values["ro"] = np.array(values["ro"], dtype=np.float64)
        return saved

    def _restored_state(self, param, index, values):
        params = self.param_groups[0]["params"]
        n = sum(p.numel() for p in params)
        dtype = np.result_type(*(p.dtype for p in params))
        pairs = len(values.get("ro", ()))
        expected = {"d": (n,), "prev_flat_grad": (n,), "ro": (pairs,),
                    "old_dirs": (pairs, n), "old_stps": (pairs, n)}
        restored = {}
        for key, value in values.items():
            if isinstance(value, np.ndarray):
                if value.shape != expected.get(key):
                    raise ValueError(
                        f"LBFGS.load_state_dict: state {key!r} has shape {value.shape}, "
                        f"expected {expected.get(key)} for {n} parameter values")
                value = (value.tolist() if key == "ro" else
                         list(value.astype(dtype)) if key in _HISTORY else value.astype(dtype))
            restored[key] = value
        return restored


def _two_loop(g, steps, dirs, rho, h_diag) -> np.ndarray:
    """The L-BFGS direction :math:`d = -H g` from the pairs, by the two-loop recursion."""
    q = -g
    alphas = []
    for s, y, r in zip(reversed(steps), reversed(dirs), reversed(rho)):
        alpha = float(s @ q) * r
        q = q - alpha * y
        alphas.append(alpha)
    d = q * h_diag
    for s, y, r, alpha in zip(steps, dirs, rho, reversed(alphas)):
        beta = float(y @ d) * r
        d = d + (alpha - beta) * s
    return d
