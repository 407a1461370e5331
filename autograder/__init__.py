"""Autograder for Task 1: a hand-written two-layer MLP (see README.md)."""
