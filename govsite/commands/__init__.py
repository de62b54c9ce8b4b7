"""Subcommands of the ``govsite`` CLI, one module each (see :mod:`govsite.cli`)."""
