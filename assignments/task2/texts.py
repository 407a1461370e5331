"""Task 2's own sentences, in each language: its cases, its findings and the hints for its
classic mistakes (hint_<id>). The engine's (autograder/common/messages.py: the hints of its
own checks among them) are added to these by autograder/assignment.py."""

# The fields its hints use where the check that gives one has no value for them ({m}: the
# batch size), and the handout's section that the engine's hints send a student back to.
FIELDS = {"m": "m", "rules": "§4"}
MESSAGES = {
    "case": {
        "en": " [batch {m}, features {n}]",
        "zh": " [batch {m}，特征数 {n}]",
    },
    "saturated": {
        "en": "log_loss returned {value} for predictions of exactly 0 and 1: it must stay finite (clamp p, §2)",
        "zh": "当预测恰为 0 或 1 时，log_loss 返回了 {value}：结果必须是有限值（先截断 p，§2）",
    },
    "confident_wrong": {
        "en": "log_loss returned {value:.4g} for confident predictions that are wrong (p = 0 where y = 1); expected a large positive loss",
        "zh": "对自信但错误的预测（y = 1 时 p = 0），log_loss 返回了 {value:.4g}；应为一个很大的正数",
    },
    "refused": {
        "en": "{fn} used {what}. The gradients are derived by hand in this task (§3), so this test scores 0.",
        "zh": "{fn} 使用了 {what}。本任务的梯度必须手工推导（§3），因此该测试为 0 分。",
    },
    "hint_lr_grad_missing_mean": {
        "en": "loss_grad: your gradients are exactly m = {m} times the expected ones: the loss is a mean, so divide by the batch size. Reread §3.",
        "zh": "loss_grad：你的梯度恰好是期望值的 m = {m} 倍：损失是平均值，要除以批大小。请重读 §3。",
    },
    "hint_lr_loss_summed": {
        "en": "log_loss: your loss is exactly m = {m} times the expected one: take the mean over the batch, not the sum. Reread §2.",
        "zh": "log_loss：你的损失恰好是期望值的 m = {m} 倍：应对批取平均，而不是求和。请重读 §2。",
    },
    "hint_lr_predict_no_bias": {
        "en": "predict: your values match X w without the bias b. Reread §1.",
        "zh": "predict：你的结果与不加偏置 b 的 X w 一致。请重读 §1。",
    },
    "hint_lr_grad_transposed": {
        "en": "{name} has the shape of w transposed: check which factor of the product is transposed. Reread §3.",
        "zh": "{name} 的形状是 w 的转置：检查矩阵乘法中哪个因子需要转置。请重读 §3。",
    },
}
