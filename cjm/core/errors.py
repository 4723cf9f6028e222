"""The one exception type a consultant meets."""


class CjmError(Exception):
    """Bad input or parameters: the message names the file, column or key and the fix.

    Parameters
    ----------
    problem : str
        What is wrong, naming the file, column or parameter key.
    fix : str, optional
        What to do about it.
    """

    def __init__(self, problem: str, fix: str | None = None):
        self.problem = problem
        self.fix = fix
        super().__init__(problem if fix is None else f"{problem}\n  Fix: {fix}")
