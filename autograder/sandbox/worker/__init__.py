"""Code that runs inside the sandbox, next to the student's file.

Only `wire` is imported by the trusted side too: it is the single place where values
cross the process boundary.
"""
