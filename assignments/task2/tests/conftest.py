# The engine's fixtures (student, ref, mistakes, gen, gpu, ...): Task 2 needs no others.
pytest_plugins = ["autograder.grading.fixtures"]
