"""One line describing the machine a benchmark ran on: CPU, cores, Python, NumPy and its BLAS."""

import os
import platform

import numpy as np


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        config = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        return f"{config.get('name', '?')} {config.get('version', '')}".strip()
    libraries = [f"{i['internal_api']} {i['version']} ({i['num_threads']} threads)"
                 for i in threadpool_info() if i["user_api"] == "blas"]
    return ", ".join(libraries) or "none found"


def machine_line() -> str:
    import numba

    return (f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
            f"Python {platform.python_version()}, NumPy {np.__version__} (BLAS: {_blas()}), "
            f"Numba {numba.__version__}")
