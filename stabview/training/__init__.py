"""Reproducible training of the zoo (`stabview train NAME`); not imported by the application."""
