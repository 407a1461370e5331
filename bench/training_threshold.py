"""Where the training test's threshold comes from: the final/initial loss ratio that each
test submission reaches on the grader's fixed training data, run through the grader's own
loop (task.train) with the loss recomputed by the reference.

    .venv/bin/python bench/training_threshold.py            # the shipped data seed
    .venv/bin/python bench/training_threshold.py --seeds 0-19  # compare data seeds

Submissions are imported in this process (only correct/ and buggy/, never hostile/).
Those whose header says `breaks: ... training` must end above the threshold; every other
one must end below it. task.TRAINING documents the margins this prints.
"""
import argparse
import contextlib
import importlib.util
import io
import re
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from assignments.task1 import task  # noqa: E402  (Task 1's training run)
from autograder import assignment  # noqa: E402  (where the engine keeps each assignment's files)
from autograder.assignment import load_reference  # noqa: E402

TASK1 = assignment.load("task1")


def load(path):
    spec = importlib.util.spec_from_file_location("mlp_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def breaks_training(path):
    m = re.search(r"^breaks: (.+)$", path.read_text(), re.M)
    return m is not None and "training" in m.group(1)


def ratio(mlp, ref, seed):
    X, Y, params = task.make_training_data(torch.Generator().manual_seed(seed))
    X64, Y64 = X.double(), Y.double()
    w = task.TRAINING["pos_weight"]

    def loss_of(p):
        return ref.bce_loss(ref.forward(X64, {k: v.double() for k, v in p.items()})[0], Y64, w)

    try:
        with contextlib.redirect_stdout(io.StringIO()):   # debug prints of some submissions
            curve = task.train(mlp, X, Y, params, loss_of)
    except Exception:   # a step failed: it does not learn
        return float("inf")
    last = curve[-1]
    return last / curve[0] if last == last else float("inf")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default=str(task.TRAINING["data_seed"]), help="N or A-B")
    args = parser.parse_args()
    a, _, b = args.seeds.partition("-")
    seeds = range(int(a), int(b or a) + 1)
    ref = load_reference()
    subs = [TASK1.reference] \
        + sorted((ROOT / "tests" / "submissions" / "correct").glob("*.py")) \
        + sorted((ROOT / "tests" / "submissions" / "buggy").glob("*.py"))
    subs = [p for p in subs if p.stem != "backward_uses_autograd"]   # refused in the worker, not here
    learns, stops = {}, {}
    for path in subs:
        mlp = load(path)
        group = stops if breaks_training(path) else learns
        group[path.stem] = [ratio(mlp, ref, s) for s in seeds]
    print(f"required ratio (last / first) <= {task.TRAINING['required_drop']}")
    for title, group in (("must learn", learns), ("must not learn", stops)):
        print(f"\n{title}:")
        for name, rs in sorted(group.items(), key=lambda kv: max(kv[1])):
            print(f"  {name:36} " + " ".join(f"{r:6.3f}" for r in rs))
    for i, s in enumerate(seeds):
        hi = max(rs[i] for rs in learns.values())
        lo = min(rs[i] for rs in stops.values())
        print(f"seed {s}: slowest learner {hi:.3f}, best non-learner {lo:.3f}")


if __name__ == "__main__":
    main()
