"""Task 1: a two-layer MLP's forward pass, loss, backpropagation and SGD, by hand."""
