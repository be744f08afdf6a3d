"""Dock panels of the main window, one module each: network, image, sampling, details, attack, samples."""
