"""The standard tests of predict, log_loss and loss_grad, made from contract.py's SPEC."""
from autograder.grading.spec import generated_tests

globals().update(generated_tests())
