"""The stability tests (worst-case perturbations, structural details, more samples) and metrics."""
