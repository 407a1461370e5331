"""Task 2: logistic regression by hand: predict, log_loss and loss_grad."""
