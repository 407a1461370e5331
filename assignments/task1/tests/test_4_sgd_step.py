"""sgd_step(params, grads, lr) -> updated params, on gradients made by the reference."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import (
    PARAMS,
    SIZES,
    TYPE_SIZES,
    case_text,
    check_params_result,
    expect_close,
    expect_on_gpu,
    hinted,
    make_case,
)


@weight(2)
@number("4.1")
@tags("sgd_step")
def test_sgd_types(student, ref, gen):
    """sgd_step: returns W1, b1, W2, b2 with their shapes, dtype and device
    zh: sgd_step：返回形状、dtype、设备正确的 W1、b1、W2、b2
    """
    for dtype in (torch.float64, torch.float32):
        for m, n, h in TYPE_SIZES:
            X, Y, params = make_case(gen, m, n, h, dtype)
            grads = ref.backward(X, Y, params, ref.forward(X, params)[1])
            check_params_result(student.sgd_step(params, grads, 0.1), params)


@weight(7)
@number("4.2")
@tags("sgd_step")
def test_sgd_values(student, ref, mistakes, gen):
    """sgd_step: the updated parameters match the reference
    zh: sgd_step：更新后的参数与参考答案一致
    """
    for (m, n, h), lr in zip(SIZES, (0.1, 0.5, 0.01, 1.0, 0.3, 2.0, 0.05), strict=True):
        X, Y, params = make_case(gen, m, n, h)
        grads = ref.backward(X, Y, params, ref.forward(X, params)[1], 3.0)
        want = ref.sgd_step(params, grads, lr)
        got = check_params_result(student.sgd_step(params, grads, lr), params)
        with hinted(got, want, mistakes.sgd_mistakes(ref, params, grads, lr), m=m):
            for p in PARAMS:
                expect_close(p, got[p], want[p], case_text(m, n, h, lr=lr))


# Its point comes from 4.1 (3 -> 2).
@weight(1)
@number("4.3")
@tags("sgd_step")
def test_sgd_on_gpu(student, ref, gen, gpu, record_property):
    """sgd_step: runs on a GPU, keeping every parameter on the device of the inputs
    zh: sgd_step：能在 GPU 上运行，所有参数都留在输入所在的设备上
    """
    X, Y, params = make_case(gen, *SIZES[0])
    grads = ref.backward(X, Y, params, ref.forward(X, params)[1])
    check_params_result(student.sgd_step(params, grads, 0.1), params)   # first on the CPU
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "sgd_step", params, grads, 0.1), "sgd_step"))
