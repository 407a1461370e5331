"""The contract of Task 2 (handout §1-§4): three functions of a logistic regression and
the names of what they take and return. Read by the engine (autograder/assignment.py),
which sends the worker what it needs of it, and by the self-check; imports nothing."""

# The file a student submits (imported as the module logreg), and the assignment's name
# where the class report shows it.
FILE = "logreg.py"
TITLE = {"en": "Task 2", "zh": "任务二"}
FUNCTIONS = ("predict", "log_loss", "loss_grad")
# The tag each function's grading tests carry (results.json "tags").
TAGS = {"predict": "predict", "log_loss": "loss", "loss_grad": "grad"}
PARAMS = ("w", "b")
GRADS = ("dw", "db")
# The arguments whose tensors a call must leave as they were (§4): all of them.
INPUTS = {"predict": ("X", "w", "b"), "log_loss": ("p", "y"), "loss_grad": ("X", "y", "p")}
# What each function returns, by name.
RETURNS = {"predict": ("p",), "log_loss": ("loss",), "loss_grad": ("grads",)}
