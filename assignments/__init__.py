"""The assignments the engine grades, one folder each (autograder/assignment.py)."""
