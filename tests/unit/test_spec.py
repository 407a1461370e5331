"""Assignments from a spec (autograder/grading/spec.py) and `python -m autograder new`
(autograder/tools/new.py), without grading: the inputs a spec makes, the tests it makes,
and the spec, starter and folders `new` infers from a reference. Grading them is
tests/test_assignments.py's (every assignment's submissions) and bench/audit_softmax.py's."""
import ast
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from autograder import assignment
from autograder.assignment import load_reference
from autograder.grading import spec
from autograder.tools import new

ROOT = Path(__file__).resolve().parents[2]
SOFTMAX = ROOT / "bench" / "softmax" / "softmax.py"
LOGREG = ROOT / "reference" / "task2" / "logreg.py"


def inferred(path):
    return new.infer(path.read_text(), load_reference(path))


def test_inputs_of_each_kind():
    contract = SimpleNamespace(
        VARIABLES={"X": {"kind": "normal", "shape": ("m", "n"), "scale": 0.0},
                   "y": {"kind": "labels", "shape": ("m", 1)},
                   "c": {"kind": "classes", "shape": ("m",), "classes": "k"},
                   "lr": {"kind": "constant", "value": 0.5},
                   "s": {"kind": "reference", "fn": "total"}},
        SPEC={"total": {"args": ("X", "lr")}})
    ref = SimpleNamespace(total=lambda X, lr: X.sum() + lr)
    made = spec.make_variables(contract, {"m": 5, "n": 2, "k": 3}, torch.Generator().manual_seed(0),
                               torch.float32, ref)
    assert made["X"].shape == (5, 2) and made["X"].dtype == torch.float32 and not made["X"].any()
    assert set(made["y"].flatten().tolist()) == {0.0, 1.0}, "both classes where the batch has two rows or more"
    assert made["c"].dtype == torch.int64 and set(made["c"].tolist()) == {0, 1, 2}, "every class present"
    assert made["lr"] == 0.5 and float(made["s"]) == 0.5


def test_task2_tests_come_from_its_spec():
    tests = spec.generated_tests(assignment.load("task2"))
    numbers = {name: t.__number__ for name, t in tests.items()}
    assert numbers["test_imports"] == "0.1" and numbers["test_predict_types"] == "1.1"
    assert numbers["test_log_loss_gpu"] == "2.3", "log_loss has no float32 test: its values test has both dtypes"
    assert numbers["test_loss_grad_float32"] == "3.3"
    assert sum(t.__weight__ for t in tests.values()) == 93, "with the 7 of its own test 2.4: 100"
    assert "zh: " in tests["test_predict_values"].__doc__


def test_new_infers_task2s_spec_from_its_reference():
    contract = inferred(LOGREG)
    hand = assignment.load("task2").contract
    assert contract.FUNCTIONS == hand.FUNCTIONS
    assert contract.SIZES == [{"m": 6, "n": 3}, {"m": 1, "n": 4}, {"m": 9, "n": 1}, {"m": 17, "n": 5}]
    for name, how in hand.VARIABLES.items():
        assert {k: v for k, v in contract.VARIABLES[name].items()} == {k: v for k, v in how.items() if k != "scale"}
    assert contract.SPEC["loss_grad"]["returns"] == {"dw": ("n", 1), "db": (1,)}


def test_new_infers_a_softmax_regression():
    contract = inferred(SOFTMAX)
    assert contract.VARIABLES["W"]["shape"] == ("n", "k") and contract.VARIABLES["b"]["shape"] == ("k",)
    assert contract.VARIABLES["y"] == {"kind": "classes", "shape": ("m",), "classes": "k"}
    assert contract.VARIABLES["Z"] == {"kind": "reference", "fn": "scores"}
    assert {fn: s["returns"] for fn, s in contract.SPEC.items()} == {
        "scores": {"Z": ("m", "k")}, "cross_entropy": {"loss": ()}, "grads": {"dW": ("n", "k"), "db": ("k",)}}


def test_new_says_when_it_cannot_find_inputs(tmp_path):
    path = tmp_path / "nets.py"
    path.write_text("def forward(params):\n    return params['W1'] * 2\n")
    with pytest.raises(ValueError, match="write its spec in contract.py by hand"):
        inferred(path)


@pytest.mark.parametrize("count", range(1, 8))
def test_points_total_100(count):
    points = new.points(tuple(f"f{i}" for i in range(count)))
    assert sum(sum(p.values()) for p in points.values()) == 100
    assert all(min(p.values()) >= 1 for p in points.values())


def test_the_starter_keeps_signatures_and_docstrings_but_no_solution():
    text = new.starter_text(SOFTMAX.read_text())
    tree = ast.parse(text)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == ["scores", "cross_entropy", "grads"]
    assert [a.arg for a in functions[0].args.args] == ["X", "W", "b"]
    assert ast.get_docstring(functions[1]).startswith("The mean cross-entropy")
    assert "@" not in text and "softmax(" not in text and text.count("NotImplementedError") == 3


def test_new_writes_the_three_folders(tmp_path, monkeypatch):
    for name in ("FOLDER", "REFERENCE", "STARTER"):
        monkeypatch.setattr(new, name, tmp_path / name.lower())
    written = new.create("softmax", SOFTMAX)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"folder/softmax/contract.py", "folder/softmax/tests/test_standard.py", "folder/softmax/texts.py",
            "folder/softmax/submissions/correct/reference.py", "folder/softmax/submissions/buggy/starter.py",
            "reference/softmax/softmax.py", "starter/softmax/softmax.py", "starter/softmax/HANDOUT.zh.md"} <= names
    contract = runpy.run_path(str(tmp_path / "folder" / "softmax" / "contract.py"))
    assert sum(sum(s["points"].values()) for s in contract["SPEC"].values()) == 100
    assert "breaks: scores, cross_entropy, grads" in (tmp_path / "folder/softmax/submissions/buggy/starter.py").read_text()
    with pytest.raises(ValueError, match="exists already"):
        new.create("softmax", SOFTMAX)


def test_new_declares_the_gradients_it_can_check():
    for path, fn, loss, wrt in ((LOGREG, "loss_grad", "log_loss", {"dw": "w", "db": "b"}),
                                (SOFTMAX, "grads", "cross_entropy", {"dW": "W", "db": "b"})):
        contract = inferred(path)
        assert contract.SPEC[fn]["gradient"] == {"loss": loss, "wrt": wrt}, path.name
        assert [f for f in contract.FUNCTIONS if "gradient" in contract.SPEC[f]] == [fn]


def test_the_gradient_check_passes_the_reference_and_fails_a_wrong_gradient():
    from autograder.common.checks import Mismatch

    contract = inferred(SOFTMAX)
    ref = load_reference(SOFTMAX)
    test = spec.gradcheck_test(SimpleNamespace(contract=contract), "grads")
    test(SimpleNamespace(grads=ref.grads), ref, torch.Generator().manual_seed(1))
    halved = SimpleNamespace(grads=lambda X, Z, y: {k: v / 2 for k, v in ref.grads(X, Z, y).items()})
    with pytest.raises(Mismatch, match="dW"):
        test(halved, ref, torch.Generator().manual_seed(1))


def test_points_total_100_with_a_gradient_check():
    points = new.points(("a", "b", "c"), gradients=("c",))
    assert sum(sum(p.values()) for p in points.values()) == 100 and points["c"]["gradcheck"] >= 1


def test_a_dict_of_one_result_is_a_dict(tmp_path):
    path = tmp_path / "lin.py"
    path.write_text("def predict(X, W):\n    return X @ W\n\n\n"
                    "def grad(X, W):\n    return {'dW': X.T @ (X @ W) / X.shape[0]}\n")
    contract = inferred(path)
    assert contract.SPEC["grad"]["dict"] is True and "dict" not in contract.SPEC["predict"]
    assert spec.Function(SimpleNamespace(contract=contract), "grad").is_dict
    assert not spec.Function(SimpleNamespace(contract=contract), "predict").is_dict


def test_a_spec_without_sizes_makes_no_tests():
    task = assignment.load("task2")
    empty = SimpleNamespace(name="task2", file=task.file, functions=task.functions, tags=task.tags,
                            contract=SimpleNamespace(**{**vars(task.contract), "SIZES": []}))
    with pytest.raises(ValueError, match="SIZES is empty"):
        spec.generated_tests(empty)
