"""Expected faults: the CLI prints their message as one sentence, never a traceback."""


class OncallError(Exception):
    """A fault the user can act on; str(error) says what to do."""

    exit_code = 1

    def __rich__(self) -> str:
        """Shown as its sentence wherever it is rendered (the app's last resort included), never as a traceback."""
        return str(self)


class UsageError(OncallError):
    exit_code = 2
