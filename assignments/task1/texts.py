"""Task 1's own sentences, in each language: its cases, its checks' findings, the hints
for its classic mistakes (hint_<id>) and the self-check's steps. The engine's
(autograder/common/messages.py) are the sandbox's, the submission's and the report's;
autograder/assignment.py adds these to them. Shipped in the handout."""

# The fields its hints use ({m}: the batch size, {w}: pos_weight) where the check that gives one has no value for them.
FIELDS = {"m": "m", "w": 1.0}
MESSAGES = {
    "not_pair": {
        "en": "forward must return a pair (A2, cache); it returned {what}",
        "zh": "forward 应返回二元组 (A2, cache)；实际返回了 {what}",
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
        "en": "in {dtype}, bce_loss returned {value} when A2 contains exact 0s and 1s: it must stay finite",
        "zh": "在 {dtype} 下，当 A2 中有恰好为 0 或 1 的值时，bce_loss 返回了 {value}：结果必须是有限值",
    },
    "saturated_case": {
        "en": " [A2 exactly 0 or 1 on some examples, in {dtype}, pos_weight {w:g}]",
        "zh": " [部分样本的 A2 恰为 0 或 1，{dtype}，pos_weight {w:g}]",
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
    "autograd_in": {
        "en": "{fn} used {what}. No function may differentiate for you: gradients are computed by "
              "hand, in backward (§6), so this test scores 0.",
        "zh": "{fn} 使用了 {what}。任何函数都不能替你求导：梯度必须在 backward 中手工计算（§6），因此该测试为 0 分。",
    },
    "default_weight": {
        "en": ", pos_weight left out (its default)",
        "zh": "，未传入 pos_weight（使用默认值）",
    },
    "training_update": {
        "en": " [sgd_step against params - lr * grads, with the grads your backward returned at this step]",
        "zh": " [将 sgd_step 的结果与 params - lr * grads 比较，grads 为你的 backward 在这一步返回的梯度]",
    },
    "not_repeatable": {
        "en": "backward returned different values when called twice with the same arguments "
              "({name} changed): does it keep state between calls or modify its inputs?",
        "zh": "用相同参数调用两次 backward，结果不同（{name} 变了）：它是否在调用之间保存了状态，或修改了输入？",
    },
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
    "training_virtual": {
        "en": "This machine has no GPU, so the values above are the CPU's, and at the first step each of "
              "{fns} also ran on a virtual GPU (torch's fake CUDA tensors, which have shapes and devices but "
              "no values), with that step's inputs.",
        "zh": "这台机器没有 GPU，所以上面的数值来自 CPU；在第一步，{fns} 也各自用这一步的输入在虚拟 GPU 上运行了一次"
              "（torch 的 fake CUDA 张量：有形状和设备，没有数值）。",
    },
    "imported": {
        "en": "mlp.py imported; it defines forward, bce_loss, backward and sgd_step.",
        "zh": "mlp.py 导入成功，定义了 forward、bce_loss、backward 和 sgd_step。",
    },
    "hint_grad_missing_mean": {
        "en": "backward: your gradients are exactly m = {m} times the expected ones, so the 1/m of the mean loss is missing. Reread §3.6.",
        "zh": "backward：你的梯度恰好是期望值的 m = {m} 倍，说明漏掉了平均损失中的 1/m。请重读 §3.6。",
    },
    "hint_grad_double_mean": {
        "en": "backward: your gradients are exactly 1/m (m = {m}) of the expected ones, so you divide by the batch size twice. Reread §3.6.",
        "zh": "backward：你的梯度恰好是期望值的 1/m（m = {m}），说明除了两次 batch 大小。请重读 §3.6。",
    },
    "hint_grad_transposed": {
        "en": "{name} has the shape of its parameter transposed: check the order of the matrix product (which factor is transposed). Reread §3.2 and §3.5.",
        "zh": "{name} 的形状是其参数形状的转置：检查矩阵乘法的顺序（转置的是哪一个因子）。请重读 §3.2 和 §3.5。",
    },
    "hint_bias_grad_wrong_axis": {
        "en": "{name} has one entry per example instead of one per unit: a bias gradient sums over the batch axis (dim=0). Reread §3.2 and §3.5.",
        "zh": "{name} 的元素个数对应样本数而不是神经元数：偏置梯度应沿 batch 维（dim=0）求和。请重读 §3.2 和 §3.5。",
    },
    "hint_bias_grad_2d": {
        "en": "{name} is still 2-D: a bias gradient has the bias's shape, so sum without keepdim. Reread §3.2 and §6.",
        "zh": "{name} 仍然是二维的：偏置梯度的形状应与偏置相同，求和时不要 keepdim。请重读 §3.2 和 §6。",
    },
    "hint_grad_size_one": {
        "en": "{name} does not keep a dimension of size one that its parameter has (one input feature or one hidden unit): .squeeze() (or a sum over every axis) drops every dimension of size 1, and a vector of shape (m,) left by it broadcasts against an (m, 1) column into (m, m). Keep every intermediate 2-D and squeeze nothing. Reread §1 and §6.",
        "zh": "{name} 没有保留其参数所具有的大小为 1 的维度（输入只有一个特征或隐藏层只有一个单元）：.squeeze()（或对所有维求和）会去掉所有大小为 1 的维度，留下的形状为 (m,) 的向量再与 (m, 1) 的列相乘时会广播成 (m, m)。所有中间结果都保持二维，不要 squeeze。请重读 §1 和 §6。",
    },
    "hint_backward_saturated": {
        "en": "backward: your gradients are NaN or infinite where A2 is exactly 0 or 1. Dividing by A2 or 1 − A2 (dL/dA2 of the chain rule, then times A2(1 − A2)) gives 0/0 or ∞·0 there, and a sigmoid derivative recomputed from Z2 with exp overflows. On paper the factor A2(1 − A2) cancels: use the simplified dZ2, which is finite everywhere (or clamp A2 before dividing). Reread §3.1 (predictions of exactly 0 or 1).",
        "zh": "backward：在 A2 恰为 0 或 1 的地方，你的梯度是 NaN 或无穷大。除以 A2 或 1 − A2（链式法则中的 dL/dA2，再乘以 A2(1 − A2)）在那里得到 0/0 或 ∞·0，而用 exp 从 Z2 重新计算 sigmoid 的导数会溢出。推导中 A2(1 − A2) 这个因子被约掉了：请使用化简后的 dZ2，它处处有限（或在相除前先 clamp A2）。请重读 §3.1（预测恰为 0 或 1 的情形）。",
    },
    "hint_weighted_grad_ignores_weight": {
        "en": "backward: with pos_weight = {w:g} your gradients equal those for pos_weight = 1, so dZ2 = A2 - Y ignores the weight. Redo the derivation with w. Reread §3.1.",
        "zh": "backward：pos_weight = {w:g} 时你的梯度与 pos_weight = 1 时相同，说明 dZ2 = A2 - Y 忽略了权重。请带着 w 重新推导，重读 §3.1。",
    },
    "hint_weight_on_negative_term": {
        "en": "{fn}: your numbers match pos_weight multiplying the negative term (y = 0) instead of the positive one (y = 1). Reread §2 and §3.1.",
        "zh": "{fn}：你的结果相当于把 pos_weight 乘在了负样本项（y = 0）而不是正样本项（y = 1）上。请重读 §2 和 §3.1。",
    },
    "hint_relu_grad_at_zero": {
        "en": "backward: the gradients differ only for hidden units where Z1 is exactly 0: ReLU'(0) must be 0 (use Z1 > 0, not Z1 >= 0). Reread §3.4.",
        "zh": "backward：梯度只在 Z1 恰好为 0 的隐藏单元上不同：ReLU'(0) 必须为 0（用 Z1 > 0，而不是 Z1 >= 0）。请重读 §3.4。",
    },
    "hint_sigmoid_derivative_twice": {
        "en": "backward: your output-layer gradient carries an extra factor A2·(1 − A2): A2 − Y already includes the sigmoid's derivative. Reread §3.1.",
        "zh": "backward：你的输出层梯度多乘了一个 A2·(1 − A2)：A2 − Y 已经包含了 sigmoid 的导数。请重读 §3.1。",
    },
    "hint_sgd_sign_flipped": {
        "en": "sgd_step: your parameters moved by +lr·gradient, uphill: gradient descent subtracts. Reread §4.",
        "zh": "sgd_step：你的参数按 +lr·梯度 移动，是在上坡：梯度下降应当减去。请重读 §4。",
    },
    "hint_sgd_unchanged": {
        "en": "sgd_step: the parameters you returned are unchanged: return the updated tensors. Reread §4.",
        "zh": "sgd_step：你返回的参数没有变化：应返回更新后的张量。请重读 §4。",
    },
    "hint_forward_no_bias": {
        "en": "forward: your values match a network without one of its biases (b1 or b2). Reread §1.",
        "zh": "forward：你的结果相当于网络少加了一个偏置（b1 或 b2）。请重读 §1。",
    },
    "hint_forward_returns_logits": {
        "en": "forward: your A2 equals Z2, the output before the sigmoid. Reread §1.",
        "zh": "forward：你的 A2 等于 Z2，也就是 sigmoid 之前的输出。请重读 §1。",
    },
    "hint_forward_output_activation": {
        "en": "forward: your A2 matches another activation on the output (ReLU or tanh) instead of a sigmoid alone. Reread §1.",
        "zh": "forward：你的 A2 相当于在输出上用了别的激活（ReLU 或 tanh），而不是只用 sigmoid。请重读 §1。",
    },
    "hint_cache_z1_overwritten": {
        "en": 'forward: cache["Z1"] holds the values of A1: the ReLU was applied in place on Z1. Keep Z1 and compute A1 as a new tensor. Reread §3.4.',
        "zh": 'forward：cache["Z1"] 里存的是 A1 的值：ReLU 被原地作用在了 Z1 上。请保留 Z1，另建一个张量作为 A1。请重读 §3.4。',
    },
    "hint_loss_clamp": {
        "en": "{fn}: log(0) is -inf. Clamp A2 into [eps, 1 - eps] before taking the log. Reread §2.",
        "zh": "{fn}：log(0) 是 -inf。取对数前先把 A2 clamp 到 [eps, 1 - eps]。请重读 §2。",
    },
    "hint_float32_clamp": {
        "en": "{fn}: your clamp works in float64 but not in float32. A fixed bound like 1e-12 rounds "
              "away in float32 (1 - 1e-12 is exactly 1.0 there); a bound that follows the dtype, "
              "torch.finfo(A2.dtype).eps, does not. Reread §2.",
        "zh": "{fn}：你的 clamp 在 float64 下有效，在 float32 下无效。像 1e-12 这样的固定界限在 float32 中"
              "会被舍入掉（1 - 1e-12 在 float32 中恰好等于 1.0）；随 dtype 变化的界限 "
              "torch.finfo(A2.dtype).eps 不会。请重读 §2。",
    },
    "hint_loss_additive_eps": {
        "en": "{fn}: your loss matches a constant added inside the logs, log(A2 + eps): that shifts every term, by about eps / A2 (a thousandth at A2 = 1e-5 with eps = 1e-8), not only where A2 is 0 or 1. Clamp A2 into [eps, 1 - eps] instead, which changes nothing where A2 is not within eps of 0 or 1. Reread §2.",
        "zh": "{fn}：你的损失相当于在对数里加了一个常数，log(A2 + eps)：这会让每一项都偏移约 eps / A2（eps = 1e-8、A2 = 1e-5 时约为千分之一），而不只是 A2 为 0 或 1 的地方。请改为把 A2 clamp 到 [eps, 1 - eps]，这样 A2 离 0 和 1 超过 eps 时数值完全不变。请重读 §2。",
    },
    "hint_loss_summed": {
        "en": "bce_loss: your loss is exactly m = {m} times the expected one: take the mean over the batch, not the sum. Reread §2.",
        "zh": "bce_loss：你的损失恰好是期望值的 m = {m} 倍：应对 batch 取平均，而不是求和。请重读 §2。",
    },
    "hint_labels_broadcast": {
        "en": "bce_loss: your value matches A2 of shape (m,) combined with Y of shape (m, 1), which broadcasts to (m, m). Keep both (m, 1). Reread §2.",
        "zh": "bce_loss：你的结果相当于形状 (m,) 的 A2 与形状 (m, 1) 的 Y 相乘，广播成了 (m, m)。两者都应保持 (m, 1)。请重读 §2。",
    },
    "hint_wrong_dtype": {
        "en": "{name} is float32 although the inputs are float64: tensors created without dtype= (torch.zeros, torch.tensor, .float()) default to float32. Reread §6.",
        "zh": "输入是 float64，{name} 却是 float32：不指定 dtype= 创建的张量（torch.zeros、torch.tensor、.float()）默认是 float32。请重读 §6。",
    },
    "hint_wrong_device": {
        "en": "{name} is on another device than the inputs: create new tensors with device=X.device (or use *_like). Reread §6.",
        "zh": "{name} 与输入不在同一设备上：新建张量时请指定 device=X.device（或使用 *_like）。请重读 §6。",
    },
    "hint_autograd_used": {
        "en": "backward must apply the chain rule by hand, step by step, from the cache. Reread §3 and §6.",
        "zh": "backward 需要根据 cache 手工逐步应用链式法则。请重读 §3 和 §6。",
    },
    "hint_autograd_outside_backward": {
        "en": "{fn}: no function may use autograd, forward-mode AD or complex numbers: backward computes the gradients by hand, and sgd_step only applies the gradients it is given. Reread §4 and §6.",
        "zh": "{fn}：任何函数都不能使用 autograd、前向模式自动微分或复数：梯度由 backward 手工计算，sgd_step 只应用传给它的梯度。请重读 §4 和 §6。",
    },
    "hint_modified_input": {
        "en": "{fn}: in-place operations (methods ending in _, such as clamp_ or sub_, slice assignment, out=) change the caller's tensors, and assigning to an entry of a dict you were given (cache[\"A2\"] = ...) changes the caller's dict. Compute new tensors, in variables of your own, instead. Reread §6.",
        "zh": "{fn}：原地操作（以 _ 结尾的方法，如 clamp_、sub_，切片赋值，out=）会改动调用者的张量，给传入字典的条目赋值（cache[\"A2\"] = ...）会改动调用者的字典。请把新计算的张量存在自己的变量中。请重读 §6。",
    },
    "hint_pos_weight_default": {
        "en": "{fn}: called without pos_weight, your function does not give what it gives with pos_weight = 1: its signature must keep the default pos_weight=1.0. Keep the signatures unchanged (§7).",
        "zh": "{fn}：不传 pos_weight 时，你的函数给出的结果与 pos_weight = 1 时不同：函数签名中的默认值必须保持 pos_weight=1.0。请不要修改函数签名（§7）。",
    },
    "hint_training_own_update": {
        "en": "training: sgd_step did not return params − lr·grads for the gradients your backward gave at this step, so the run does not show your functions learning. sgd_step must apply the gradients it is given, nothing else. Reread §4.",
        "zh": "训练：sgd_step 返回的不是 params − lr·grads（grads 为你的 backward 在这一步给出的梯度），因此这次训练不能说明你的函数在学习。sgd_step 只能应用传给它的梯度。请重读 §4。",
    },
    "hint_stale_state": {
        "en": "backward is right only when forward has just run on the same inputs: it reads state left by forward instead of its cache argument. Reread §6.",
        "zh": "只有在 forward 刚刚用相同输入运行过时 backward 才正确：它读取了 forward 留下的状态，而不是传入的 cache。请重读 §6。",
    },
    "hint_numpy_on_device": {
        "en": "{fn}: your code converts tensors to NumPy (.numpy(), np.asarray), which works only for tensors on the CPU: on a GPU it fails. Keep every step in torch operations. Reread §6.",
        "zh": "{fn}：你的代码把张量转换成了 NumPy（.numpy()、np.asarray），这只对 CPU 上的张量有效：在 GPU 上会出错。请全程使用 torch 运算。请重读 §6。",
    },
    "hint_tensor_without_device": {
        "en": "{fn}: a tensor made without device= (torch.zeros(...), torch.ones(...), torch.tensor([...]), torch.from_numpy(...)) is on the CPU whatever the device of the inputs, and a GPU refuses to mix the two. Make new tensors with device=X.device, or with torch.zeros_like(...) and the like. Reread §6.",
        "zh": "{fn}：不指定 device= 创建的张量（torch.zeros(...)、torch.ones(...)、torch.tensor([...])、torch.from_numpy(...)）无论输入在哪个设备上都在 CPU 上，而 GPU 不允许把两者混在一起运算。新建张量时请指定 device=X.device，或使用 torch.zeros_like(...) 等函数。请重读 §6。",
    },
    "hint_output_on_cpu": {
        "en": "{fn}: return every tensor on the device of the inputs: no .cpu() or .to(\"cpu\") on what you return. Reread §6.",
        "zh": "{fn}：返回的每个张量都应在输入所在的设备上：不要对返回值调用 .cpu() 或 .to(\"cpu\")。请重读 §6。",
    },
    "hint_out_of_memory": {
        "en": "{fn}: your code ran out of the memory the grading machine gives it. A correct solution needs only a few MB here: look for tensors kept between calls (a list or a global that grows on every call) or a tensor far larger than the inputs. Reread §6.",
        "zh": "{fn}：你的代码用完了评分机器分配给它的内存。正确的实现在这里只需要几 MB：检查是否有在多次调用之间保留的张量（每次调用都在变大的列表或全局变量），或远大于输入的张量。请重读 §6。",
    },
    "selfcheck_forward": {
        "en": "forward: shapes, dtypes and values",
        "zh": "forward：形状、dtype 与数值",
    },
    "selfcheck_loss": {
        "en": "bce_loss: values for pos_weight 1, 3, 0.5 and saturated predictions",
        "zh": "bce_loss：pos_weight 为 1、3、0.5 时的数值，以及预测恰为 0/1 的情形",
    },
    "selfcheck_backward": {
        "en": "backward: gradients, ReLU'(0) = 0, predictions exactly 0 or 1, use of the given cache",
        "zh": "backward：梯度、ReLU'(0) = 0、预测恰为 0 或 1 的情形、使用传入的 cache",
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
    "selfcheck_training_gpu": {
        "en": "training on a GPU (a virtual one if you have none): the loss falls too, devices kept (§6)",
        "zh": "在 GPU 上训练（没有 GPU 时用虚拟 GPU）：损失同样下降，设备保持一致（§6）",
    },
    "selfcheck_summary": {
        "en": "{passed}/{total} checks passed.",
        "zh": "通过 {passed}/{total} 项检查。",
    },
    "selfcheck_no_file": {
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
    "selfcheck_no_matplotlib": {
        "en": "(pip install matplotlib to also get the curve as loss_curve.png)",
        "zh": "（pip install matplotlib 后还可以得到损失曲线图 loss_curve.png）",
    },
    "selfcheck_gpu": {
        "en": "every function runs on a GPU (a virtual one if you have none): devices kept (§6)",
        "zh": "每个函数都能在 GPU 上运行（没有 GPU 时用虚拟 GPU）：设备保持一致（§6）",
    },
}
