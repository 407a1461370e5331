"""Self-check for Task 1: run it in the folder that holds your mlp.py.

    python selfcheck.py            # messages in Chinese
    python selfcheck.py --lang en  # messages in English

It needs only torch (pip install torch); with matplotlib installed it also saves
loss_curve.png. It runs the grader's own checks (task.py, with checks.py) on fixed inputs and compares
your results with answers stored in fixtures/selfcheck.pt. Every check the grader makes
without its hidden reference is made here too; the grader also uses fresh random inputs,
so passing here is necessary, not sufficient.
Exit status: 0 when every check passes, 1 otherwise.
"""
import argparse
import importlib.util
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if (HERE / "checks.py").exists():   # the handout: everything sits beside this file
    sys.path.insert(0, str(HERE))
else:                               # the repository: starter/task1/; assignments/task1/ and the engine beside
    sys.path[:0] = [str(HERE.parents[1] / "assignments" / HERE.name), str(HERE.parents[1] / "autograder" / "common")]

import contract  # noqa: E402
import devices  # noqa: E402
import messages  # noqa: E402
import task  # noqa: E402  (Task 1's checks, with the engine's: task.py)
import texts  # noqa: E402
import torch  # noqa: E402
from contract import FUNCTIONS  # noqa: E402
from guard import Guard, Inputs  # noqa: E402
from task import GRADS, PARAMS, Mismatch  # noqa: E402

messages.MESSAGES.update(texts.MESSAGES)
messages.FIELDS.update(texts.FIELDS, file=contract.FILE)

# Refuses autograd, forward AD and complex numbers in the student's code, as the grader's
# worker does: installed before mlp.py is imported (main), so that names it binds at import
# are caught too.
GUARD = Guard(torch)
# The arguments whose tensors a call must leave as they were (handout §6).
INPUTS = contract.INPUTS


def load_fixtures():
    data = torch.load(HERE / "fixtures" / "selfcheck.pt", weights_only=True)
    meta, t = data["meta"], data["tensors"]
    cases = []
    for i in range(meta["cases"]):
        get = lambda prefix, keys: {k: t[f"{i}.{prefix}{k}"] for k in keys}  # noqa: E731
        cases.append({"X": t[f"{i}.X"], "Y": t[f"{i}.Y"], "params": get("", PARAMS),
                      "cache": get("cache.", task.CACHE),
                      "loss": {w: t[f"{i}.loss.{w}"] for w in meta["weights"]},
                      "grads": {w: get(f"grads.{w}.", GRADS) for w in meta["weights"]},
                      "sgd": get("sgd.", PARAMS)})
    meta["saturated"] = [(t[f"saturated.{d}.A2"], t[f"saturated.{d}.Y"], t[f"saturated.{d}.loss"])
                         for d in ("float64", "float32")]
    meta["saturated_backward"] = []
    for d in ("float64", "float32"):
        get = lambda prefix, keys: {k: t[f"saturated_backward.{d}.{prefix}{k}"] for k in keys}  # noqa: E731
        accepted = [get(f"accepted.{i}.", GRADS) for i in range(2)]
        meta["saturated_backward"].append((t[f"saturated_backward.{d}.X"], t[f"saturated_backward.{d}.Y"],
                                           get("", PARAMS), get("cache.", task.CACHE), accepted, []))
    return cases, meta


def as32(value):
    """value (a tensor or a dict of tensors) in float32, as the grader's float32 tests use."""
    if isinstance(value, dict):
        return {k: v.float() for k, v in value.items()}
    return value.float()


class Student:
    """The student's four functions, called as the grader's worker calls them: under the
    guard, and (unless inputs_must_stay is False, as in training) refusing a call that
    changes its inputs. Each raises Mismatch when a rule is broken."""

    def __init__(self, mlp, inputs_must_stay=True):
        self.mlp, self.inputs_must_stay = mlp, inputs_must_stay

    def _call(self, fn, *args, **kwargs):
        names = INPUTS.get(fn, ()) if self.inputs_must_stay else ()
        inputs = Inputs(torch, list(zip(names, args)) + [(k, v) for k, v in kwargs.items() if k in names])
        try:
            value = GUARD.call(getattr(self.mlp, fn), *args, **kwargs)
        except Exception:
            if not GUARD.used:
                raise
        if GUARD.used:
            raise task.autograd_mismatch(fn, GUARD.used)
        changed = inputs.changed()
        if changed:
            raise task.modified_mismatch(fn, changed)
        return value

    def forward(self, *args, **kwargs):
        return self._call("forward", *args, **kwargs)

    def bce_loss(self, *args, **kwargs):
        return self._call("bce_loss", *args, **kwargs)

    def backward(self, *args, **kwargs):
        return self._call("backward", *args, **kwargs)

    def sgd_step(self, *args, **kwargs):
        return self._call("sgd_step", *args, **kwargs)


def size(case):
    m, n = case["X"].shape
    return task.case_text(m, n, case["params"]["W1"].shape[1])


def default_size(case):
    m, n = case["X"].shape
    return task.default_case(m, n, case["params"]["W1"].shape[1])


def check_forward(mlp, cases, meta):
    for c in cases:
        for dtype_of in (lambda v: v, as32):   # float64, then float32 as in the grader
            X, params, want = dtype_of(c["X"]), dtype_of(c["params"]), dtype_of(c["cache"])
            A2, cache = task.check_forward_result(mlp.forward(X, params), X, params)
            for k in task.CACHE:
                task.expect_close(f'cache["{k}"]', cache[k], want[k], size(c))
            task.expect_close("A2", A2, want["A2"], size(c))


def check_loss(mlp, cases, meta):
    for c in cases:
        m = c["X"].shape[0]
        for w in meta["weights"]:
            got = task.check_loss_result(mlp.bce_loss(c["cache"]["A2"], c["Y"], w), c["X"])
            with task.hinted(got, c["loss"][w], [("loss_summed", c["loss"][w] * m)], m=m):
                task.expect_close("loss", got, c["loss"][w], size(c))
        got = task.check_loss_result(mlp.bce_loss(c["cache"]["A2"], c["Y"]), c["X"])   # the default
        with task.default_left_out("bce_loss"):
            task.expect_close("loss", got, c["loss"][1.0], default_size(c))
        A2 = as32(c["cache"]["A2"])
        task.check_loss_result(mlp.bce_loss(A2, as32(c["Y"]), 1.0), A2)
    task.check_saturated_loss(mlp.bce_loss, meta["saturated"])


def check_backward(mlp, cases, meta):
    for c in cases:
        for w in meta["weights"]:
            got = task.check_grads_result(mlp.backward(c["X"], c["Y"], c["params"], c["cache"], w), c["params"])
            want, m = c["grads"][w], c["X"].shape[0]
            scaled = [("grad_missing_mean", {k: v * m for k, v in want.items()}),
                      ("grad_double_mean", {k: v / m for k, v in want.items()})]
            with task.hinted(got, want, scaled, m=m):
                for g in GRADS:
                    task.expect_close(g, got[g], want[g], size(c))
        got = task.check_grads_result(mlp.backward(c["X"], c["Y"], c["params"], c["cache"]), c["params"])
        with task.default_left_out("backward"):   # pos_weight left out: its default, 1.0
            for g in GRADS:
                task.expect_close(g, got[g], c["grads"][1.0][g], default_size(c))
        p32 = as32(c["params"])
        task.check_grads_result(mlp.backward(as32(c["X"]), as32(c["Y"]), p32, as32(c["cache"]), 1.0), p32)
    task.check_saturated_backward(lambda *args: mlp.backward(*args), meta["saturated_backward"])
    c, other = cases[2], cases[3]
    try:   # backward must not depend on this later call; forward's own bugs cost nothing here
        mlp.forward(other["X"], other["params"])
    except Mismatch:
        pass
    for _ in range(2):                         # and must give the same answer twice
        got = mlp.backward(c["X"], c["Y"], c["params"], c["cache"], 3.0)
        for g in GRADS:
            task.expect_close(g, got[g], c["grads"][3.0][g], size(c))


def check_gradients(mlp, cases, meta):
    gen = torch.Generator().manual_seed(7)
    for w in (1.0, 3.0):
        X, Y, params = task.gradcheck_case(gen)
        _, cache = mlp.forward(X, params)
        got = task.check_grads_result(mlp.backward(X, Y, params, cache, w), params)
        numeric = task.numerical_gradient(lambda p: mlp.bce_loss(mlp.forward(X, p)[0], Y, w),
                                            {k: v.clone() for k, v in params.items()})
        task.gradient_check(got, numeric)


def check_sgd(mlp, cases, meta):
    for c in cases:
        grads = {k: v.clone() for k, v in c["grads"][1.0].items()}
        params = {k: v.clone() for k, v in c["params"].items()}
        got = task.check_params_result(mlp.sgd_step(params, grads, meta["lr"]), c["params"])
        lr, old = meta["lr"], c["params"]
        flipped = {p: old[p] + lr * c["grads"][1.0]["d" + p] for p in PARAMS}
        with task.hinted(got, c["sgd"], [("sgd_sign_flipped", flipped), ("sgd_unchanged", old)]):
            for p in PARAMS:
                task.expect_close(p, got[p], c["sgd"][p], size(c))
        p32 = as32(c["params"])
        task.check_params_result(mlp.sgd_step(p32, as32(c["grads"][1.0]), meta["lr"]), p32)


def check_training(mlp, cases, meta):
    X, Y, params = task.training_data()   # the very task the grader trains on
    # In training, changed inputs cost nothing: that rule is checked in each function's own step.
    fns = Student(mlp.mlp, inputs_must_stay=False)
    loss_of = lambda p: fns.bce_loss(fns.forward(X.double(), {k: v.double() for k, v in p.items()})[0],  # noqa: E731
                                     Y.double(), task.TRAINING["pos_weight"])
    curve = task.train(fns, X, Y, params, loss_of)
    return task.training_verdict(curve, "cpu"), curve


def check_training_on_gpu(mlp, cases, meta):
    """The same training run with the inputs and parameters on a GPU: this machine's if it
    has CUDA, else the CPU's values with each function's first call also made on a virtual
    GPU (fake CUDA tensors), as the grader's test 5.2 does."""
    fns = Student(mlp.mlp, inputs_must_stay=False)
    gpu = "cuda" if torch.cuda.is_available() else "virtual"
    X, Y, _ = task.training_data()
    loss_of = lambda p: fns.bce_loss(fns.forward(X.double(), {k: v.double() for k, v in p.items()})[0],  # noqa: E731
                                     Y.double(), task.TRAINING["pos_weight"])
    return task.train_on_gpu(fns, lambda fn, *args: gpu_report(mlp, fn, args), gpu, loss_of)


def save_curve(curve, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:   # optional: the curve is printed anyway
        return None
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([i * task.RECORD_EVERY for i in range(len(curve))], curve, marker=".")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (pos_weight = 3)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def check_gpu(mlp, cases, meta):
    """Each function once more on a GPU: the real one if this machine has CUDA, else a
    virtual one (fake CUDA tensors), as the grader's tests 1.4, 2.6, 3.8 and 4.3 do."""
    c = cases[0]
    X, Y, params, cache = c["X"], c["Y"], c["params"], c["cache"]
    calls = {"forward": (X, params), "bce_loss": (cache["A2"], Y, 3.0),
             "backward": (X, Y, params, cache, 3.0), "sgd_step": (params, c["grads"][1.0], 0.1)}
    notes = [task.expect_on_gpu(gpu_report(mlp, fn, args), fn) for fn, args in calls.items()]
    return "\n".join(note for note in notes if note)


def gpu_report(mlp, fn, args):
    """fn called once on a GPU (the real one if this machine has CUDA, else a virtual one):
    its device report (devices.py), as the grader's worker makes it."""
    path = getattr(mlp.mlp, "__file__", None)

    def describe(exc):   # the error, and where in mlp.py
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        return (f"mlp.py line {frames[-1].lineno}: " if frames else "") + f"{type(exc).__name__}: {exc}"

    report = devices.check(getattr(mlp.mlp, fn), args, {}, real_gpu=torch.cuda.is_available(),
                           call=GUARD.call, describe=describe)
    if GUARD.used:
        raise task.autograd_mismatch(fn, GUARD.used)
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check your mlp.py before submitting.")
    parser.add_argument("--lang", choices=messages.LANGUAGES, default="zh")
    parser.add_argument("--mlp", default=str(HERE / "mlp.py"), help="path to your mlp.py")
    args = parser.parse_args(argv)
    messages.set_language(args.lang)
    path = Path(args.mlp)
    if not path.exists():
        print(messages.say("selfcheck_no_file"))
        return 1
    spec = importlib.util.spec_from_file_location("mlp", path)
    module = importlib.util.module_from_spec(spec)
    GUARD.install()   # before mlp.py binds any name of torch's
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:   # SystemExit included: the grader would score this 0
        print(messages.say("import_failed", error=f"{type(exc).__name__}: {exc}"))
        return 1
    missing = [f for f in FUNCTIONS if not callable(getattr(module, f, None))]
    if missing:
        print(messages.say("missing_functions", names=", ".join(missing)))
        return 1
    cases, meta = load_fixtures()
    mlp = Student(module)
    steps = [("forward", check_forward), ("loss", check_loss), ("backward", check_backward),
             ("gradcheck", check_gradients), ("sgd_step", check_sgd), ("gpu", check_gpu),
             ("training", check_training), ("training_gpu", check_training_on_gpu)]
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
        if key in ("gpu", "training_gpu") and result:
            print("    " + result.replace("\n", "\n    "))
        if key == "training":
            summary, curve = result
            print("    " + summary.replace("\n", "\n    "))
            saved = save_curve(curve, path.parent / "loss_curve.png")
            print("    " + (messages.say("selfcheck_curve", path=saved) if saved
                            else messages.say("selfcheck_no_matplotlib")))
    print(messages.say("selfcheck_summary", passed=passed, total=len(steps)))
    return 0 if passed == len(steps) else 1


if __name__ == "__main__":
    sys.exit(main())
