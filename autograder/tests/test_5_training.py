"""Training: the grader's own loop drives the student's four functions on an imbalanced
synthetic task (pos_weight = 3); the loss is recomputed here from the returned params."""
import torch
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.checks import TRAINING, make_training_data, train, training_verdict


@weight(15)
@number("5.1")
@tags("training")
def test_training_loss_falls(student, ref, gen, device, record_property):
    """training: the loss falls clearly when your four functions train the network
    zh: 训练：用你的四个函数训练网络时损失明显下降
    """
    X, Y, params = make_training_data(gen, device)
    X64, Y64 = X.double().cpu(), Y.double().cpu()

    def loss_of(p):
        p64 = {k: v.double().cpu() for k, v in p.items()}
        return ref.bce_loss(ref.forward(X64, p64)[0], Y64, TRAINING["pos_weight"])

    curve = train(student, X, Y, params, loss_of)
    record_property("message", training_verdict(curve, device))
