"""Training: the grader's own loop drives the student's four functions on an imbalanced
synthetic task (pos_weight = 3); the loss is recomputed here, in float64 on the CPU, from
the returned params. The task and the starting parameters are fixed (task.training_data),
so these scores do not depend on the run's seed.

5.1 trains on the CPU, on every machine. 5.2 trains on a GPU: the grader's own when it has
one, else the run's values are the CPU's and each function's first call is also made on
the virtual GPU (fake CUDA tensors), so a submission gets the same grade either way.
The 15 points of training are split 10 + 5: learning is what 5.1 judges and a bug that
stops it loses both, as the 15 of one test before; a device mistake already costs its
function's device test, and 5.2 adds 5 for a training run that could not go on a GPU."""
import pytest
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import TRAINING, run_training, train_on_gpu, training_data


def _trusted_loss(ref):
    """The loss of params on the training task, by the reference, float64 on the CPU."""
    X, Y, _ = training_data()
    X64, Y64 = X.double(), Y.double()

    def loss_of(p):
        p64 = {k: v.detach().cpu().double() for k, v in p.items()}
        return ref.bce_loss(ref.forward(X64, p64)[0], Y64, TRAINING["pos_weight"])

    return loss_of


@pytest.fixture(scope="session")
def runs():
    """The training runs made for this submission, by device (a session fixture: a batch
    job makes a new one for each submission)."""
    return {}


def _cpu_run(student, ref, runs):
    """The run on the CPU, made once for 5.1 and 5.2."""
    if "cpu" not in runs:
        student.inputs_must_stay = False   # that rule costs points in each function's own tests
        try:
            runs["cpu"] = run_training(student, _trusted_loss(ref))
        finally:
            student.inputs_must_stay = True
    return runs["cpu"]


@weight(10)
@number("5.1")
@tags("training")
def test_training_loss_falls(student, ref, runs, record_property):
    """training: the loss falls clearly when your four functions train the network
    zh: 训练：用你的四个函数训练网络时损失明显下降
    """
    record_property("message", _cpu_run(student, ref, runs).verdict("cpu"))


@weight(5)
@number("5.2")
@tags("training")
def test_training_on_gpu(student, ref, runs, gpu, record_property):
    """training on a GPU: the loss falls too when the inputs and parameters are on a GPU
    zh: 在 GPU 上训练：输入和参数在 GPU 上时损失同样明显下降
    """
    cpu_run = _cpu_run(student, ref, runs) if gpu == "virtual" else None
    student.inputs_must_stay = False
    try:
        summary = train_on_gpu(student, lambda fn, *args: student.on_gpu(gpu, fn, *args), gpu, _trusted_loss(ref),
                               cpu_run)
    finally:
        student.inputs_must_stay = True
    record_property("message", summary)
