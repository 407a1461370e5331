"""Every sentence the grader and the self-check show a student, in each language.

`say(key, **fields)` formats one message in the current language (set_language).
Shipped in the handout with checks.py, so it holds no reference values.
"""
LANGUAGES = ("zh", "en")
_language = "zh"


def set_language(lang):
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    _language = lang


def language():
    return _language


def say(key, **fields):
    return MESSAGES[key][_language].format(**fields)


MESSAGES = {
    # -- what came back -------------------------------------------------------
    "not_tensor": {
        "en": "{name} is {what}; expected a plain torch.Tensor",
        "zh": "{name} 是 {what}；应为普通的 torch.Tensor",
    },
    "shape": {
        "en": "{name} has shape {got}; expected {want}",
        "zh": "{name} 的形状是 {got}；应为 {want}",
    },
    "dtype": {
        "en": "{name} has dtype {got}; expected {want} (the dtype of the inputs)",
        "zh": "{name} 的 dtype 是 {got}；应为 {want}（与输入相同）",
    },
    "device": {
        "en": "{name} is on device {got}; expected {want} (the device of the inputs)",
        "zh": "{name} 在设备 {got} 上；应在 {want} 上（与输入相同）",
    },
    "not_dict": {
        "en": "{fn} must return a dict with keys {keys}; it returned {what}",
        "zh": "{fn} 应返回包含键 {keys} 的 dict；实际返回了 {what}",
    },
    "missing_keys": {
        "en": "{fn} returned a dict without {missing} (expected keys {keys})",
        "zh": "{fn} 返回的 dict 缺少 {missing}（应有键 {keys}）",
    },
    "not_pair": {
        "en": "forward must return a pair (A2, cache); it returned {what}",
        "zh": "forward 应返回二元组 (A2, cache)；实际返回了 {what}",
    },
    # -- values ---------------------------------------------------------------
    "values": {
        "en": "{name} differs from the expected values at {bad} of {total} entries "
              "(largest difference {diff:.3g} at index {index}){case}",
        "zh": "{name} 与期望值在 {total} 个元素中有 {bad} 个不同"
              "（最大差值 {diff:.3g}，位于下标 {index}）{case}",
    },
    "value_scalar": {
        "en": "{name} differs from the expected value by {diff:.3g}{case}",
        "zh": "{name} 与期望值相差 {diff:.3g}{case}",
    },
    "nonfinite": {
        "en": "{name} contains NaN or infinity at {bad} of {total} entries{case}",
        "zh": "{name} 在 {total} 个元素中有 {bad} 个是 NaN 或无穷大{case}",
    },
    "case": {
        "en": " [batch {m}, input {n}, hidden {h}{extra}]",
        "zh": " [batch {m}，input {n}，hidden {h}{extra}]",
    },
    "gradcheck": {
        "en": "numerical gradient check failed for {name}{index}: your backward gives {analytic:.8g}, "
              "central differences give {numeric:.8g} (difference {diff:.2g} > {tol:g})",
        "zh": "{name}{index} 的数值梯度检查未通过：你的 backward 给出 {analytic:.8g}，"
              "中心差分给出 {numeric:.8g}（差值 {diff:.2g} > {tol:g}）",
    },
    "loss_not_finite": {
        "en": "bce_loss returned {value} when A2 contains exact 0s and 1s: it must stay finite "
              "(clamp A2 before taking the log, §2)",
        "zh": "当 A2 中有恰好为 0 或 1 的值时，bce_loss 返回了 {value}：结果必须是有限值"
              "（取对数前先对 A2 做 clamp，见 §2）",
    },
    "loss_confident_wrong": {
        "en": "bce_loss returned {value:.4g} for confidently wrong predictions (A2 = 0 where y = 1 "
              "and A2 = 1 where y = 0); expected a large positive loss",
        "zh": "对完全错误的自信预测（y = 1 时 A2 = 0，y = 0 时 A2 = 1），bce_loss 返回了 {value:.4g}；"
              "应为一个很大的正数",
    },
    "autograd": {
        "en": "backward used {what}. Gradients must be computed by hand (§6), so every backward "
              "test scores 0.",
        "zh": "backward 使用了 {what}。梯度必须手工推导计算（§6），因此所有 backward 测试均为 0 分。",
    },
    "not_repeatable": {
        "en": "backward returned different values when called twice with the same arguments "
              "({name} changed): does it keep state between calls or modify its inputs?",
        "zh": "用相同参数调用两次 backward，结果不同（{name} 变了）：它是否在调用之间保存了状态，或修改了输入？",
    },
    "modified_input": {
        "en": "{fn} modified its input {name} in place; compute new tensors instead",
        "zh": "{fn} 原地修改了输入 {name}；请计算新的张量",
    },
    # -- training -------------------------------------------------------------
    "training_step": {
        "en": "training step {step}: {problem}",
        "zh": "训练第 {step} 步：{problem}",
    },
    "training_failed": {
        "en": "The loss did not fall enough: {first:.4f} -> {last:.4f} after {steps} steps "
              "(it must drop below {target:.4f}).",
        "zh": "损失下降不够：{steps} 步后 {first:.4f} -> {last:.4f}（需要低于 {target:.4f}）。",
    },
    "training_summary": {
        "en": "Trained on {device} for {steps} steps (pos_weight {w:g}, lr {lr:g}): "
              "loss {first:.4f} -> {last:.4f}\n{curve}",
        "zh": "在 {device} 上训练 {steps} 步（pos_weight {w:g}，lr {lr:g}）："
              "损失 {first:.4f} -> {last:.4f}\n{curve}",
    },
    # -- the submission -------------------------------------------------------
    "no_mlp": {
        "en": "No mlp.py was found in your submission. Submit one file named mlp.py.",
        "zh": "提交内容中没有找到 mlp.py。请提交一个名为 mlp.py 的文件。",
    },
    "several_mlp": {
        "en": "Your submission holds several files named mlp.py ({paths}); submit exactly one.",
        "zh": "提交内容中有多个 mlp.py（{paths}）；请只提交一个。",
    },
    "missing_functions": {
        "en": "mlp.py does not define: {names}",
        "zh": "mlp.py 没有定义：{names}",
    },
    "imported": {
        "en": "mlp.py imported; it defines forward, bce_loss, backward and sgd_step.",
        "zh": "mlp.py 导入成功，定义了 forward、bce_loss、backward 和 sgd_step。",
    },
    "student_output": {
        "en": "What your code printed:",
        "zh": "你的代码输出：",
    },
    "timeout": {
        "en": "this test took longer than {seconds} s and was stopped",
        "zh": "该测试超过 {seconds} 秒，已被终止",
    },
    "internal_error": {
        "en": "The grader failed on this test (not your fault); the instructor has the details.",
        "zh": "评分程序在该测试上出错（不是你的问题）；详细信息已留给老师。",
    },
    # -- the sandbox ----------------------------------------------------------
    "importing": {"en": "importing mlp.py", "zh": "导入 mlp.py"},
    "import_failed": {
        "en": "mlp.py could not be imported:\n{error}",
        "zh": "无法导入 mlp.py：\n{error}",
    },
    "raised": {
        "en": "{fn} raised an exception:\n{error}",
        "zh": "{fn} 抛出了异常：\n{error}",
    },
    "call_timeout": {
        "en": "{what} did not finish within {seconds} s (an infinite loop, or far too slow?)",
        "zh": "{what} 在 {seconds} 秒内没有结束（死循环，或者太慢？）",
    },
    "worker_died": {
        "en": "{what}: the process running your code {why}",
        "zh": "{what}：运行你代码的进程{why}",
    },
    "unreadable_reply": {
        "en": "the reply from your code's process was unreadable ({error})",
        "zh": "无法读取运行你代码的进程的返回（{error}）",
    },
    "truncated": {"en": "(output truncated)", "zh": "（输出已截断）"},
    "exit_unresponsive": {"en": "stopped responding", "zh": "停止了响应"},
    "exit_status": {
        "en": "ended the grading process (exit status {code}; sys.exit or os._exit?)",
        "zh": "结束了评分进程（退出码 {code}；是否调用了 sys.exit 或 os._exit？）",
    },
    "exit_segfault": {"en": "crashed (segmentation fault)", "zh": "崩溃了（段错误）"},
    "exit_cpu": {
        "en": "used more than its {seconds} s of CPU time",
        "zh": "用掉了超过 {seconds} 秒的 CPU 时间",
    },
    "exit_file": {"en": "wrote a file larger than {mb} MB", "zh": "写入了超过 {mb} MB 的文件"},
    "exit_killed": {"en": "was killed (out of memory?)", "zh": "被终止了（内存不足？）"},
    "exit_signal": {"en": "was killed by signal {name}", "zh": "被信号 {name} 终止"},
    "seed": {
        "en": "Random seed for this run: {seed}",
        "zh": "本次评分的随机种子：{seed}",
    },
    # -- the self-check ------------------------------------------------------
    "selfcheck_forward": {
        "en": "forward: shapes, dtypes and values",
        "zh": "forward：形状、dtype 与数值",
    },
    "selfcheck_loss": {
        "en": "bce_loss: values for pos_weight 1, 3, 0.5 and saturated predictions",
        "zh": "bce_loss：pos_weight 为 1、3、0.5 时的数值，以及预测恰为 0/1 的情形",
    },
    "selfcheck_backward": {
        "en": "backward: gradients, ReLU'(0) = 0, use of the given cache",
        "zh": "backward：梯度、ReLU'(0) = 0、使用传入的 cache",
    },
    "selfcheck_gradcheck": {
        "en": "backward: numerical gradient check (your own loss, eps = 1e-5)",
        "zh": "backward：数值梯度检查（用你自己的损失，eps = 1e-5）",
    },
    "selfcheck_sgd_step": {
        "en": "sgd_step: updated parameters",
        "zh": "sgd_step：更新后的参数",
    },
    "selfcheck_training": {
        "en": "training: the loss falls (pos_weight = 3)",
        "zh": "训练：损失下降（pos_weight = 3）",
    },
    "selfcheck_summary": {
        "en": "{passed}/{total} checks passed.",
        "zh": "通过 {passed}/{total} 项检查。",
    },
    "selfcheck_no_mlp": {
        "en": "No mlp.py next to selfcheck.py.",
        "zh": "selfcheck.py 旁边没有 mlp.py。",
    },
    "selfcheck_crashed": {
        "en": "{fn} raised {error}",
        "zh": "{fn} 抛出了异常 {error}",
    },
    "selfcheck_curve": {
        "en": "loss curve saved to {path}",
        "zh": "损失曲线已保存到 {path}",
    },
}
