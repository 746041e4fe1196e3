"""Importing tinygrad_rnn makes glibc keep the pages of freed large arrays: allocating one
again takes no page faults (counted, not timed, in a fresh process)."""

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="the dynamic mmap threshold is glibc's")

CYCLES = 10
COUNT_FAULTS = f"""
import resource
import numpy as np
{{imports}}
def cycle():
    array = np.ones(1 << 19, np.float32)   # 2 MiB, every page written
    del array
cycle()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range({CYCLES}):
    cycle()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults_per_cycle(imports: str) -> float:
    out = subprocess.run([sys.executable, "-c", COUNT_FAULTS.format(imports=imports)],
                         capture_output=True, text=True, check=True).stdout
    return int(out) / CYCLES


def test_after_import_a_freed_large_array_comes_back_without_page_faults():
    plain = faults_per_cycle("")
    if plain < 1:
        pytest.skip("this allocator keeps the pages of freed arrays anyway")
    assert faults_per_cycle("import tinygrad_rnn") <= plain / 20
