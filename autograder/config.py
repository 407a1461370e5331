"""Reads config.toml (language, default visibility, sandbox limits) and knows where
the hidden reference lives."""
import functools
import importlib.util
import os
from pathlib import Path

try:
    import tomllib   # novermin (Python 3.11 and later; the except branch covers 3.10)
except ImportError:   # Python 3.10 (Ubuntu 22.04, Gradescope's default image): the backport
    import tomli as tomllib

from .sandbox import Limits

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config.toml"
REFERENCE = HERE.parent / "reference" / "mlp.py"


def load(path=None):
    """The settings of config.toml, or of the file AUTOGRADER_CONFIG names (to try other
    limits without editing the shipped file)."""
    path = path or os.environ.get("AUTOGRADER_CONFIG") or CONFIG
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    lim = data.get("limits", {})
    limits = Limits(
        call_seconds=lim.get("call_seconds", Limits.call_seconds),
        start_seconds=lim.get("start_seconds", Limits.start_seconds),
        cpu_seconds=lim.get("cpu_seconds", Limits.cpu_seconds),
        memory_bytes=lim.get("memory_mb", Limits.memory_bytes >> 20) << 20,
        processes=lim.get("processes", Limits.processes),
        file_bytes=lim.get("file_mb", Limits.file_bytes >> 20) << 20,
        output_chars=lim.get("output_chars", Limits.output_chars),
        user=lim.get("user", Limits.user),
        accounts=lim.get("accounts", Limits.accounts),
        total_seconds=lim.get("total_seconds", Limits.total_seconds),
        disk_bytes=lim.get("disk_mb", Limits.disk_bytes >> 20) << 20,
        isolate=lim.get("isolate", Limits.isolate),
    )
    # AUTOGRADER_LANGUAGE overrides the file, for trying the grader in another language.
    return {"language": os.environ.get("AUTOGRADER_LANGUAGE") or data.get("language", "zh"),
            "default_visibility": data.get("default_visibility", "visible"),
            "limits": limits}


@functools.lru_cache(maxsize=None)
def load_reference(path=REFERENCE):
    """Import a hidden reference file (mlp.py, mistakes.py) by path; trusted side only.
    Once per process: a batch job grades submission after submission with it."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location("reference_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
