"""forward(X, params) -> (A2, cache), compared with the reference on its own inputs."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.checks import CACHE, SIZES, case_text, check_forward_result, expect_close, make_case


@weight(5)
@number("1.1")
@tags("forward")
def test_forward_types(student, gen, device):
    """forward: A2 and cache have the right shapes, dtype and device"""
    for dtype in (torch.float64, torch.float32):
        X, _, params = make_case(gen, 7, 5, 3, dtype)
        X, params = X.to(device), {k: v.to(device) for k, v in params.items()}
        check_forward_result(student.forward(X, params), X, params)


def _compare(student, ref, gen, dtype):
    for m, n, h in SIZES:
        X, _, params = make_case(gen, m, n, h, dtype)
        A2, cache = check_forward_result(student.forward(X, params), X, params)
        want_A2, want = ref.forward(X, params)
        case = case_text(m, n, h)
        for key in CACHE:
            expect_close(f'cache["{key}"]', cache[key], want[key], case)
        expect_close("A2", A2, want_A2, case)


@weight(10)
@number("1.2")
@tags("forward")
def test_forward_values(student, ref, gen):
    """forward: A2 and the whole cache match the reference (float64, several sizes)"""
    _compare(student, ref, gen, torch.float64)


@weight(5)
@number("1.3")
@tags("forward")
def test_forward_values_float32(student, ref, gen):
    """forward: A2 and the whole cache match the reference (float32, several sizes)"""
    _compare(student, ref, gen, torch.float32)
