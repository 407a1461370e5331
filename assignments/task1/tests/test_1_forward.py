"""forward(X, params) -> (A2, cache), compared with the reference on its own inputs."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import (
    CACHE,
    SIZES,
    TYPE_SIZES,
    case_text,
    check_forward_result,
    expect_close,
    expect_on_gpu,
    hinted,
    make_case,
)


@weight(3)
@number("1.1")
@tags("forward")
def test_forward_types(student, gen):
    """forward: A2 and cache have the right shapes, dtype and device
    zh: forward：A2 和 cache 的形状、dtype、设备正确
    """
    for dtype in (torch.float64, torch.float32):
        for m, n, h in TYPE_SIZES:
            X, _, params = make_case(gen, m, n, h, dtype)
            check_forward_result(student.forward(X, params), X, params)


def _compare(student, ref, mistakes, gen, dtype):
    for m, n, h in SIZES:
        X, _, params = make_case(gen, m, n, h, dtype)
        A2, cache = check_forward_result(student.forward(X, params), X, params)
        want_A2, want = ref.forward(X, params)
        case = case_text(m, n, h)
        with hinted((A2, cache), (want_A2, want), mistakes.forward_mistakes(ref, X, params), m=m):
            expect_close("A2", A2, want_A2, case)
            for key in CACHE:
                expect_close(f'cache["{key}"]', cache[key], want[key], case)


@weight(10)
@number("1.2")
@tags("forward")
def test_forward_values(student, ref, mistakes, gen):
    """forward: A2 and the whole cache match the reference (float64, several sizes)
    zh: forward：A2 和整个 cache 与参考答案一致（float64，多种尺寸）
    """
    _compare(student, ref, mistakes, gen, torch.float64)


@weight(5)
@number("1.3")
@tags("forward")
def test_forward_values_float32(student, ref, mistakes, gen):
    """forward: A2 and the whole cache match the reference (float32, several sizes)
    zh: forward：A2 和整个 cache 与参考答案一致（float32，多种尺寸）
    """
    _compare(student, ref, mistakes, gen, torch.float32)


# Its 2 points come from 1.1 (5 -> 3), which checked the device too when the grader had a GPU.
@weight(2)
@number("1.4")
@tags("forward")
def test_forward_on_gpu(student, gen, gpu, record_property):
    """forward: runs on a GPU, keeping every tensor on the device of the inputs
    zh: forward：能在 GPU 上运行，所有张量都留在输入所在的设备上
    """
    X, _, params = make_case(gen, *SIZES[0])
    check_forward_result(student.forward(X, params), X, params)   # first on the CPU, as a GPU would run it
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "forward", X, params), "forward"))
