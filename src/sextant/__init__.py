"""Sextant: the AWS machine-learning stack on your own machine."""

__version__ = "0.1.0"
