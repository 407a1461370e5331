"""The Kubernetes example (examples/kubernetes/grade-class.yaml) without a cluster: every
pod of its Indexed Job grades a different part, the parts cover the class, the merge waits
for exactly those parts, and each command is one the grader's command line accepts.
(The Slurm example runs on a real one-node Slurm: tests/test_slurm.py.)"""
import re
import shlex
from pathlib import Path

import yaml

from autograder.__main__ import build_parser
from autograder.classroom.batch import parse_shard

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kubernetes" / "grade-class.yaml"


def jobs():
    return {doc["metadata"]["name"]: doc for doc in yaml.safe_load_all(EXAMPLE.read_text())}


def container(job, name=None):
    spec = job["spec"]["template"]["spec"]
    found = spec.get("initContainers", []) + spec["containers"]
    return next(c for c in found if name is None or c["name"] == name)


def test_each_pod_grades_its_own_part_and_the_parts_cover_the_class():
    grade = jobs()["grade-class"]
    spec = grade["spec"]
    assert spec["completionMode"] == "Indexed", "pods must be told their index"
    n = spec["completions"]
    assert spec["parallelism"] == n, "every part at once, as the README says"
    c = container(grade)
    env = {e["name"]: e["value"] for e in c.get("env", [])}
    assert "--shard" in c["command"] and c["command"][c["command"].index("--shard") + 1] == "auto"
    parts = [parse_shard("auto", {**env, "JOB_COMPLETION_INDEX": str(k)}) for k in range(n)]
    assert parts == [(k, n) for k in range(n)], f"JOB_COMPLETION_COUNT must equal completions ({n}): {parts}"


def test_the_merge_waits_for_exactly_those_parts_and_reads_their_folder():
    found = jobs()
    n = found["grade-class"]["spec"]["completions"]
    grade_cmd = container(found["grade-class"])["command"]
    out = grade_cmd[grade_cmd.index("--out") + 1]
    wait = "\n".join(container(found["merge-class"], "wait-for-the-parts")["command"])
    assert re.search(rf"range\({n}\)", wait) and f"-of-{n}.json" in wait, "the wait must count the same parts"
    assert f"{out}/parts/" in wait
    merge_cmd = container(found["merge-class"], "merge")["command"]
    assert merge_cmd[merge_cmd.index("merge") + 1] == out and merge_cmd[merge_cmd.index("--out") + 1] == out


def test_every_command_is_one_the_grader_accepts():
    parser = build_parser()
    found = jobs()
    for job, name in (("grade-class", None), ("merge-class", "merge")):
        command = container(found[job], name)["command"]
        args = command[command.index("autograder") + 1:]
        parsed = parser.parse_args(args)
        assert parsed.command in ("grade-all", "merge"), shlex.join(command)
