"""The trusted side of the saturation checks (grader tests 2.5 and 3.7), in-process: the
cases hold what their docstrings promise, and the gradients accepted where A2 is exactly 0
or 1 are the two that the handout (§3.1) describes."""
import importlib.util

import pytest
import torch
from conftest import SUBMISSIONS

from assignments.task1 import task
from autograder.assignment import load_reference
from autograder.common import messages

REF = load_reference()


@pytest.fixture(autouse=True)
def _english():
    """Messages in English here, as the grades in these tests are read."""
    before = messages.language()
    messages.set_language("en")
    yield
    messages.set_language(before)


def submission(name):
    spec = importlib.util.spec_from_file_location(name, SUBMISSIONS / "correct" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dtype", task.DTYPES, ids=str)
def test_saturated_backward_case_has_right_and_wrong_certain_examples(dtype):
    X, Y, params, cache = task.saturated_backward_case(REF, torch.Generator().manual_seed(3), dtype)
    A2, n = cache["A2"][:, 0], task.SATURATED_ROWS
    assert torch.equal(cache["A2"], REF.forward(X, params)[0]), "the cache is the reference's own"
    kinds = {(float(a), float(y)) for a, y in zip(A2[:n], Y[:n, 0])}
    assert kinds == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}, kinds
    assert bool(((A2[n:] > 1e-3) & (A2[n:] < 1 - 1e-3)).all()) and set(Y[n:, 0].tolist()) == {0.0, 1.0}
    Z2 = cache["Z2"][:n, 0]
    assert bool(torch.isinf(torch.exp(-Z2[A2[:n] == 0])).all()), "exp(-Z2) overflows where A2 is 0"


def test_zero_alternative_drops_the_saturated_examples():
    """dZ2 = 0 at the saturated rows, the weighted closed form elsewhere, propagated by hand."""
    X, Y, params, cache = task.saturated_backward_case(REF, torch.Generator().manual_seed(4), torch.float64)
    w, m, A2 = task.SATURATED_WEIGHT, X.shape[0], cache["A2"]
    closed, zeroed = task.saturated_alternatives(REF.backward, X, Y, params, cache, w)
    dZ2 = (A2 * (w * Y + 1 - Y) - w * Y) / m * ((A2 > 0) & (A2 < 1))
    dZ1 = dZ2 @ params["W2"].T * (cache["Z1"] > 0)
    by_hand = {"dW1": X.T @ dZ1, "db1": dZ1.sum(0), "dW2": cache["A1"].T @ dZ2, "db2": dZ2.sum(0)}
    for g in task.GRADS:
        torch.testing.assert_close(zeroed[g], by_hand[g], rtol=1e-12, atol=1e-12)
        assert not torch.allclose(zeroed[g], closed[g]), f"{g}: the two alternatives must differ"


@pytest.mark.parametrize("dtype", task.DTYPES, ids=str)
def test_clamped_chain_rule_gives_the_zero_alternative(dtype):
    """The correct submission that clamps A2 before dividing gives 0 at the saturated rows;
    it passes the check, and a chain rule without the clamp does not."""
    X, Y, params, cache = task.saturated_backward_case(REF, torch.Generator().manual_seed(5), dtype)
    accepted = task.saturated_alternatives(REF.backward, X, Y, params, cache, task.SATURATED_WEIGHT)
    clamped = submission("correct_clamped_chain_rule")
    got = clamped.backward(X, Y, params, cache, task.SATURATED_WEIGHT)
    rtol, atol = task.tolerance(dtype)
    for g in task.GRADS:
        scale = float(accepted[1][g].abs().max())
        torch.testing.assert_close(got[g], accepted[1][g], rtol=rtol, atol=max(atol, rtol * scale))
    case = (X, Y, params, cache, accepted, [])
    task.check_saturated_backward(clamped.backward, [case])

    def unclamped(X, Y, params, cache, pos_weight):   # the chain rule of §3.1, steps 1 and 2 apart
        A2 = cache["A2"]
        dZ2 = (-pos_weight * Y / A2 + (1 - Y) / (1 - A2)) * A2 * (1 - A2) / X.shape[0]
        dZ1 = dZ2 @ params["W2"].T * (cache["Z1"] > 0)
        return {"dW1": X.T @ dZ1, "db1": dZ1.sum(0), "dW2": cache["A1"].T @ dZ2, "db2": dZ2.sum(0)}

    with pytest.raises(task.Mismatch, match="NaN or infinity"):
        task.check_saturated_backward(unclamped, [case])


def test_additive_eps_in_the_logs_is_caught_and_a_clamp_is_not():
    """The decision of the handout's §2: a constant inside the logs costs the saturated loss
    test in float64; clamps up to 1e-6 pass it."""
    gen = torch.Generator().manual_seed(6)
    cases = [task.saturated_case(REF, gen, d) for d in task.DTYPES]
    cases = [(A2, Y, REF.bce_loss(A2, Y, task.SATURATED_WEIGHT)) for A2, Y in cases]

    def clamped(bound):
        return lambda A2, Y, w: -(w * Y * torch.log(A2.clamp(bound, 1 - bound))
                                  + (1 - Y) * torch.log(1 - A2.clamp(bound, 1 - bound))).mean()

    for bound in (1e-7, 1e-6):
        task.check_saturated_loss(clamped(bound), cases)
    shifted = lambda A2, Y, w: -(w * Y * torch.log(A2 + 1e-8) + (1 - Y) * torch.log(1 - A2 + 1e-8)).mean()  # noqa: E731
    with pytest.raises(task.Mismatch, match=r"\[in float64\]"):
        task.check_saturated_loss(shifted, cases)


def test_size_one_shapes_get_their_hint():
    """One hidden unit: a squeezed dW1 or db1, or a dW1 that broadcast to (n, m), gets the
    size-one hint; a db1 summed over the wrong axis keeps its own."""
    X, Y, params = task.make_case(torch.Generator().manual_seed(7), 5, 6, 1)
    grads = REF.backward(X, Y, params, REF.forward(X, params)[1])
    for name, bad in (("dW1", torch.zeros(6)), ("db1", torch.zeros(())), ("dW1", torch.zeros(6, 5))):
        with pytest.raises(task.Mismatch) as info:
            task.check_grads_result({**grads, name: bad.double()}, params)
        assert "dimension of size one" in str(info.value), str(info.value)
    with pytest.raises(task.Mismatch) as info:
        task.check_grads_result({**grads, "db1": torch.zeros(5, dtype=torch.float64)}, params)
    assert "dimension of size one" not in str(info.value) and "batch axis" in str(info.value), str(info.value)
