"""The submission as a file: found, importable, defining the three functions."""
from gradescope_utils.autograder_utils.decorators import number, tags, weight

from autograder.common.messages import say

from ..task import Mismatch


@weight(0)
@number("0.1")
@tags("submission")
def test_logreg_imports(runner, record_property):
    """logreg.py is found, imports, and defines the three functions
    zh: 找到 logreg.py，能够导入，并定义了三个函数
    """
    missing = runner.missing_functions()
    if missing:
        raise Mismatch(say("missing_functions", names=", ".join(missing)))
    record_property("message", say("imported"))
