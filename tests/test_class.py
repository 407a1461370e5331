"""Grading a class: a Gradescope export in (zip or folder, with a group submission and
every kind of bad input), grades.csv, results and report.html out; seeds kept; reruns
regrade only what changed; the source is never modified."""
import csv
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SUBMISSIONS, lost, outputs, reference, starter

from autograder.classroom import export
from autograder.classroom.batch import submission_seed
from autograder.common.messages import say

BIG = 50 << 20   # a 50 MB mlp.py

# folder -> (submitters, files {relative path: source file or bytes}); None: folder missing
CLASS = {
    "submission_1": ([("Alice Zhang", "1001")], {"mlp.py": reference()}),
    "submission_2": ([("王小明", "1002"), ("Bob Li", "1003")],   # a group, its file one folder down
                     {"code/mlp.py": SUBMISSIONS / "buggy" / "grad_no_divide_by_m.py"}),
    "submission_3": ([("Carol", "1004")], {"mlp.py": SUBMISSIONS / "buggy" / "loss_sum_not_mean.py"}),
    "submission_4": ([("Dan", "1005")], {"mlp.py": SUBMISSIONS / "hostile" / "crash_segfault.py"}),
    "submission_5": ([("Eve", "1006")], {"README.md": b"no code here\n"}),
    "submission_6": ([("Finn", "1007")], {"mlp.py": reference(),
                                           "old/mlp.py": starter()}),
    "submission_7": ([("Grace", "1008")], None),
    "submission_9": ([("Hui", "1010")], {"mlp.py": b"#" * BIG}),
    "submission_10": ([("Ivan", "1011")], {"mlp.py": b"# caf\xe9 (latin-1)\n" + (reference()).read_bytes()}),
}
NOT_IN_METADATA = "submission 8 (copy) 学生"   # odd, non-ASCII, and unknown to the metadata
EXPECTED = {   # submission -> (score, status)
    "submission_1": ("100", "graded"), "submission_2": (None, "graded"), "submission_3": (None, "graded"),
    "submission_4": (None, "graded"), "submission_5": ("0", "no mlp.py"), "submission_6": ("0", "several mlp.py"),
    "submission_7": ("", "folder missing"), NOT_IN_METADATA: ("100", "graded (not in submission_metadata.yml)"),
    "submission_9": ("", "file too large"), "submission_10": ("100", "graded (not UTF-8: graded as it is)"),   # Python reads it: a comment
}


def metadata():
    lines = []
    for folder, (people, _) in CLASS.items():
        lines.append(f"{folder}:\n  :submitters:")
        for name, sid in people:
            lines.append(f"  - :name: {name}\n    :sid: '{sid}'\n    :email: {sid}@example.edu")
        lines.append("  :created_at: 2026-11-01 10:00:00.000000000 -07:00\n  :score: 12.0")
    return "\n".join(lines) + "\n"


def build_export(root):
    top = root / "assignment_42_export"   # Gradescope puts everything in one top folder
    top.mkdir(parents=True)
    (top / "submission_metadata.yml").write_text(metadata(), encoding="utf-8")
    for folder, (_, files) in list(CLASS.items()) + [(NOT_IN_METADATA, (None, {"mlp.py": reference()}))]:
        if files is None:
            continue
        for rel, content in files.items():
            path = top / folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return root


def tree_digest(folder):
    h = hashlib.sha256()
    for p in sorted(Path(folder).rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def grade_class(source, out, *extra):
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade-all", str(source), "--out", str(out),
                           "--jobs", "2", *extra], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={"PATH": "/usr/bin:/bin", "AUTOGRADER_LANGUAGE": "en"})
    return proc


def rows(out):
    raw = (Path(out) / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")   # UTF-8 with a BOM: Excel shows the Chinese names
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return build_export(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def first_run(exported, tmp_path_factory):
    out = tmp_path_factory.mktemp("class")
    before = tree_digest(exported)
    proc = grade_class(exported, out, "--seed", "77")
    assert tree_digest(exported) == before, "the source was modified"
    return out, proc


def test_every_submitter_gets_a_row_with_a_clear_status(first_run):
    out, proc = first_run
    assert proc.returncode == 0, proc.stderr
    got = rows(out)
    assert {r["submission"] for r in got} == set(EXPECTED)
    by_sub = {}
    for r in got:
        by_sub.setdefault(r["submission"], []).append(r)
    assert [r["name"] for r in by_sub["submission_2"]] == ["王小明", "Bob Li"]   # one row per member
    assert by_sub["submission_2"][0]["score"] == by_sub["submission_2"][1]["score"]
    for sub, (score, status) in EXPECTED.items():
        row = by_sub[sub][0]
        assert row["status"] == status, (sub, row)
        if score is not None:
            assert row["score"] == score, (sub, row)
    assert by_sub["submission_1"][0]["sid"] == "1001" and by_sub["submission_1"][0]["email"] == "1001@example.edu"
    assert by_sub["submission_1"][0]["3.2"] == "8" and by_sub["submission_2"][0]["3.2"] == "0"
    assert 0 < float(by_sub["submission_3"][0]["score"]) < 100
    for skipped in ("submission_7", "submission_9"):
        assert f"skipped {skipped}" in proc.stderr
    assert "\r" not in proc.stderr   # no progress bar when stderr is not a terminal


def test_a_student_with_two_mlp_files_reads_which_two(first_run):
    """submission_6 holds mlp.py and old/mlp.py: in a batch as alone, its student reads
    that there are several, and where (not that there is none)."""
    out, _ = first_run
    data = json.loads((out / "results" / "submission_6.json").read_text())
    said = outputs(data)
    assert say("several_files", "en", paths="mlp.py, old/mlp.py") in said, lost(data)
    assert say("no_file", "en") not in said, lost(data)


def test_seeds_come_from_the_run_seed_and_the_name(first_run):
    out, _ = first_run
    assert json.loads((out / "run.json").read_text())["seed"] == 77
    for r in rows(out):
        if r["seed"]:
            assert int(r["seed"]) == submission_seed(77, r["submission"]), r
    data = json.loads((out / "results" / "submission_1.json").read_text())
    assert data["extra_data"]["seed"] == submission_seed(77, "submission_1") and data["score"] == 100


def report_text(out):
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    return page


def table(page, table_id):
    body = re.search(f"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>")[1:-1]]


def test_report_shows_where_the_class_went_wrong(first_run):
    out, _ = first_run
    page = report_text(out)
    # 8 graded (no mlp.py and several mlp.py are graded 0 as Gradescope would), 10 in all
    assert "8 of 10 submissions graded" in page
    assert "full marks 3" in page   # submission_1, _10 and the one missing from the metadata
    mistakes = table(page, "mistakes")
    assert any("grad_missing_mean" in r and " 1 submission_2" in r for r in mistakes), mistakes
    assert any("loss_summed" in r and "submission_3" in r for r in mistakes), mistakes
    functions = dict(r.split(" ", 1) for r in table(page, "functions"))
    assert functions["backward"].endswith("/35") and functions["training"].endswith("/15")
    problems = " | ".join(table(page, "problems"))
    assert "submission_4 its worker crashed in tests 3." in problems
    assert "submission_7 not graded: folder missing" in problems and "submission_9 not graded: file too large" in problems
    tests = {r.split(" ", 1)[0]: r for r in table(page, "tests")}
    assert tests["0.1"].endswith("6/8")   # the two without exactly one mlp.py fail the import check
    assert page.count("<rect") == 11   # the histogram's bins, inline


def test_each_student_feedback_is_one_click_away(first_run):
    """Every name in the report's tables links to a page of what that student read:
    each test, its score and its message, as Gradescope shows them; offline too."""
    out, _ = first_run
    page = report_text(out)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)
    assert {name for _, name in links} == set(EXPECTED)
    for href, name in links:
        assert urllib.parse.unquote(href) == f"feedback/{name}.html"
        assert (out / "feedback" / f"{name}.html").is_file(), name
    mistakes = re.search("<table id='mistakes'>(.*?)</table>", page, re.S).group(1)
    assert 'href="feedback/submission_2.html"' in mistakes
    everyone = {r.split(" ", 1)[0]: r for r in table(page, "everyone")}
    assert everyone["submission_2"] == f"submission_2 王小明, Bob Li {rows(out)[1]['score']} graded"
    group = (out / "feedback" / "submission_2.html").read_text(encoding="utf-8")
    assert "<script" not in group and "http" not in group and 'href="../report.html"' in group
    text = re.sub(r"<[^>]+>", " ", group)
    data = json.loads((out / "results" / "submission_2.json").read_text())
    assert f"total: {data['score']:g}/100" in text and "王小明 (1002), Bob Li (1003)" in text
    for t in data["tests"]:   # every test, its score, and what the student read
        assert f"{t['number']} {html.escape(t['name'])} · {t['score']:g}/{t['max_score']:g}" in text, t["name"]
        for line in t.get("output", "").splitlines():
            if line.strip() and not line.startswith("```"):
                assert html.escape(line.strip()) in group, line
    assert "1/m" in text   # the hint of its mistake
    missing = (out / "feedback" / "submission_7.html").read_text(encoding="utf-8")
    assert "This submission has no result yet." in missing


def test_the_zip_gives_the_same_grades(exported, first_run, tmp_path):
    out, _ = first_run
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(exported.rglob("*")):
            z.write(p, p.relative_to(exported))
        z.writestr("../escaped.py", "print('outside')\n")   # would land outside DIR
    proc = grade_class(archive, tmp_path / "out", "--seed", "77")
    assert proc.returncode == 0, proc.stderr
    assert "skipped zip member '../escaped.py'" in proc.stderr
    assert not (tmp_path / "escaped.py").exists() and not (tmp_path / "out" / "escaped.py").exists()
    strip = lambda rs: [{k: v for k, v in r.items()} for r in rs]  # noqa: E731
    assert strip(rows(tmp_path / "out")) == strip(rows(out))


def test_rerun_regrades_only_what_changed(exported, tmp_path):
    source = tmp_path / "export"
    shutil.copytree(exported, source)
    out = tmp_path / "out"
    assert grade_class(source, out, "--seed", "5").returncode == 0
    again = grade_class(source, out)   # the seed is kept in DIR
    assert "0 to grade, 8 unchanged" in again.stderr, again.stderr
    fixed = source / "assignment_42_export" / "submission_3" / "mlp.py"
    fixed.write_bytes((reference()).read_bytes())
    before = {r["submission"]: r["score"] for r in rows(out)}["submission_3"]
    third = grade_class(source, out)
    assert "1 to grade, 7 unchanged" in third.stderr, third.stderr
    assert {r["submission"]: r["score"] for r in rows(out)}["submission_3"] == "100"
    # what changed since the last run: in the command's output and in the report
    assert f"submission_3: {before} → 100 (tests 2.2: 0 → 5" in third.stderr, third.stderr
    changes = table(report_text(out), "changes")
    assert len(changes) == 1 and changes[0].startswith(f"submission_3 {before} → 100 2.2 bce_loss"), changes
    assert len(rows(out)) == 11   # the current grades only: one row per submitter (a group of two)
    forced = grade_class(source, out, "--force")
    assert "8 to grade, 0 unchanged" in forced.stderr, forced.stderr
    assert "grades changed" not in forced.stderr and "<table id='changes'>" not in report_text(out)


def test_a_corrupt_zip_is_refused_clearly(tmp_path):
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    proc = grade_class(bad, tmp_path / "out")
    assert proc.returncode == 1 and "not a readable zip file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ctrl_c_keeps_what_was_graded(tmp_path):
    """Ctrl-C (SIGINT to the whole process group): the jobs stop without writing a grade
    cut short, the report covers what was graded, and a rerun grades only the rest. A
    second run into the same DIR meanwhile is refused."""
    import os
    import signal
    import time

    source = tmp_path / "class"
    source.mkdir()
    for i in range(24):
        shutil.copy(reference(), source / f"s{i:02d}.py")
    out = tmp_path / "out"
    start = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "   # as in a terminal
             "os.execv(sys.executable, [sys.executable] + sys.argv[1:])")
    proc = subprocess.Popen([sys.executable, "-c", start, "-m", "autograder", "grade-all", str(source),
                             "--out", str(out), "--jobs", "2", "--seed", "3"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={"PATH": "/usr/bin:/bin", "AUTOGRADER_LANGUAGE": "en"})   # as grade_class
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 3:
        time.sleep(0.1)
    second = grade_class(source, out)
    assert second.returncode == 1 and "another grade-all is writing to" in second.stderr
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    done = list((out / "results").glob("*.json"))
    assert 3 <= len(done) < 24
    for path in done:   # every result written is a whole grade
        assert json.loads(path.read_text())["score"] == 100
    assert len(rows(out)) == 24 and sum(r["score"] == "100" for r in rows(out)) == len(done)
    rest = grade_class(source, out)
    assert f"{24 - len(done)} to grade, {len(done)} unchanged" in rest.stderr, rest.stderr


# -- parts of a class: --shard K/N and merge --------------------------------------
def test_the_partition_depends_only_on_the_name():
    """A digest of the name (never Python's hash(), which changes from one process to the
    next): the same part in every process, on every machine; every name in one part."""
    from autograder.classroom.batch import shard_of

    assert [shard_of(n, 3) for n in ("submission_1", "submission_2", "王小明")] == [
        int.from_bytes(hashlib.sha256(n.encode()).digest()[:8], "big") % 3 for n in ("submission_1", "submission_2", "王小明")]
    code = "from autograder.classroom.batch import shard_of; print([shard_of(f's{i}', 5) for i in range(50)])"
    runs = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(runs) == 1
    parts = json.loads(runs.pop())
    assert sorted(set(parts)) == [0, 1, 2, 3, 4] and max(parts.count(k) for k in range(5)) < 20


def test_shard_auto_reads_the_scheduler():
    from autograder.classroom.batch import parse_shard

    assert parse_shard("2/3") == (2, 3)
    slurm = {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"}
    assert parse_shard("auto", slurm) == (1, 3)   # an array 4-6 is parts 0 to 2
    assert parse_shard("auto", {"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETION_COUNT": "4"}) == (0, 4)
    assert parse_shard("auto", {"JOB_COMPLETION_INDEX": "3"}, count=4) == (3, 4)
    for text, env, why in [("3/3", {}, "K must be from 0 to 2"), ("1", {}, "expected K/N"),
                           ("auto", {}, "neither SLURM_ARRAY_TASK_ID"),
                           ("auto", {"JOB_COMPLETION_INDEX": "1"}, "the number of parts is unknown")]:
        with pytest.raises(export.SourceError, match=why):
            parse_shard(text, env)


def merge_class(*dirs, out):
    return subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, dirs), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "AUTOGRADER_LANGUAGE": "en"})


def essence(data):
    return {k: v for k, v in data.items() if k != "execution_time"}


def test_three_parts_merge_to_one_run(exported, first_run, tmp_path):
    """The class in 3 parts, graded at once as separate processes (parts 0 and 1 share a
    folder, part 2 has its own), then merged: grades.csv and report.html are byte for
    byte those of one run with the same seed, and so is every result but its timing."""
    one, _ = first_run
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    procs = [subprocess.Popen([sys.executable, "-m", "autograder", "grade-all", str(exported), "--out", str(out),
                               "--jobs", "1", "--seed", "77", "--shard", f"{k}/3"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin", "AUTOGRADER_LANGUAGE": "en"})
             for k, out in enumerate([shared, shared, alone])]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert "run merge" in out
    assert not (shared / "grades.csv").exists()   # the merge writes it
    early = merge_class(shared, out=tmp_path / "early")
    assert early.returncode == 1 and "part 2 of 3 (0 to 2) is missing" in early.stderr, early.stderr
    merged = tmp_path / "merged"
    proc = merge_class(shared, alone, out=merged)
    assert proc.returncode == 0, proc.stderr
    assert (merged / "grades.csv").read_bytes() == (one / "grades.csv").read_bytes()
    assert (merged / "report.html").read_bytes() == (one / "report.html").read_bytes()
    pages = sorted(p.name for p in (one / "feedback").iterdir())
    assert len(pages) == 10 and sorted(p.name for p in (merged / "feedback").iterdir()) == pages
    for name in pages:
        assert (merged / "feedback" / name).read_bytes() == (one / "feedback" / name).read_bytes(), name
    names = sorted(p.name for p in (one / "results").glob("*.json"))
    assert sorted(p.name for p in (merged / "results").glob("*.json")) == names
    for name in names:
        assert essence(json.loads((merged / "results" / name).read_text())) == \
            essence(json.loads((one / "results" / name).read_text())), name
    # merged into a folder a part wrote to: the same files
    assert merge_class(shared, alone, out=alone).returncode == 0
    assert (alone / "grades.csv").read_bytes() == (one / "grades.csv").read_bytes()


def test_a_part_needs_the_seed(exported, tmp_path):
    proc = grade_class(exported, tmp_path / "out", "--shard", "0/2")
    assert proc.returncode == 1 and "--shard needs --seed" in proc.stderr, proc.stderr


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.skipif(chromium() is None, reason="no Chromium here (apt-get install chromium) to open the report in")
def test_the_report_opens_offline_in_a_browser(first_run, tmp_path):
    """Headless Chromium, without a network where one can be taken away (unshare --net),
    opens report.html and a feedback page: the page it renders shows the class's numbers,
    and its screenshot is a picture, not an empty page."""
    out, _ = first_run
    offline = ["unshare", "--net"] if shutil.which("unshare") and subprocess.run(
        ["unshare", "--net", "true"], capture_output=True).returncode == 0 else []

    def browse(page, *what):
        return subprocess.run([*offline, chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
                               "--window-size=1000,3000", *what, page.as_uri()],
                              capture_output=True, text=True, timeout=120)

    dom = browse(out / "report.html", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom.stdout))
    assert "8 of 10 submissions graded" in text and "full marks 3" in text, text[:2000]
    assert "submission_4 its worker crashed in tests 3." in text
    shot = tmp_path / "report.png"
    proc = browse(out / "report.html", f"--screenshot={shot}")
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", proc.stderr[-2000:]
    assert shot.stat().st_size > 20_000   # bars, a histogram and tables, not a blank page
    page = browse(out / "feedback" / "submission_1.html", "--dump-dom")
    assert "total: 100/100" in re.sub(r"<[^>]+>", " ", page.stdout)


def test_a_chinese_report_has_no_english_status(tmp_path, monkeypatch):
    """The report's words, its status column and export's details included, come from
    messages.py in the configured language (here zh, written from made-up results)."""
    from autograder.classroom import report
    from autograder.common import messages

    monkeypatch.setattr(messages, "_language", "zh")   # as grade-all sets it from config.toml
    src = tmp_path / "src"
    for rel in ("ok/mlp.py", "two/mlp.py", "two/old/mlp.py", "late/mlp.py"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("")
    (src / "none").mkdir()
    subs = export.read_source(src, tmp_path / "unused")
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    test = {"number": "1.1", "name": "forward", "score": 5.0, "max_score": 5.0, "status": "passed",
            "tags": ["forward"]}
    for name in ("ok", "two", "none"):
        data = {"score": 5.0 if name == "ok" else 0.0, "extra_data": {"seed": 1},
                "tests": [test if name == "ok" else {**test, "score": 0.0, "status": "failed"}]}
        (out / "results" / f"{name}.json").write_text(json.dumps(data))
    report.write_reports(subs, out, "zh")
    page = report_text(out)
    everyone = {r.split(" ", 1)[0]: r for r in table(page, "everyone")}
    assert everyone == {"late": "late 尚未评分", "none": "none 0 没有 mlp.py", "ok": "ok 5 已评分",
                        "two": "two 0 有多个 mlp.py"}, everyone
    assert "two 未评分" not in page and "graded" not in page and "several" not in page
    assert [r["status"] for r in rows(out)] == ["尚未评分", "没有 mlp.py", "已评分", "有多个 mlp.py"]
