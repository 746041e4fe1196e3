"""Calls that could crash the interpreter, fuzzed in a child process (``hostile_calls.py``):
the test asserts on the child's exit status, so a compiled loop that wrote past an array's
end fails this test instead of ending the test run."""

from pathlib import Path

from isolated import run_isolated


def test_hostile_kernel_and_fused_sequence_calls_neither_crash_nor_mislead():
    script = Path(__file__).with_name("hostile_calls.py")
    output = run_isolated(f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')")
    assert "no crash, every call as documented" in output
