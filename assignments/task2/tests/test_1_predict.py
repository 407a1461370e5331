"""predict(X, w, b) -> p, compared with the reference on its own inputs."""
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import DTYPES, SIZES, case_text, check_predict_result, expect_close, expect_on_gpu, hinted, make_case


@weight(5)
@number("1.1")
@tags("predict")
def test_predict_types(student, gen):
    """predict: p has the right shape, dtype and device
    zh: predict：p 的形状、dtype、设备正确
    """
    for dtype in DTYPES:
        for m, n in SIZES:
            X, _, w, b = make_case(gen, m, n, dtype)
            check_predict_result(student.predict(X, w, b), X)


def _compare(student, ref, gen, dtype):
    for m, n in SIZES:
        X, _, w, b = make_case(gen, m, n, dtype)
        p = check_predict_result(student.predict(X, w, b), X)
        want = ref.predict(X, w, b)
        with hinted(p, want, [("lr_predict_no_bias", ref.predict(X, w, b * 0))]):
            expect_close("p", p, want, case_text(m, n))


@weight(15)
@number("1.2")
@tags("predict")
def test_predict_values(student, ref, gen):
    """predict: p matches the reference (float64, several sizes)
    zh: predict：p 与参考答案一致（float64，多种尺寸）
    """
    _compare(student, ref, gen, DTYPES[0])


@weight(5)
@number("1.3")
@tags("predict")
def test_predict_values_float32(student, ref, gen):
    """predict: p matches the reference (float32, several sizes)
    zh: predict：p 与参考答案一致（float32，多种尺寸）
    """
    _compare(student, ref, gen, DTYPES[1])


@weight(3)
@number("1.4")
@tags("predict")
def test_predict_on_gpu(student, gen, gpu, record_property):
    """predict: runs on a GPU, keeping p on the device of the inputs
    zh: predict：能在 GPU 上运行，p 留在输入所在的设备上
    """
    X, _, w, b = make_case(gen, *SIZES[0])
    check_predict_result(student.predict(X, w, b), X)   # first on the CPU
    record_property("message", expect_on_gpu(student.on_gpu(gpu, "predict", X, w, b), "predict"))
