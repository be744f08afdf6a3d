"""What a user chooses and gets, as typed, Qt-free data: the window, the commands and studies share it."""

from .choices import ChoiceError, ImageRef, NetworkRef, Sampling, file_sha256, kinds_for
from .experiment import (SCHEMA_VERSION, Experiment, Setup, baseline_reconstructor, details_image, linear_name,
                         reconstructors)
from .model import ExperimentModel
from .results import AttackResult, DetailsResult, MoreSamplesResult
from .session import Session, SessionError, autosave_path, state_dir
from .settings import DEFAULT_RATES, DEFAULT_VIEWS, AttackSettings, MoreSamplesSettings

__all__ = ["AttackResult", "AttackSettings", "ChoiceError", "DEFAULT_RATES", "DEFAULT_VIEWS", "DetailsResult",
           "Experiment", "ExperimentModel", "ImageRef", "MoreSamplesResult", "MoreSamplesSettings",
           "NetworkRef", "SCHEMA_VERSION", "Sampling", "Session", "SessionError", "Setup", "autosave_path",
           "baseline_reconstructor", "details_image", "file_sha256", "kinds_for", "linear_name", "reconstructors", "state_dir"]
