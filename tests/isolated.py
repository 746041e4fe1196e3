"""Run code that could kill the interpreter (a compiled loop writing past an array's end) in
a child process, so that a crash fails one test instead of ending the test run."""

import json
import subprocess
import sys
import textwrap

_ERROR_OF = '''
def error_of(call):
    try:
        call()
    except (TypeError, ValueError, IndexError) as error:
        return f"{type(error).__name__}: {error}"
    return "no error"
'''


def run_isolated(code: str, timeout: float = 120) -> str:
    """Run ``code`` in a fresh interpreter; return its stdout, or fail the calling test with
    the exit status (a negative one is the signal that killed it) and the child's stderr."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"the child process exited with status {done.returncode}\n{done.stderr[-3000:]}")
    return done.stdout


def errors_of_calls(setup: str, calls: dict[str, str]) -> dict[str, str]:
    """Run ``setup`` and then each of ``calls`` (name → Python expression) in one child;
    return, by name, the ``TypeError``, ``ValueError`` or ``IndexError`` each raised as
    ``"Name: message"``, or ``"no error"``."""
    listed = ", ".join(f"{name!r}: error_of(lambda: {call})" for name, call in calls.items())
    code = f"{textwrap.dedent(setup)}\n{_ERROR_OF}\nimport json\nprint(json.dumps({{{listed}}}))\n"
    return json.loads(run_isolated(code))
