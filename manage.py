#!/usr/bin/env python
"""Django's command-line utility. Use `python -m arena.launcher manage ...` for embedded servers."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
