"""Default settings module: the base settings, configured from the environment."""

from .base import *  # noqa: F403
