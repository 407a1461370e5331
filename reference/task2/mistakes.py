"""Task 2's classic mistakes, for hints: per function, given the reference, the case's
sizes and the call's arguments, [(hint id, what the mistake returns)]."""


def predict(ref, sizes, X, w, b):
    return [("lr_predict_no_bias", ref.predict(X, w, b * 0))]


def log_loss(ref, sizes, p, y):
    return [("lr_loss_summed", ref.log_loss(p, y) * sizes["m"])] if sizes["m"] > 1 else []


def loss_grad(ref, sizes, X, y, p):
    want = ref.loss_grad(X, y, p)
    return [("lr_grad_missing_mean", {g: v * sizes["m"] for g, v in want.items()})] if sizes["m"] > 1 else []
