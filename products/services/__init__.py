"""Writes of the products app, one module per subject: registry, rounds and targets."""
