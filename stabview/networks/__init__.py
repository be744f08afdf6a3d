"""The zoo: architectures of the paper's six networks, model cards, and loading of users' models.

`zoo.load(name_or_path)` returns a `ReconstructionNetwork`; call it as `net(y, op)`.
"""

from . import zoo
from .base import ReconstructionNetwork, check_output
from .card import ModelCard

__all__ = ["zoo", "ReconstructionNetwork", "ModelCard", "check_output"]
