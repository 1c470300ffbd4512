"""The test settings with the throw-away app installed: the one line a new app adds."""

from safecampus.config.settings.test import *  # noqa: F403
from safecampus.config.settings.test import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.throwaway"]
