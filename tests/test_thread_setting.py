"""The thread setting reaches every BLAS, also one that loads after it was made."""

import subprocess
import sys


def test_a_thread_setting_made_before_scipys_blas_loads_reaches_it():
    code = ("import sys, tinygrad_rnn as tg; "
            "assert 'scipy.linalg.cython_blas' not in sys.modules; "
            "tg.set_num_threads(1); tg.nn.LSTM(2, 3)(tg.zeros(4, 1, 2)); "
            "from threadpoolctl import threadpool_info; "
            "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[1]"]
