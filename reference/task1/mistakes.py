"""Classic student mistakes, computed on the same inputs as the reference (hidden).

When a student's value differs from the reference, the grader compares it with each
mistake below; if one matches, the student gets that mistake's hint (messages.py,
"hint_<id>"). Each function takes the reference module (mlp.py beside this file) and
returns a list of (hint id, outputs) in the same layout as the reference's return value.
"""
import torch


def forward_mistakes(ref, X, params):
    no_b1 = ref.forward(X, {**params, "b1": torch.zeros_like(params["b1"])})
    no_b2 = ref.forward(X, {**params, "b2": torch.zeros_like(params["b2"])})
    A2, cache = ref.forward(X, params)
    Z2 = cache["Z2"]
    relu_out = torch.sigmoid(torch.clamp(Z2, min=0))
    tanh_out = (torch.tanh(Z2) + 1) / 2   # squashed into (0, 1), but not the sigmoid
    return [
        ("forward_no_bias", no_b1),
        ("forward_no_bias", no_b2),
        ("forward_returns_logits", (Z2, {**cache, "A2": Z2})),
        ("forward_output_activation", (relu_out, {**cache, "A2": relu_out})),
        ("forward_output_activation", (torch.tanh(Z2), {**cache, "A2": torch.tanh(Z2)})),
        ("forward_output_activation", (tanh_out, {**cache, "A2": tanh_out})),
        ("cache_z1_overwritten", (A2, {**cache, "Z1": cache["A1"]})),
    ]


def loss_mistakes(ref, A2, Y, pos_weight):
    m = A2.shape[0]
    eps = torch.finfo(A2.dtype).eps
    p = A2.clamp(eps, 1 - eps)
    swapped = -(Y * torch.log(p) + pos_weight * (1 - Y) * torch.log1p(-p)).mean()
    flat = p.reshape(-1)   # (m,) against Y (m, 1): broadcasts to (m, m)
    broadcast = -(pos_weight * Y * torch.log(flat) + (1 - Y) * torch.log1p(-flat)).mean()
    # A constant inside the logs instead of a clamp, at the sizes seen in the wild.
    shifted = [-(pos_weight * Y * torch.log(A2 + c) + (1 - Y) * torch.log(1 - A2 + c)).mean()
               for c in (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)]
    return [
        ("loss_summed", ref.bce_loss(A2, Y, pos_weight) * m),
        ("labels_broadcast", broadcast),
        ("weight_on_negative_term", swapped),
    ] + [("loss_additive_eps", value) for value in shifted]


def _grads(X, dZ2, params, cache, relu_mask):
    dW2 = cache["A1"].T @ dZ2
    dA1 = dZ2 @ params["W2"].T
    dZ1 = dA1 * relu_mask.to(dA1.dtype)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(0), "dW2": dW2, "db2": dZ2.sum(0)}


def backward_mistakes(ref, X, Y, params, cache, pos_weight):
    m, A2, Z1 = X.shape[0], cache["A2"], cache["Z1"]
    right = ref.backward(X, Y, params, cache, pos_weight)
    dZ2 = (A2 * (pos_weight * Y + 1 - Y) - pos_weight * Y) / m
    out = [
        ("grad_missing_mean", {k: v * m for k, v in right.items()}),
        ("grad_double_mean", {k: v / m for k, v in right.items()}),
        ("relu_grad_at_zero", _grads(X, dZ2, params, cache, Z1 >= 0)),
        ("sigmoid_derivative_twice", _grads(X, dZ2 * A2 * (1 - A2), params, cache, Z1 > 0)),
    ]
    if pos_weight != 1:
        swapped = (A2 * (Y + pos_weight * (1 - Y)) - Y) / m
        out += [("weighted_grad_ignores_weight", ref.backward(X, Y, params, cache, 1.0)),
                ("weight_on_negative_term", _grads(X, swapped, params, cache, Z1 > 0))]
    return out


def sgd_mistakes(ref, params, grads, lr):
    return [
        ("sgd_sign_flipped", {k: params[k] + lr * grads["d" + k] for k in params}),
        ("sgd_unchanged", dict(params)),
    ]
