"""The package's boundaries, read from the source with `ast` (nothing is imported):
- what decides a grade (config.GRADING_PARTS) never imports the class batch or the
  instructor's tools, so that changing those regrades nothing;
- the code that runs beside student code (sandbox/worker/) imports only itself, the
  parts of common/ it is given (guard, contract, devices), the standard library, torch and numpy;
- common/ imports only common/: it ships alone in the handout."""
import ast
import functools
import sys
from pathlib import Path

import pytest

from autograder import config

PACKAGE = Path(config.__file__).resolve().parent
STDLIB = set(sys.stdlib_module_names)
# What a worker module may import by its bare name: its neighbours in sandbox/worker/, and
# common's guard and devices, which are put beside them (serve.py says so).
WORKER_SIBLINGS = {"wire", "serve", "confine", "zygote", "guard", "devices"}
COMMON = {p.stem for p in (PACKAGE / "common").glob("*.py")} - {"__init__"}


def module_name(path, package_root=PACKAGE):
    """autograder.grading.grade for autograder/grading/grade.py."""
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path, package_root=PACKAGE):
    """[(module imported, line)] of a Python file, relative imports made absolute; every
    import counts, those inside functions too. `from a import b` gives a.b as well as a
    (b may be a module)."""
    name = module_name(path, package_root)
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    return _imports(path.read_text(encoding="utf-8"), package)


@functools.cache
def _imports(source, package):
    """imports() of one source text (cached: the copies in the tests below parse once)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.append((module, node.lineno))
            found += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def python_files(*parts, package_root=PACKAGE):
    files = []
    for part in parts:
        path = package_root / part
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in files if "__pycache__" not in p.parts]


def where(path, line, package_root=PACKAGE):
    return f"{path.relative_to(package_root.parent)}:{line}"


def trusted_side_imports(package_root=PACKAGE):
    """Imports of autograder.classroom or autograder.tools from the GRADING_PARTS."""
    bad = []
    for path in python_files(*config.GRADING_PARTS, package_root=package_root):
        for module, line in imports(path, package_root):
            if module.split(".")[:2] in (["autograder", "classroom"], ["autograder", "tools"]):
                bad.append(f"{where(path, line, package_root)} imports {module}")
    return bad


def worker_imports(package_root=PACKAGE):
    """Imports in sandbox/worker/ of anything but its siblings, stdlib, torch, numpy."""
    bad = []
    for path in python_files("sandbox/worker", package_root=package_root):
        for module, line in imports(path, package_root):
            top = module.split(".")[0]
            if top in STDLIB or top in ("torch", "numpy") or module in WORKER_SIBLINGS:
                continue
            if module.rpartition(".")[0] in WORKER_SIBLINGS and "." not in module.rpartition(".")[0]:
                continue   # from wire import Raw
            if module == "autograder.sandbox.worker" or (module.startswith("autograder.sandbox.worker.")
                                                         and module.split(".")[3] in WORKER_SIBLINGS):
                continue   # a relative import of a sibling
            bad.append(f"{where(path, line, package_root)} imports {module}")
    return bad


def common_imports(package_root=PACKAGE):
    """Imports in common/ of anything but common/ itself (relative, or by bare name as in
    the handout), the standard library and torch."""
    bad = []
    for path in python_files("common", package_root=package_root):
        for module, line in imports(path, package_root):
            top = module.split(".")[0]
            if top in STDLIB or top == "torch" or top in COMMON:
                continue
            if module == "autograder.common" or module.startswith("autograder.common."):
                continue
            bad.append(f"{where(path, line, package_root)} imports {module}")
    return bad


def test_what_decides_a_grade_never_imports_the_batch_or_the_tools():
    bad = trusted_side_imports()
    assert not bad, "the grading parts import the class batch or the tools:\n" + "\n".join(bad)


def test_the_worker_imports_only_itself_guard_devices_stdlib_torch_numpy():
    bad = worker_imports()
    assert not bad, "code beside student code imports the trusted side:\n" + "\n".join(bad)


def test_common_imports_only_common():
    bad = common_imports()
    assert not bad, "common/ (shipped alone in the handout) imports outside itself:\n" + "\n".join(bad)


def test_the_checks_see_the_files_they_judge():
    """Not vacuous: the real tree has the imports the rules allow."""
    names = {m for p in python_files("sandbox/worker") for m, _ in imports(p)}
    assert {"wire", "guard", "devices", "torch"} <= names
    assert "autograder.common.messages" in {m for m, _ in imports(PACKAGE / "common" / "checks.py")}
    assert "autograder.sandbox.handle" in {m for m, _ in imports(PACKAGE / "grading" / "grade.py")}
    assert len(python_files(*config.GRADING_PARTS)) >= 15


@pytest.mark.parametrize("rule, path, line", [
    (trusted_side_imports, "grading/grade.py", "from ..classroom import report"),
    (trusted_side_imports, "sandbox/handle.py", "    import autograder.tools.audit"),   # inside a function
    (trusted_side_imports, "config.py", "from .tools.build import main"),
    (worker_imports, "sandbox/worker/serve.py", "from autograder.sandbox import handle"),
    (worker_imports, "sandbox/worker/wire.py", "from .. import limits"),
    (worker_imports, "sandbox/worker/zygote.py", "import messages"),
    (worker_imports, "sandbox/worker/confine.py", "import yaml"),
    (common_imports, "common/checks.py", "from ..sandbox.worker import wire"),
    (common_imports, "common/guard.py", "import autograder.config"),
    (common_imports, "common/messages.py", "import numpy"),
])
def test_each_rule_catches_a_forbidden_import(tmp_path, rule, path, line):
    """A copy of the package with one forbidden import added fails that rule, and names
    the file, the line and the module."""
    copy = tmp_path / "autograder"
    for source in python_files(*config.GRADING_PARTS):
        rel = source.relative_to(PACKAGE)
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_text(source.read_text(encoding="utf-8"))
    assert rule(copy) == []
    target = copy / path
    if line.startswith("    "):
        text = target.read_text() + f"\n\ndef _added():\n{line}\n"
    else:
        text = target.read_text() + f"\n{line}\n"
    target.write_text(text)
    bad = rule(copy)
    assert bad and all(b.startswith(f"autograder/{path}:{len(text.splitlines())} imports ") for b in bad), bad


def test_a_unit_test_cannot_start_a_zygote_or_a_grade():
    """tests/unit/conftest.py holds this folder to its rule."""
    import subprocess
    import sys

    from autograder.sandbox.pool import Zygote

    with pytest.raises(AssertionError, match="starts no zygote"):
        Zygote.start()
    with pytest.raises(AssertionError, match="starts no zygote"):
        subprocess.run([sys.executable, "-m", "autograder", "grade", "starter/mlp.py"])
    assert subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True, text=True).stdout == "1\n"


def test_the_grading_flow_imports_torch_only_once_the_pool_is_starting():
    """grade.py starts the zygote first and imports torch while the zygote loads its own:
    importing the flow, the sandbox's trusted side or the settings must not load torch."""
    import subprocess

    code = ("import sys, autograder.grading.grade, autograder.sandbox.handle, autograder.sandbox.pool, "
            "autograder.config; print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=config.HERE.parent, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"importing the grading flow loaded {out.stdout.strip()}"


def test_every_part_of_the_package_is_said_to_decide_a_grade_or_not():
    """A new folder or top-level module of autograder/ must be placed on one side: in
    config.GRADING_PARTS (its files regrade a class when they change) or among the parts
    that never decide a grade (the class batch, the tools, the command line)."""
    never = {"classroom", "tools", "__main__.py", "__init__.py", "setup.sh"}   # setup.sh: the image's set-up
    settings = {"config.toml"}   # in grading_files by name, and in effect (settings_text)
    package = Path(config.__file__).resolve().parent
    parts = {p.name for p in package.iterdir() if p.name != "__pycache__"}
    unplaced = parts - set(config.GRADING_PARTS) - never - settings
    assert not unplaced, f"place these in config.GRADING_PARTS or among the parts that never decide a grade: {unplaced}"
    assert set(config.GRADING_PARTS) <= parts, "GRADING_PARTS names a part that does not exist"


def module_graph(package_root=PACKAGE):
    """{module: {modules of the package it imports}} over autograder/, every import counted
    (those inside functions too); `from a import b` counts b only where b is a module."""
    modules = {module_name(p, package_root): p for p in python_files(".", package_root=package_root)}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m, _ in imports(path, package_root) if m in modules and m != name
                       and not (path.stem == "__init__" and m.startswith(name + "."))}
        graph[name] -= {m for m in graph[name] if name.startswith(m + ".") and modules[m].stem == "__init__"}
    return graph


def circles(graph):
    """Every import circle of graph, each once, as a list of modules (the first again at the end)."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_circle_in_the_package():
    found = circles(module_graph())
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_import_circle_among_the_benches():
    bench = PACKAGE.parent / "bench"
    names = {p.stem for p in bench.glob("*.py")}
    graph = {p.stem: {m.split(".")[0] for m, _ in _imports(p.read_text(encoding="utf-8"), "bench")} & names - {p.stem}
             for p in bench.glob("*.py")}
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_circle_finder_finds_one():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_function_of_the_package_takes_more_than_7_parameters():
    """A function that needs more takes a record (grade.GradeRequest, handle.WorkerSpec)."""
    many = []
    for path in python_files("."):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                names = [x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x]
                if len([n for n in names if n not in ("self", "cls")]) > 7:
                    many.append(f"{where(path, node.lineno)} {node.name}: {len(names)}")
    assert not many, many


def test_a_batch_job_and_its_worker_share_one_cpu():
    """A job holds itself to one CPU (batch._one_cpu) and its worker follows it
    (handle._same_cpus): their hand-overs stay on one CPU. A grade not held to some CPUs
    leaves its worker alone."""
    import json
    import os
    import subprocess

    from autograder.classroom import batch
    from autograder.sandbox import handle

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one CPU: nothing to hold")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # the job
        try:
            batch._one_cpu(sorted(os.sched_getaffinity(0))[1])
            sleeper = subprocess.Popen(["sleep", "5"])
            handle._same_cpus(sleeper.pid)
            os.write(write, json.dumps([sorted(os.sched_getaffinity(0)), sorted(os.sched_getaffinity(sleeper.pid))]).encode())
            sleeper.kill()
        finally:
            os._exit(0)
    os.close(write)
    mine, its = json.loads(os.read(read, 1000))
    os.waitpid(pid, 0)
    assert len(mine) == 1 and its == mine
    free = subprocess.Popen(["sleep", "5"])
    before = os.sched_getaffinity(free.pid)
    handle._same_cpus(free.pid)   # this process is held to no CPU
    assert os.sched_getaffinity(free.pid) == before
    free.kill()
