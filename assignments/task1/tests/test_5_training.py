"""Training: the grader's own loop drives the student's four functions on an imbalanced
synthetic task (pos_weight = 3); the loss is recomputed here from the returned params.
The task and the starting parameters are fixed (checks.training_data), so this score
does not depend on the run's seed."""
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from ..task import TRAINING, train, training_data, training_verdict


@weight(15)
@number("5.1")
@tags("training")
def test_training_loss_falls(student, ref, record_property):
    """training: the loss falls clearly when your four functions train the network
    zh: 训练：用你的四个函数训练网络时损失明显下降
    """
    X, Y, params = training_data()
    X64, Y64 = X.double(), Y.double()

    def loss_of(p):
        p64 = {k: v.double() for k, v in p.items()}
        return ref.bce_loss(ref.forward(X64, p64)[0], Y64, TRAINING["pos_weight"])

    student.inputs_must_stay = False   # that rule costs points in each function's own tests
    try:
        curve = train(student, X, Y, params, loss_of)
    finally:
        student.inputs_must_stay = True
    record_property("message", training_verdict(curve, "cpu"))
