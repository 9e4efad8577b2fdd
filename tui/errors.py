"""Expected faults: the CLI prints their message as one sentence, never a traceback."""


class OncallError(Exception):
    """A fault the user can act on; str(error) says what to do."""

    exit_code = 1


class UsageError(OncallError):
    exit_code = 2
