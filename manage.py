#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.embedded import prepare_var_dir

    prepare_var_dir()  # VAR_DIR and the embedded run's secret key, before the settings read them

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
