"""The harness's one error type and exit status."""

# The exit status of a run that failed for a reason the user can act on (bad arguments,
# missing packages, model not found, out of memory); lem reads the message from the error event.
EXIT_FAILURE = 2


class HarnessError(Exception):
    """A failure the user can fix: the message says what is wrong and what to do."""
