"""Task 1: a two-layer MLP with hand-written backpropagation.
任务 1：手写反向传播的两层 MLP。

Fill in the four functions below. Do not change their names or signatures.
Use only torch; backward() must NOT use autograd (no Tensor.backward, no torch.autograd).
To check your work, run `python selfcheck.py` in the folder that holds this file.
请补全下面四个函数；不要改函数名和签名；只用 torch，backward 里不能用 autograd。
写完后在本文件所在目录运行 `python selfcheck.py` 自查。

Shapes / 形状 (m = batch, n = input_size, h = hidden_size):
    X (m, n)   Y (m, 1)   W1 (n, h)   b1 (h,)   W2 (h, 1)   b2 (1,)
Every tensor you return must have the dtype and device of the inputs.
See HANDOUT.en.md / HANDOUT.zh.md for the derivations (section numbers like §3.4).
"""


def forward(X, params):
    """Forward pass (HANDOUT §1).

    X: (m, n); params: {"W1": (n, h), "b1": (h,), "W2": (h, 1), "b2": (1,)}
    Returns (A2, cache): A2 is (m, 1); cache = {"Z1": (m, h), "A1": (m, h), "Z2": (m, 1), "A2": (m, 1)}

    Z1 = X @ W1 + b1          # (m, h)
    A1 = ReLU(Z1) = max(0, Z1) # (m, h)
    Z2 = A1 @ W2 + b2          # (m, 1)
    A2 = sigmoid(Z2)           # (m, 1), the prediction y_hat
    """
    raise NotImplementedError("forward: compute Z1, A1, Z2, A2 and return (A2, cache)")


def bce_loss(A2, Y, pos_weight=1.0):
    """Weighted binary cross-entropy, averaged over the batch (HANDOUT §2).

    A2: (m, 1) predictions in [0, 1]; Y: (m, 1) labels 0/1 (same dtype as A2).
    Returns a 0-dim tensor (shape ()).

    L = -(1/m) * sum_i [ w*y_i*log(p_i) + (1-y_i)*log(1-p_i) ],  p = clamp(A2, eps, 1-eps),
    w = pos_weight, eps = torch.finfo(A2.dtype).eps   # stays finite at A2 == 0 or 1
    """
    raise NotImplementedError("bce_loss: weighted BCE, mean over the batch, clamp first")


def backward(X, Y, params, cache, pos_weight=1.0):
    """Gradients of the MEAN loss w.r.t. every parameter, by hand (HANDOUT §3).

    X: (m, n); Y: (m, 1); params as in forward; cache: the dict returned by forward.
    Use the cache you are given (it may come from an earlier forward call).
    Returns {"dW1": (n, h), "db1": (h,), "dW2": (h, 1), "db2": (1,)}, same shapes as the params.

    dZ2 = dL/dZ2               # (m, 1)  derive it yourself for w != 1 (§3.1); w = 1 gives (A2 - Y)/m
    dW2 = A1^T @ dZ2           # (h, 1)  (§3.2)
    db2 = sum_rows(dZ2)        # (1,)    (§3.2)
    dA1 = dZ2 @ W2^T           # (m, h)  (§3.3)
    dZ1 = dA1 * [Z1 > 0]       # (m, h)  ReLU'(0) = 0 (§3.4)
    dW1 = X^T @ dZ1            # (n, h)  (§3.5)
    db1 = sum_rows(dZ1)        # (h,)    (§3.5)
    The factor 1/m appears exactly once on this path (§3.6).
    """
    raise NotImplementedError("backward: chain rule by hand, no autograd")


def sgd_step(params, grads, lr):
    """One step of plain gradient descent (HANDOUT §4).

    params: {"W1", "b1", "W2", "b2"}; grads: {"dW1", "db1", "dW2", "db2"} (same shapes); lr: float.
    Returns a dict {"W1", "b1", "W2", "b2"} with the updated tensors (same shapes).

    P_new = P - lr * dP        # for P in W1, b1, W2, b2 (note the minus sign)
    """
    raise NotImplementedError("sgd_step: return the updated parameter dict")
