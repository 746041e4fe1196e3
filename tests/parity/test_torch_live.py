"""Our RNN, LSTM and GRU against PyTorch run live: the golden comparisons in both dtypes,
the state-dict order, trained weights moved both ways, and the golden files still being
what ``make_golden.py`` writes. Skipped where PyTorch is not installed."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is needed to compare with it live "
                                            "(`.venv/bin/pip install torch`)")

from make_golden import build_torch, torch_param_shapes, torch_results  # noqa: E402
from parity_cases import (  # noqa: E402
    CASES, assert_matches, build_ours, inputs_only, make_arrays, our_results, parameters_of,
    read_golden,
)
from tinygrad_rnn import optim  # noqa: E402

# PyTorch's note that its oneDNN path lacks projections is not about us.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections:UserWarning")

# Training changes no names or shapes; batch layout and lengths change nothing in a state dict.
TRAINED = [case for case in CASES if case.batch_first and case.with_lengths]
STEPS, LR = 3, 0.1


def case_arrays(case) -> dict[str, np.ndarray]:
    return make_arrays(case, torch_param_shapes(case))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_float64_outputs_states_and_gradients_match_pytorch(case):
    arrays = case_arrays(case)
    assert_matches(our_results(case, arrays, np.float64),
                   torch_results(case, arrays, np.float64), 1e-10, f"{case.id} float64")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_float32_outputs_states_and_gradients_match_pytorch(case):
    arrays = case_arrays(case)
    assert_matches(our_results(case, arrays, np.float32),
                   torch_results(case, arrays, np.float32), 1e-5, f"{case.id} float32")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_state_dict_names_order_and_shapes_are_pytorchs(case):
    ours = {k: v.shape for k, v in build_ours(case, np.float64).state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in build_torch(case, np.float64).state_dict().items()}
    assert list(ours.items()) == list(theirs.items())


@pytest.mark.parametrize("case", TRAINED, ids=lambda case: case.id)
def test_weights_trained_here_load_into_pytorch(case):
    arrays = case_arrays(case)
    ours = build_ours(case, np.float64)
    ours.load_state_dict(parameters_of(arrays, np.float64))
    optimizer = optim.SGD(ours.parameters(), lr=LR, momentum=0.9)
    for _ in range(STEPS):
        our_results(case, arrays, np.float64, layer=ours)  # backward into ours' .grad
        optimizer.step()
    trained = ours.state_dict()
    assert all(not np.array_equal(trained[k], v) for k, v in parameters_of(arrays, np.float64).items())

    module = getattr(torch.nn, case.class_name)(**case.kwargs).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    assert_matches(torch_results(case, arrays, np.float64, module=module),
                   our_results(case, arrays, np.float64, layer=ours), 1e-10, case.id)


@pytest.mark.parametrize("case", TRAINED, ids=lambda case: case.id)
def test_weights_trained_in_pytorch_load_here(case):
    arrays = case_arrays(case)
    module = build_torch(case, np.float64, parameters_of(arrays, np.float64))
    optimizer = torch.optim.SGD(module.parameters(), lr=LR, momentum=0.9)
    for _ in range(STEPS):
        torch_results(case, arrays, np.float64, module=module)  # backward into module's .grad
        optimizer.step()
    trained = {k: v.detach().numpy() for k, v in module.state_dict().items()}
    assert all(not np.array_equal(trained[k], v) for k, v in parameters_of(arrays, np.float64).items())

    ours = build_ours(case, np.float64)
    ours.load_state_dict(trained)
    assert_matches(our_results(case, arrays, np.float64, layer=ours),
                   torch_results(case, arrays, np.float64, module=module), 1e-10, case.id)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_golden_file_is_what_make_golden_writes(case):
    """Inputs identical (the seeded generator is unchanged); PyTorch's results equal to
    rounding (another PyTorch version may sum in another order)."""
    golden = read_golden(case)
    arrays = case_arrays(case)
    assert_matches(inputs_only(golden), arrays, 0.0, f"{case.id} inputs")
    assert golden["keys"].tolist() == list(torch_param_shapes(case))
    expected = torch_results(case, arrays, np.float64)
    assert_matches({k: golden[k] for k in expected}, expected, 1e-12, f"{case.id} results")
