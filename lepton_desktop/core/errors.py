"""The one base class for errors a user can cause and understand."""


class LeptonError(Exception):
    """An error whose message is written for the user.

    Anything raising a subclass promises that ``str(error)`` is a complete,
    plain-language sentence that says what went wrong and, where possible,
    what to do about it. Front ends show it as is; tracebacks go to the log.
    """
