"""Task 2's own sentences, in each language: its cases, its findings, the hints for its
classic mistakes (hint_<id>), those the engine's checks give, and its first test's. The
engine's (autograder/common/messages.py) are added to these by autograder/assignment.py."""

# The fields its hints use ({m}: the batch size) where the check that gives one has no value for them.
FIELDS = {"m": "m"}
MESSAGES = {
    "imported": {
        "en": "logreg.py imported; it defines predict, log_loss and loss_grad.",
        "zh": "logreg.py 导入成功，定义了 predict、log_loss 和 loss_grad。",
    },
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
    "hint_wrong_dtype": {
        "en": "{name} is float32 although the inputs are float64: a tensor made without dtype= is float32. Reread §4.",
        "zh": "输入是 float64，{name} 却是 float32：不指定 dtype= 创建的张量是 float32。请重读 §4。",
    },
    "hint_wrong_device": {
        "en": "{name} is on another device than the inputs: make new tensors with device=X.device (or *_like). Reread §4.",
        "zh": "{name} 与输入不在同一设备上：新建张量时请用 device=X.device（或 *_like）。请重读 §4。",
    },
    "hint_modified_input": {
        "en": "{fn}: operations in place (methods ending in _, slice assignment, out=) change the caller's tensors: compute new ones. Reread §4.",
        "zh": "{fn}：原地操作（以 _ 结尾的方法、切片赋值、out=）会改变调用者的张量：请计算新的张量。请重读 §4。",
    },
    "hint_numpy_on_device": {
        "en": "{fn}: .numpy() works only for tensors on the CPU: keep to torch operations. Reread §4.",
        "zh": "{fn}：.numpy() 只适用于 CPU 上的张量：请只用 torch 运算。请重读 §4。",
    },
    "hint_tensor_without_device": {
        "en": "{fn}: a tensor made without device= is on the CPU whatever the inputs' device: use device=X.device or *_like. Reread §4.",
        "zh": "{fn}：不指定 device= 创建的张量总在 CPU 上：请用 device=X.device 或 *_like。请重读 §4。",
    },
    "hint_output_on_cpu": {
        "en": "{fn}: return every tensor on the device of the inputs: no .cpu() on what you return. Reread §4.",
        "zh": "{fn}：返回的张量都应在输入所在的设备上：不要对返回值调用 .cpu()。请重读 §4。",
    },
    "hint_out_of_memory": {
        "en": "{fn}: your code ran out of memory; a solution needs only a few MB here: look for a tensor far larger than the inputs. Reread §4.",
        "zh": "{fn}：你的代码耗尽了内存；正确的解法只需几 MB：检查是否有远大于输入的张量。请重读 §4。",
    },
}
