"""Small programs written for PyTorch that run unchanged with ``lib = tinygrad_rnn``.

Each case takes the library module (``torch`` or ``tinygrad_rnn``) and returns named
results as NumPy arrays (``results``). ``make_torch_api_golden.py`` stores PyTorch's results in
``golden.json``; ``test_torch_api.py`` compares ours with the file always and with PyTorch
live when it is installed. Nothing here imports PyTorch.
"""

# .data here is PyTorch's: a tensor sharing the values (the NumPy array is .array)

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


# ---------------------------------------------------------------- the surface of issue 19

MORE = [[0.25, -1.0, 2.5, 0.0], [3.0, 1.0, -1.5, 1.5], [-2.0, 0.5, 0.125, 0.75]]


def surface_ops(lib):
    x = lib.tensor(DATA, requires_grad=True)
    b = lib.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8, requires_grad=True)
    ops = {
        "narrow": x.narrow(1, 1, 2), "narrow_fn": lib.narrow(x, 0, -2, 2),
        "unbind": lib.stack(x.unbind(1)[::-1]), "index_select": x.index_select(1, lib.tensor([3, 0, 0])),
        "index_select_fn": lib.index_select(x, 0, lib.tensor([2])),
        "masked_select": x.masked_select(x > 0), "masked_select_fn": lib.masked_select(
            x, lib.tensor([True, False, True, False])),
        "norm": x.norm(), "norm_dim": x.norm(1, dim=1), "norm_p3": lib.norm(x, 3, dim=0, keepdim=True),
        "norm_inf": x.norm(float("inf"), dim=0), "std": x.std(), "std_dim": x.std(1),
        "var": x.var(0, unbiased=False), "var_correction": lib.var(x, dim=1, correction=0, keepdim=True),
        "prod": x.prod(), "prod_dim": x.prod(1, keepdim=True), "cumsum": x.cumsum(1),
        "cumsum_fn": lib.cumsum(x, dim=0), "bmm": lib.bmm(b, b.transpose(1, 2)),
        "bmm_method": b.bmm(lib.ones(2, 4, 1)),
        "baddbmm": lib.baddbmm(lib.ones(3, 3), b, b.transpose(1, 2), beta=0.5, alpha=2),
        "einsum_mm": lib.einsum("ij,kj->ik", x, x), "einsum_batch": lib.einsum("bij,bkj->bik", b, b),
        "einsum_trace": lib.einsum("ii", x[:, :3]), "einsum_list": lib.einsum("ij,j", [x, x[0]]),
        "einsum_ellipsis": lib.einsum("...j,j->...", b, lib.tensor([1.0, 2.0, 3.0, 4.0])),
        "add_alpha": lib.add(x, x, alpha=2), "sub_alpha": x.sub(b[0], alpha=0.5),
    }
    total = sum((v * (i + 1) / 10).sum() for i, v in enumerate(ops.values()))
    total.backward()
    return results({**ops, "grad_x": x.grad, "grad_b": b.grad,
                    "isnan": lib.tensor([1.0, float("nan")]).isnan(),
                    "isinf": lib.isinf(lib.tensor([float("inf"), 0.0, -float("inf")])),
                    "allclose": x.allclose(x + 1e-9), "allclose_fn": lib.allclose(x, x + 0.1),
                    "type_as": lib.tensor([1, 2]).type_as(x),
                    "prod_int": lib.tensor([[1, 2], [3, 4]]).prod(0)})


def surface_creation(lib):
    x = lib.tensor(DATA, dtype=lib.float64)
    g = lib.Generator().manual_seed(0)
    return results({
        "new_zeros": x.new_zeros(2, 3), "new_zeros_tuple": x.new_zeros((1, 2)),
        "new_ones": x.new_ones(2), "new_full": x.new_full((2, 2), 3.5),
        "new_empty": x.new_empty(3, 1).size(), "new_tensor": x.new_tensor([1, 2]),
        "randperm": lib.randperm(6, generator=g).sort().values,
        "rand_generator": lib.rand(2, 3, generator=g).size(),
        "initial_seed": g.initial_seed(), "seeded_again": lib.Generator().manual_seed(7).initial_seed(),
    })


def surface_dtypes(lib):
    """The dtype of each new function's result, as in ``dtypes``."""
    x, n = lib.tensor(DATA), lib.tensor([1, 2])
    made = {
        "new_tensor": x.double().new_tensor([1, 2]), "new_zeros": x.double().new_zeros(2),
        "new_zeros_long": x.new_zeros(2, dtype=lib.int64), "new_full": n.new_full((2,), 3),
        "randperm": lib.randperm(3), "prod_int": n.prod(), "prod_bool": (x > 0).prod(),
        "cumsum_bool": (x > 0).cumsum(0), "cumsum_int32": n.int().cumsum(0),
        "isnan": x.isnan(), "type_as": n.type_as(x), "norm": x.norm(), "var": x.var(),
        "index_select": n.index_select(0, lib.tensor([0])), "masked_select": n.masked_select(n > 1),
    }
    return results({name: DTYPE_NAMES.index(str(t.dtype).split(".")[-1])
                    for name, t in made.items()})


def surface_nn(lib):
    F = lib.nn.functional
    x = lib.tensor(DATA, requires_grad=True)
    t = lib.tensor(MORE)
    norm, norm2 = lib.nn.LayerNorm(4), lib.nn.LayerNorm((3, 4), elementwise_affine=False)
    with lib.no_grad():
        norm.weight.copy_(lib.tensor([1.0, 2.0, 0.5, -1.0]))
        norm.bias.fill_(0.25)
    log_p, probs = t.log_softmax(1), x.softmax(1)
    outputs = {
        "layer_norm": norm(x), "layer_norm_2d": norm2(x), "layer_norm_fn": F.layer_norm(x, (4,)),
        "leaky_relu": lib.nn.LeakyReLU(0.2)(x), "leaky_relu_fn": F.leaky_relu(x),
        "gelu": lib.nn.GELU()(x), "gelu_tanh": lib.nn.GELU(approximate="tanh")(x),
        "gelu_fn": F.gelu(x), "softplus": lib.nn.Softplus()(x),
        "softplus_threshold": lib.nn.Softplus(beta=2.0, threshold=1.0)(x),
        "softplus_fn": F.softplus(x, beta=0.5), "smooth_l1": lib.nn.SmoothL1Loss()(x, t),
        "smooth_l1_beta": F.smooth_l1_loss(x, t, reduction="none", beta=0.5),
        "huber": lib.nn.HuberLoss(delta=0.5)(x, t), "huber_sum": F.huber_loss(x, t, reduction="sum"),
        "kl_batchmean": lib.nn.KLDivLoss(reduction="batchmean")(log_p, probs),
        "kl_none": F.kl_div(log_p, probs, reduction="none"),
        "kl_log_target": F.kl_div(log_p, probs.log(), reduction="sum", log_target=True),
    }
    total = sum((v * (i + 1) / 10).sum() for i, v in enumerate(outputs.values()))
    total.backward()
    return results({**outputs, "grad_x": x.grad, "grad_weight": norm.weight.grad,
                    "grad_bias": norm.bias.grad})


def in_place(lib):
    w = lib.tensor(DATA, requires_grad=True)
    (w * w).sum().backward()
    with lib.no_grad():
        w.add_(w.grad, alpha=-0.1)
        w.sub_(0.5, alpha=2).mul_(2).div_(4)
        w.clamp_(-1.0, 1.0)
        w.masked_fill_(w < -0.9, 0.25)
    a = lib.zeros(3, 4).copy_(lib.tensor(MORE))
    a.copy_(lib.tensor([1.0, 2.0, 3.0, 4.0]) * a)
    u = lib.zeros(2000).uniform_(-2, 3)
    n = lib.empty(4000).normal_(1.0, 0.5)
    return results({
        "w": w, "a": a, "uniform_in_range": ((u >= -2) & (u < 3)).all(),
        "uniform_mean_close": (u.mean() - 0.5).abs() < 0.1,
        "normal_moments_close": ((n.mean() - 1).abs() < 0.05) & ((n.std() - 0.5).abs() < 0.05),
        "floor": lib.tensor([7.0, -7.0]).div_(2, rounding_mode="floor"),
        "trunc": lib.tensor([7.0, -7.0]).div_(2, rounding_mode="trunc"),
    })


def data_semantics(lib):
    """``.data``: a tensor that shares the values and is cut from the graph."""
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor(DATA)[:2, :3])
        model.bias.fill_(0.5)
    model(lib.tensor([[1.0, -1.0, 0.5]])).pow(2).sum().backward()
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-0.1)        # the update loop of PyTorch's older examples
    view = model.weight.data
    view.mul_(2)
    view[0, 0] = 7.0
    model.bias.data.copy_(model.bias.data * 3)
    other = lib.nn.Linear(3, 2)
    other.weight.data = model.weight.data.clone()
    other.bias.data.zero_()
    out = other(lib.tensor([[1.0, 2.0, 3.0]]))
    return results({"weight": model.weight, "bias": model.bias, "out": out,
                    "data_requires_grad": view.requires_grad, "data_is_leaf": view.is_leaf,
                    "out_requires_grad": out.requires_grad, "grad": model.weight.grad})


CASES = {"dtypes": dtypes, "creation": creation, "shapes": shapes, "reductions": reductions,
         "indexing": indexing, "conversions": conversions, "gradients": gradients,
         "surface_ops": surface_ops, "surface_creation": surface_creation,
         "surface_dtypes": surface_dtypes, "surface_nn": surface_nn, "in_place": in_place,
         "data_semantics": data_semantics}
