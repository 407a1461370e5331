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
# The layers whose tensors the virtual GPU sees in the grading tests, as (rows, inputs,
# outputs, dtype): the network's two layers at the device tests' size (task.SIZES[0],
# float64) and at the training run's (task.TRAINING, float32). A class's worker pool works
# out their operations' shapes once, not each worker (autograder/common/devices.py
# warm_up); tests/unit/test_devices.py checks they are task.py's.
VIRTUAL_GPU_LAYERS = ((7, 5, 3, "float64"), (7, 3, 1, "float64"), (256, 6, 16, "float32"), (256, 16, 1, "float32"))
# What each function returns, by name (forward returns the pair).
RETURNS = {"forward": ("A2", "cache"), "bce_loss": ("loss",), "backward": ("grads",), "sgd_step": ("params",)}
