"""Errors every layer may raise and the command line prints as one line."""


class UserError(Exception):
    """Bad input from the person at the terminal; the message is printed as is (exit 2)."""
