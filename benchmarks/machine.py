"""One line describing the machine a benchmark ran on: CPU, cores, Python, NumPy and its BLAS,
and whether NumPy's large arrays may get transparent huge pages (a step that allocates
hundreds of MB afresh, such as the word-level model's, runs about 1.3x slower on 4 KiB
pages; set ``NUMPY_MADVISE_HUGEPAGE=0`` to measure that case)."""

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


def _huge_pages() -> str:
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as setting:
            kernel = setting.read().split("[", 1)[1].split("]", 1)[0]
    except (OSError, IndexError):
        kernel = "unknown"
    core = getattr(np, "_core", None) or np.core   # NumPy 2, else 1.26
    asked = core.multiarray._get_madvise_hugepage()
    return f"transparent huge pages {kernel}, NumPy {'asks' if asked else 'does not ask'} for them"


def machine_line() -> str:
    import numba

    return (f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
            f"Python {platform.python_version()}, NumPy {np.__version__} (BLAS: {_blas()}), "
            f"Numba {numba.__version__}; {_huge_pages()}")
