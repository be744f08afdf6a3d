"""stabview: test deep-learning image-reconstruction networks for instability."""

__version__ = "0.1.0"
