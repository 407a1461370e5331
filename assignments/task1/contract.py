"""The contract of Task 1 (handout §1-§6): the four functions and the names of what they
take and return. Read by the engine (autograder/assignment.py), which sends the worker what it
needs of it, and by the self-check; imports nothing."""

# The file a student submits (and the module the worker imports it as: mlp), and the
# assignment's name where the class report shows it.
FILE = "mlp.py"
TITLE = {"en": "Task 1", "zh": "任务一"}
FUNCTIONS = ("forward", "bce_loss", "backward", "sgd_step")
# The tag each function's grading tests carry (results.json "tags"); "training" is the
# tag of the test that trains with all four.
TAGS = {"forward": "forward", "bce_loss": "loss", "backward": "backward", "sgd_step": "sgd_step"}
PARAMS = ("W1", "b1", "W2", "b2")
GRADS = ("dW1", "db1", "dW2", "db2")
CACHE = ("Z1", "A1", "Z2", "A2")
# The arguments whose tensors a call must leave as they were (sgd_step may update params
# in place, §4).
INPUTS = {"forward": ("X", "params"), "bce_loss": ("A2", "Y"), "backward": ("X", "Y", "params", "cache")}
# What each function returns, by name (forward returns the pair).
RETURNS = {"forward": ("A2", "cache"), "bce_loss": ("loss",), "backward": ("grads",), "sgd_step": ("params",)}
