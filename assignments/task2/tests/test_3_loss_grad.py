"""loss_grad(X, y, p) -> {"dw", "db"}, compared with the gradients of the hidden
reference's loss, which this trusted side computes by autograd (the student may not)."""
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import (
    DTYPES,
    GRADS,
    SIZES,
    case_text,
    check_grads_result,
    expect_close,
    expect_on_gpu,
    hinted,
    make_case,
    reference_gradients,
)


@weight(7)
@number("3.1")
@tags("grad")
def test_grad_types(student, ref, gen):
    """loss_grad: dw and db have the shapes, dtype and device of w and b
    zh: loss_grad：dw 和 db 的形状、dtype、设备与 w 和 b 相同
    """
    for dtype in DTYPES:
        for m, n in SIZES:
            X, y, w, b = make_case(gen, m, n, dtype)
            check_grads_result(student.loss_grad(X, y, ref.predict(X, w, b)), w, b)


def _compare(student, ref, gen, dtype):
    for m, n in SIZES:
        X, y, w, b = make_case(gen, m, n, dtype)
        got = check_grads_result(student.loss_grad(X, y, ref.predict(X, w, b)), w, b)
        want = reference_gradients(ref, X, y, w, b)
        wrong = [("lr_grad_missing_mean", {g: v * m for g, v in want.items()})] if m > 1 else []
        with hinted(got, want, wrong, m=m):
            for g in GRADS:
                expect_close(g, got[g], want[g], case_text(m, n))


@weight(20)
@number("3.2")
@tags("grad")
def test_grad_values(student, ref, gen):
    """loss_grad: equals the reference loss's gradients by autograd (float64, several sizes)
    zh: loss_grad：与参考损失经 autograd 求得的梯度一致（float64，多种尺寸）
    """
    _compare(student, ref, gen, DTYPES[0])


@weight(12)
@number("3.3")
@tags("grad")
def test_grad_values_float32(student, ref, gen):
    """loss_grad: equals the reference loss's gradients by autograd (float32, several sizes)
    zh: loss_grad：与参考损失经 autograd 求得的梯度一致（float32，多种尺寸）
    """
    _compare(student, ref, gen, DTYPES[1])


@weight(3)
@number("3.4")
@tags("grad")
def test_grad_on_gpu(student, ref, gen, gpu, record_property):
    """loss_grad: runs on a GPU, keeping dw and db on the device of the inputs
    zh: loss_grad：能在 GPU 上运行，dw 和 db 留在输入所在的设备上
    """
    X, y, w, b = make_case(gen, *SIZES[0])
    p = ref.predict(X, w, b)
    check_grads_result(student.loss_grad(X, y, p), w, b)
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "loss_grad", X, y, p), "loss_grad"))
