"""Task 2: logistic regression by hand. Complete the three functions (see HANDOUT.en.md).

Tensors only (no NumPy), no autograd: the gradients are derived by hand. Keep every
result on the device and in the dtype of the inputs, and change no input in place.
"""
import torch  # noqa: F401


def predict(X, w, b):
    """X (m, n), w (n, 1), b (1,) -> p = sigmoid(X w + b), shape (m, 1)."""
    raise NotImplementedError("predict")


def log_loss(p, y):
    """p, y (m, 1) -> the mean binary cross-entropy, a 0-d tensor. Clamp p into
    [eps, 1 - eps] (eps = 1e-7) before the log, so that it stays finite."""
    raise NotImplementedError("log_loss")


def loss_grad(X, y, p):
    """X (m, n), y and p = predict(X, w, b) (m, 1) -> {"dw": (n, 1), "db": (1,)}, the
    gradients of log_loss(p, y) with respect to w and b."""
    raise NotImplementedError("loss_grad")
