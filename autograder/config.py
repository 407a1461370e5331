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


def _read(path):
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def load(path=None):
    """The settings of config.toml, each key as written there (the one place they are
    set), overlaid with those of path or of the file AUTOGRADER_CONFIG names: a few keys,
    to try other limits or another language without editing the shipped file."""
    data = _read(CONFIG)
    override = path or os.environ.get("AUTOGRADER_CONFIG")
    if override:
        for key, value in _read(override).items():
            data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    try:
        lim = data["limits"]
        limits = Limits(
            call_seconds=lim["call_seconds"], start_seconds=lim["start_seconds"], cpu_seconds=lim["cpu_seconds"],
            memory_bytes=lim["memory_mb"] << 20, processes=lim["processes"], file_bytes=lim["file_mb"] << 20,
            output_chars=lim["output_chars"], user=lim["user"], accounts=lim["accounts"],
            total_seconds=lim["total_seconds"], disk_bytes=lim["disk_mb"] << 20, isolate=lim["isolate"])
        # AUTOGRADER_LANGUAGE overrides the file, for trying the grader in another language.
        return {"language": os.environ.get("AUTOGRADER_LANGUAGE") or data["language"],
                "default_visibility": data["default_visibility"], "limits": limits}
    except KeyError as exc:
        raise KeyError(f"{CONFIG} lacks the setting {exc.args[0]!r}") from None


@functools.lru_cache(maxsize=None)
def load_reference(path=REFERENCE):
    """Import a hidden reference file (mlp.py, mistakes.py) by path; trusted side only.
    Once per process: a batch job grades submission after submission with it."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location("reference_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
