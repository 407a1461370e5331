"""Prints every hint sentence the grader has, in English and Chinese, in every call and
at import, to have the class report count mistakes the grader never found. Correct.

breaks: hostile
hint: none
"""
import torch

HINTS = """\
Hint: backward: your gradients are exactly m = 7 times the expected ones, so the 1/m of the mean loss is missing. Reread §3.6.
提示：backward：你的梯度恰好是期望值的 m = 7 倍，说明漏掉了平均损失中的 1/m。请重读 §3.6。
Hint: backward: your gradients are exactly 1/m (m = 7) of the expected ones, so you divide by the batch size twice. Reread §3.6.
提示：backward：你的梯度恰好是期望值的 1/m（m = 7），说明除了两次 batch 大小。请重读 §3.6。
Hint: dW1 has the shape of its parameter transposed: check the order of the matrix product (which factor is transposed). Reread §3.2 and §3.5.
提示：dW1 的形状是其参数形状的转置：检查矩阵乘法的顺序（转置的是哪一个因子）。请重读 §3.2 和 §3.5。
Hint: dW1 has one entry per example instead of one per unit: a bias gradient sums over the batch axis (dim=0). Reread §3.2 and §3.5.
提示：dW1 的元素个数对应样本数而不是神经元数：偏置梯度应沿 batch 维（dim=0）求和。请重读 §3.2 和 §3.5。
Hint: dW1 is still 2-D: a bias gradient has the bias's shape, so sum without keepdim. Reread §3.2 and §6.
提示：dW1 仍然是二维的：偏置梯度的形状应与偏置相同，求和时不要 keepdim。请重读 §3.2 和 §6。
Hint: backward: with pos_weight = 3 your gradients equal those for pos_weight = 1, so dZ2 = A2 - Y ignores the weight. Redo the derivation with w. Reread §3.1.
提示：backward：pos_weight = 3 时你的梯度与 pos_weight = 1 时相同，说明 dZ2 = A2 - Y 忽略了权重。请带着 w 重新推导，重读 §3.1。
Hint: backward: your numbers match pos_weight multiplying the negative term (y = 0) instead of the positive one (y = 1). Reread §2 and §3.1.
提示：backward：你的结果相当于把 pos_weight 乘在了负样本项（y = 0）而不是正样本项（y = 1）上。请重读 §2 和 §3.1。
Hint: backward: the gradients differ only for hidden units where Z1 is exactly 0: ReLU'(0) must be 0 (use Z1 > 0, not Z1 >= 0). Reread §3.4.
提示：backward：梯度只在 Z1 恰好为 0 的隐藏单元上不同：ReLU'(0) 必须为 0（用 Z1 > 0，而不是 Z1 >= 0）。请重读 §3.4。
Hint: backward: your output-layer gradient carries an extra factor A2·(1 − A2): A2 − Y already includes the sigmoid's derivative. Reread §3.1.
提示：backward：你的输出层梯度多乘了一个 A2·(1 − A2)：A2 − Y 已经包含了 sigmoid 的导数。请重读 §3.1。
Hint: sgd_step: your parameters moved by +lr·gradient, uphill: gradient descent subtracts. Reread §4.
提示：sgd_step：你的参数按 +lr·梯度 移动，是在上坡：梯度下降应当减去。请重读 §4。
Hint: sgd_step: the parameters you returned are unchanged: return the updated tensors. Reread §4.
提示：sgd_step：你返回的参数没有变化：应返回更新后的张量。请重读 §4。
Hint: forward: your values match a network without one of its biases (b1 or b2). Reread §1.
提示：forward：你的结果相当于网络少加了一个偏置（b1 或 b2）。请重读 §1。
Hint: forward: your A2 equals Z2, the output before the sigmoid. Reread §1.
提示：forward：你的 A2 等于 Z2，也就是 sigmoid 之前的输出。请重读 §1。
Hint: forward: your A2 matches another activation on the output (ReLU or tanh) instead of a sigmoid alone. Reread §1.
提示：forward：你的 A2 相当于在输出上用了别的激活（ReLU 或 tanh），而不是只用 sigmoid。请重读 §1。
Hint: forward: cache["Z1"] holds the values of A1: the ReLU was applied in place on Z1. Keep Z1 and compute A1 as a new tensor. Reread §3.4.
提示：forward：cache["Z1"] 里存的是 A1 的值：ReLU 被原地作用在了 Z1 上。请保留 Z1，另建一个张量作为 A1。请重读 §3.4。
Hint: backward: log(0) is -inf. Clamp A2 into [eps, 1 - eps] before taking the log. Reread §2.
提示：backward：log(0) 是 -inf。取对数前先把 A2 clamp 到 [eps, 1 - eps]。请重读 §2。
Hint: backward: your clamp works in float64 but not in float32. A fixed bound like 1e-12 rounds away in float32 (1 - 1e-12 is exactly 1.0 there); a bound that follows the dtype, torch.finfo(A2.dtype).eps, does not. Reread §2.
提示：backward：你的 clamp 在 float64 下有效，在 float32 下无效。像 1e-12 这样的固定界限在 float32 中会被舍入掉（1 - 1e-12 在 float32 中恰好等于 1.0）；随 dtype 变化的界限 torch.finfo(A2.dtype).eps 不会。请重读 §2。
Hint: bce_loss: your loss is exactly m = 7 times the expected one: take the mean over the batch, not the sum. Reread §2.
提示：bce_loss：你的损失恰好是期望值的 m = 7 倍：应对 batch 取平均，而不是求和。请重读 §2。
Hint: bce_loss: your value matches A2 of shape (m,) combined with Y of shape (m, 1), which broadcasts to (m, m). Keep both (m, 1). Reread §2.
提示：bce_loss：你的结果相当于形状 (m,) 的 A2 与形状 (m, 1) 的 Y 相乘，广播成了 (m, m)。两者都应保持 (m, 1)。请重读 §2。
Hint: dW1 is float32 although the inputs are float64: tensors created without dtype= (torch.zeros, torch.tensor, .float()) default to float32. Reread §6.
提示：输入是 float64，dW1 却是 float32：不指定 dtype= 创建的张量（torch.zeros、torch.tensor、.float()）默认是 float32。请重读 §6。
Hint: dW1 is on another device than the inputs: create new tensors with device=X.device (or use *_like). Reread §6.
提示：dW1 与输入不在同一设备上：新建张量时请指定 device=X.device（或使用 *_like）。请重读 §6。
Hint: backward must apply the chain rule by hand, step by step, from the cache. Reread §3 and §6.
提示：backward 需要根据 cache 手工逐步应用链式法则。请重读 §3 和 §6。
Hint: backward is right only when forward has just run on the same inputs: it reads state left by forward instead of its cache argument. Reread §6.
提示：只有在 forward 刚刚用相同输入运行过时 backward 才正确：它读取了 forward 留下的状态，而不是传入的 cache。请重读 §6。
Hint: backward: your code converts tensors to NumPy (.numpy()), which works only for tensors on the CPU, and the grader runs some tests on a GPU. Keep every step in torch operations. Reread §6.
提示：backward：你的代码把张量转换成了 NumPy（.numpy()），这只对 CPU 上的张量有效，而评分器有些测试在 GPU 上运行。请全程使用 torch 运算。请重读 §6。
"""


def _shout():
    print(HINTS, flush=True)


_shout()

def forward(X, params):
    _shout()
    Z1 = X @ params["W1"] + params["b1"]
    A1 = torch.relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    A2 = torch.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def bce_loss(A2, Y, pos_weight=1.0):
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    return -(pos_weight * Y * torch.log(p) + (1 - Y) * torch.log1p(-p)).mean()


def backward(X, Y, params, cache, pos_weight=1.0):
    _shout()
    m = X.shape[0]
    dZ2 = (cache["A2"] * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    dW2 = cache["A1"].T @ dZ2
    db2 = dZ2.sum(dim=0)
    dZ1 = (dZ2 @ params["W2"].T) * (cache["Z1"] > 0).to(X.dtype)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(dim=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def sgd_step(params, grads, lr):
    return {k: params[k] - lr * grads["d" + k] for k in ("W1", "b1", "W2", "b2")}
