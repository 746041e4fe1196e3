"""Small programs written for PyTorch that run unchanged with ``lib = tinygrad_rnn``.

Each case takes the library module (``torch`` or ``tinygrad_rnn``) and returns named
results as NumPy arrays (``results``). ``make_torch_api_golden.py`` stores PyTorch's results in
``golden.json``; ``test_torch_api.py`` compares ours with the file always and with PyTorch
live when it is installed. Nothing here imports PyTorch.
"""

import numpy as np

DATA = [[0.5, -1.25, 2.0, 0.75], [3.0, 0.25, -0.5, 1.5], [-2.0, 1.0, 0.125, -0.25]]


def results(values: dict) -> dict:
    """Each value (a tensor, a number or a tuple of sizes) as a float64 or int64 array."""
    out = {}
    for name, value in values.items():
        if hasattr(value, "detach"):
            value = value.detach().numpy()
        array = np.asarray(value)
        out[name] = array.astype(np.float64 if array.dtype.kind == "f" else np.int64)
    return out


def creation(lib):
    return results({
        "tensor_int": lib.tensor([[1, 2], [3, 4]]),
        "arange": lib.arange(5), "arange_float": lib.arange(0, 1, 0.25),
        "arange_step": lib.arange(2, 11, 3), "linspace": lib.linspace(-1, 1, 5),
        "zeros": lib.zeros(2, 3), "ones": lib.ones((2, 1), dtype=lib.float64),
        "full": lib.full((2, 2), 7), "eye": lib.eye(3, 2), "empty_shape": lib.empty(2, 4).size(),
        "zeros_like": lib.zeros_like(lib.tensor(DATA)), "ones_like": lib.ones_like(lib.tensor(DATA)),
        "full_like": lib.full_like(lib.tensor(DATA), 2.5),
        "legacy_float": lib.FloatTensor([1, 2]), "legacy_long": lib.LongTensor([1, 2]),
        "legacy_double": lib.DoubleTensor([[0.5]]),
    })


def shapes(lib):
    x = lib.tensor(DATA)
    return results({
        "size": x.size(), "size1": x.size(1), "dim": x.dim(), "numel": x.numel(),
        "view": x.view(2, -1), "view_as": x.view(-1).view_as(x), "reshape": x.reshape(4, 3),
        "flatten": lib.tensor(np.arange(24.0).reshape(2, 3, 4)).flatten(1),
        "flatten_all": x.flatten(), "expand": lib.tensor([[1.0], [2.0]]).expand(2, 3),
        "expand_new": lib.tensor([1.0, 2.0]).expand(3, -1), "repeat": x.repeat(2, 1),
        "repeat_new": lib.tensor([1.0, 2.0]).repeat(2, 2), "contiguous": x.T.contiguous(),
        "clone": x.clone(), "tolist": x.tolist(), "item": x[1, 2].item(),
        "transpose": lib.tensor(np.arange(24.0).reshape(2, 3, 4)).transpose(0, 2),
        "permute": lib.tensor(np.arange(24.0).reshape(2, 3, 4)).permute(2, 0, 1),
        "T": x.T, "mT": lib.tensor(np.arange(24.0).reshape(2, 3, 4)).mT,
        "unsqueeze": x.unsqueeze(1), "squeeze": x.unsqueeze(0).squeeze(0),
        "cat": lib.cat([x, x * 2], dim=1), "concatenate": lib.concatenate([x, x], 0),
        "stack": lib.stack([x, x], dim=2),
        "methods": x.add(1).sub(x.mul(2)).div(4).pow(2).neg().exp().log(),
    })


def reductions(lib):
    x = lib.tensor(DATA)
    values, indices = x.max(1)
    min_values, min_indices = lib.min(x, dim=0, keepdim=True)
    top = x.topk(2, dim=1)
    ordered = lib.sort(x, dim=0, descending=True)
    return results({
        "max_values": values, "max_indices": indices, "max_all": x.max(), "min_all": x.min(),
        "max_named_values": x.max(dim=1).values, "max_named_indices": x.max(dim=1).indices,
        "min_values": min_values, "min_indices": min_indices,
        "amax": lib.amax(x, dim=1), "amin": x.amin(0, keepdim=True),
        "argmax": x.argmax(), "argmax_dim": x.argmax(dim=1), "argmin_dim": x.argmin(0),
        "topk_values": top.values, "topk_indices": top.indices,
        "topk_smallest": x.topk(1, largest=False).values,
        "sort_values": ordered.values, "sort_indices": ordered.indices,
        "sum_dim": x.sum(dim=1), "sum_keepdim": x.sum(0, keepdim=True), "mean": x.mean(),
        "mean_dims": x.mean(dim=(0, 1)), "softmax": x.softmax(dim=1),
        "log_softmax": x.log_softmax(dim=0),
    })


def indexing(lib):
    x = lib.tensor(DATA)
    index = lib.tensor([[0, 0], [1, 3], [2, 1]])
    mask = x > 0.5
    return results({
        "gather": x.gather(1, index), "gather_dim0": lib.gather(x, 0, lib.tensor([[2, 0, 1, 1]])),
        "masked_fill": x.masked_fill(mask, -1.0), "masked_fill_row": x.masked_fill(
            lib.tensor([True, False, True, False]), 0.0),
        "gt": mask, "eq": x == 0.5, "any": mask.any(), "all_dim": mask.all(1), "t": x.t(), "ne_count": (x != 0.5).sum(), "le_float": (x <= 1.0).float(),
        "bool_index": x[mask], "long_index": x[lib.tensor([2, 0])],
        "where": lib.where(mask, x, lib.zeros_like(x)), "logical": (mask & (x < 2.5)) | ~mask,
        "accuracy": (x.argmax(1) == lib.tensor([2, 0, 1])).float().mean(),
    })


def conversions(lib):
    x = lib.tensor(DATA)
    return results({
        "long": x.long(), "int": x.int(), "bool": x.bool(), "double": x.double(),
        "to_dtype": x.to(lib.float64), "to_cpu": x.to("cpu"), "cpu": x.cpu(),
        "type": x.type(lib.int64), "float_of_long": lib.tensor([1, 2]).float() / 2,
        "long_plus_float": lib.tensor([1, 2]) + 0.5, "int_div": lib.tensor([1, 3]) / 2, "bool_times_float": (x > 0) * x,
    })


def gradients(lib):
    w = lib.tensor(DATA, requires_grad=True)
    b = lib.zeros(4, requires_grad=True)
    x = lib.tensor([[1.0, 0.5, -1.0], [0.25, 2.0, 1.0]])
    for _ in range(3):
        y = (x @ w + b).tanh()
        values, _ = y.max(1)
        picked = y.gather(1, lib.tensor([[1], [3]])).sum()
        loss = values.sum() + picked + y.masked_fill(y > 0.5, 0.0).sum() + y.double().sum().float()
        loss.backward()
        grads = (w.grad.clone(), b.grad.clone())
        with lib.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    return results({"w": w, "b": b, "grad_w": grads[0], "grad_b": grads[1], "loss": loss,
                    "topk_grad": _topk_sort_grad(lib)})


def _topk_sort_grad(lib):
    x = lib.tensor(DATA, requires_grad=True)
    (x.topk(2, dim=1).values * lib.tensor([1.0, 2.0])).sum().backward()
    (x.sort(dim=0).values * lib.arange(3).float().unsqueeze(1)).sum().backward()
    (x.repeat(2, 1).sum(0) * lib.arange(4).float()).sum().backward()
    (x.flatten().view(4, 3).expand(2, 4, 3)[1] * 2).sum().backward()
    return x.grad


DTYPE_NAMES = ["float32", "float64", "int64", "int32", "bool"]


def dtypes(lib):
    """The dtype of each result, as its position in ``DTYPE_NAMES``."""
    x, n = lib.tensor(DATA), lib.tensor([1, 2])
    made = {
        "tensor_float": x, "tensor_int": n, "tensor_bool": lib.tensor([True]),
        "from_numpy_f64": lib.from_numpy(np.zeros(2)), "as_tensor_i32": lib.as_tensor(
            np.zeros(2, np.int32)), "arange": lib.arange(3), "arange_float": lib.arange(0.5, 2),
        "full_int": lib.full((2,), 3), "full_float": lib.full((2,), 3.0), "zeros": lib.zeros(1),
        "randint": lib.randint(0, 5, (3,)), "rand": lib.rand(2), "randn_like": lib.randn_like(x),
        "compare": x > 0, "sum_bool": (x > 0).sum(), "argmax": x.argmax(1),
        "max_indices": x.max(0).indices, "int_times_float": n * 0.5, "int_plus_int": n + 1, "int_div": n / 2,
        "long_plus_float_tensor": n + lib.tensor([0.5, 0.5]), "cast": x.double(),
        "double_plus_float": x.double() + x, "int": x.int(), "multinomial": lib.multinomial(
            lib.tensor([0.2, 0.8]), 2, replacement=True),
    }
    return results({name: DTYPE_NAMES.index(str(t.dtype).split(".")[-1])
                    for name, t in made.items()})


CASES = {"dtypes": dtypes, "creation": creation, "shapes": shapes, "reductions": reductions,
         "indexing": indexing, "conversions": conversions, "gradients": gradients}
