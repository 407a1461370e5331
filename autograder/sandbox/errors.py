"""The two ways a call into student code can fail, told apart because only one is the
student's fault."""
from __future__ import annotations


class InstallationError(Exception):
    """The worker could not start: Python, torch or the grader's files are out of the
    worker account's reach. Never the student's fault. `str(self)` is for the instructor."""


class StudentCodeError(Exception):
    """The student's code failed. `str(self)` is written for the student."""

    def __init__(self, message: str, *, output: str = "", worker_lost: bool = False, autograd: str | None = None,
                 kind: str = "raised") -> None:
        super().__init__(message)
        self.hints = list(getattr(message, "hints", ()))   # checks.with_hint's ids, as data
        self.output = output
        self.worker_lost = worker_lost
        self.autograd = autograd   # the autograd entry point the call used, if any
        self.kind = kind           # raised, import, timeout or crash: for the class report
