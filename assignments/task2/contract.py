"""The contract of Task 2 (handout §1-§4): three functions of a logistic regression, what
they take and return, and the spec from which the engine makes their standard tests
(autograder/grading/spec.py). Read by the engine; imports nothing."""

FILE = "logreg.py"   # what a student submits, imported as the module logreg
TITLE = {"en": "Task 2", "zh": "任务二"}
FUNCTIONS = ("predict", "log_loss", "loss_grad")
TAGS = {"predict": "predict", "log_loss": "loss", "loss_grad": "grad"}   # results.json "tags"
# The arguments whose tensors a call must leave as they were (§4): all of them.
INPUTS = {"predict": ("X", "w", "b"), "log_loss": ("p", "y"), "loss_grad": ("X", "y", "p")}

# (batch, features): batch 1 and one feature among them, where a squeeze() drops a dimension.
SIZES = [{"m": 6, "n": 3}, {"m": 1, "n": 4}, {"m": 9, "n": 1}, {"m": 17, "n": 5}]
VARIABLES = {
    "X": {"kind": "normal", "shape": ("m", "n")},
    "w": {"kind": "normal", "shape": ("n", 1)},
    "b": {"kind": "normal", "shape": (1,), "scale": 0.5},
    "y": {"kind": "labels", "shape": ("m", 1)},
    "p": {"kind": "reference", "fn": "predict"},
}
SPEC = {
    "predict": {"args": INPUTS["predict"], "returns": {"p": ("m", 1)},
                "points": {"types": 5, "values": 15, "float32": 5, "gpu": 3}},
    "log_loss": {"args": INPUTS["log_loss"], "returns": {"loss": ()},
                 "points": {"types": 5, "values": 15, "gpu": 3}},   # and 2.4, by hand: 7
    "loss_grad": {"args": INPUTS["loss_grad"], "returns": {"dw": "w", "db": "b"}, "transposed": "lr_grad_transposed",
                  "points": {"types": 7, "values": 20, "float32": 12, "gpu": 3}},
}
