"""The one error kind the command line reports in one line with exit status 2."""


class UsageError(Exception):
    """Bad input from the user (a prompt, an option, a folder): reported in one line, exit 2."""
