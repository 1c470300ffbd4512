"""The `safecampus` command: Django's management commands with SafeCampus settings.

`safecampus demo`, `safecampus generate`, `safecampus serve` and `safecampus demo-logins` are
management commands of the demo and core apps; everything else (migrate, check, …) is Django's.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.config.settings.base")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "safecampus"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
