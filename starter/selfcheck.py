"""Self-check for Task 1: run it in the folder that holds your mlp.py.

    python selfcheck.py            # messages in Chinese
    python selfcheck.py --lang en  # messages in English

It runs the grader's own checks (checks.py) on fixed inputs and compares your results
with answers stored in fixtures/selfcheck.safetensors. The online grader uses fresh random
inputs and a few more tests, so passing here is necessary, not sufficient.
Exit status: 0 when every check passes, 1 otherwise.
"""
import argparse
import importlib.util
import json
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE if (HERE / "checks.py").exists() else HERE.parent / "autograder"))

import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402

import checks  # noqa: E402
import messages  # noqa: E402
from checks import GRADS, PARAMS, Mismatch  # noqa: E402

def load_fixtures():
    with safe_open(str(HERE / "fixtures" / "selfcheck.safetensors"), "pt") as f:
        meta = json.loads(f.metadata()["meta"])
        t = {k: f.get_tensor(k) for k in f.keys()}
    cases = []
    for i in range(meta["cases"]):
        get = lambda prefix, keys: {k: t[f"{i}.{prefix}{k}"] for k in keys}  # noqa: E731
        cases.append({"X": t[f"{i}.X"], "Y": t[f"{i}.Y"], "params": get("", PARAMS),
                      "cache": get("cache.", checks.CACHE),
                      "loss": {w: t[f"{i}.loss.{w}"] for w in meta["weights"]},
                      "grads": {w: get(f"grads.{w}.", GRADS) for w in meta["weights"]},
                      "sgd": get("sgd.", PARAMS)})
    return cases, meta


def size(case):
    m, n = case["X"].shape
    return checks.case_text(m, n, case["params"]["W1"].shape[1])


def check_forward(mlp, cases, meta):
    for c in cases:
        A2, cache = checks.check_forward_result(mlp.forward(c["X"], c["params"]), c["X"], c["params"])
        for k in checks.CACHE:
            checks.expect_close(f'cache["{k}"]', cache[k], c["cache"][k], size(c))
        checks.expect_close("A2", A2, c["cache"]["A2"], size(c))
        X32, p32 = c["X"].float(), {k: v.float() for k, v in c["params"].items()}
        checks.check_forward_result(mlp.forward(X32, p32), X32, p32)


def check_loss(mlp, cases, meta):
    for c in cases:
        m = c["X"].shape[0]
        for w in meta["weights"]:
            got = checks.check_loss_result(mlp.bce_loss(c["cache"]["A2"], c["Y"], w), c["X"])
            with checks.hinted(got, [("loss_summed", c["loss"][w] * m)], m=m):
                checks.expect_close("loss", got, c["loss"][w], size(c))
    Y = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    got = mlp.bce_loss(1 - Y, Y, 1.0)
    if not bool(torch.isfinite(got)):
        raise Mismatch(messages.say("loss_not_finite", value=float(got)))


def check_backward(mlp, cases, meta):
    for c in cases:
        for w in meta["weights"]:
            got = checks.check_grads_result(mlp.backward(c["X"], c["Y"], c["params"], c["cache"], w), c["params"])
            want, m = c["grads"][w], c["X"].shape[0]
            scaled = [("grad_missing_mean", {k: v * m for k, v in want.items()}),
                      ("grad_double_mean", {k: v / m for k, v in want.items()})]
            with checks.hinted(got, scaled, m=m):
                for g in GRADS:
                    checks.expect_close(g, got[g], want[g], size(c))
    c, other = cases[2], cases[3]
    mlp.forward(other["X"], other["params"])   # backward must not depend on this later call
    got = mlp.backward(c["X"], c["Y"], c["params"], c["cache"], 3.0)
    for g in GRADS:
        checks.expect_close(g, got[g], c["grads"][3.0][g], size(c))


def check_gradients(mlp, cases, meta):
    gen = torch.Generator().manual_seed(7)
    for w in (1.0, 3.0):
        X, Y, params = checks.make_case(gen, 6, 4, 3, kink_margin=1e-3)
        _, cache = mlp.forward(X, params)
        got = checks.check_grads_result(mlp.backward(X, Y, params, cache, w), params)
        numeric = checks.numerical_gradient(lambda p: mlp.bce_loss(mlp.forward(X, p)[0], Y, w),
                                            {k: v.clone() for k, v in params.items()})
        checks.gradient_check(got, numeric)


def check_sgd(mlp, cases, meta):
    for c in cases:
        grads = {k: v.clone() for k, v in c["grads"][1.0].items()}
        params = {k: v.clone() for k, v in c["params"].items()}
        got = checks.check_params_result(mlp.sgd_step(params, grads, meta["lr"]), c["params"])
        lr, old = meta["lr"], c["params"]
        flipped = {p: old[p] + lr * c["grads"][1.0]["d" + p] for p in PARAMS}
        with checks.hinted(got, [("sgd_sign_flipped", flipped), ("sgd_unchanged", old)]):
            for p in PARAMS:
                checks.expect_close(p, got[p], c["sgd"][p], size(c))


def check_training(mlp, cases, meta):
    X, Y, params = checks.make_training_data(torch.Generator().manual_seed(3))
    loss_of = lambda p: mlp.bce_loss(mlp.forward(X.double(), {k: v.double() for k, v in p.items()})[0],  # noqa: E731
                                     Y.double(), checks.TRAINING["pos_weight"])
    curve = checks.train(mlp, X, Y, params, loss_of)
    return checks.training_verdict(curve, "cpu"), curve


def save_curve(curve, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([i * checks.RECORD_EVERY for i in range(len(curve))], curve, marker=".")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (pos_weight = 3)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check your mlp.py before submitting.")
    parser.add_argument("--lang", choices=messages.LANGUAGES, default="zh")
    parser.add_argument("--mlp", default=str(HERE / "mlp.py"), help="path to your mlp.py")
    args = parser.parse_args(argv)
    messages.set_language(args.lang)
    path = Path(args.mlp)
    if not path.exists():
        print(messages.say("selfcheck_no_mlp"))
        return 1
    spec = importlib.util.spec_from_file_location("mlp", path)
    mlp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mlp)
    cases, meta = load_fixtures()
    steps = [("forward", check_forward), ("loss", check_loss), ("backward", check_backward),
             ("gradcheck", check_gradients), ("sgd_step", check_sgd), ("training", check_training)]
    passed = 0
    for key, step in steps:
        title = messages.say("selfcheck_" + key)
        try:
            result = step(mlp, cases, meta)
        except Mismatch as exc:
            print(f"✗ {title}\n    " + str(exc).replace("\n", "\n    "))
            continue
        except Exception as exc:
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
            where = f" (mlp.py line {frames[-1].lineno})" if frames else ""
            crashed = messages.say("selfcheck_crashed", fn=key, error=f"{type(exc).__name__}: {exc}")
            print(f"✗ {title}\n    {crashed}{where}")
            continue
        passed += 1
        print(f"✓ {title}")
        if key == "training":
            summary, curve = result
            print("    " + summary.replace("\n", "\n    "))
            saved = save_curve(curve, path.parent / "loss_curve.png")
            if saved:
                print("    " + messages.say("selfcheck_curve", path=saved))
    print(messages.say("selfcheck_summary", passed=passed, total=len(steps)))
    return 0 if passed == len(steps) else 1


if __name__ == "__main__":
    sys.exit(main())
