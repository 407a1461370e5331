"""The class report (classroom/report.py) from results built here, no grading: the
summary's numbers, what changed between two runs, and the grades.csv rows and report.html
text an instructor reads."""
import csv
import html
import json
import re

from autograder.classroom import report
from autograder.classroom.export import Submission

# (number, name, tag, points)
TESTS = [("1.1", "forward values", "forward", 20), ("2.1", "loss values", "loss", 20),
         ("3.1", "backward values", "backward", 35), ("4.1", "sgd values", "sgd_step", 10),
         ("5.1", "training", "training", 15)]


def result(lost=(), hints=None, events=None, seed=1):
    """A results.json dict: full marks but the tests numbered in lost; hints and events:
    {number: [ids]} in those tests' extra_data."""
    tests = []
    for number, name, tag, points in TESTS:
        ok = number not in lost
        extra = {}
        if hints and number in hints:
            extra["hints"] = hints[number]
        if events and number in events:
            extra["events"] = events[number]
        tests.append({"name": name, "number": number, "tags": [tag], "score": float(points if ok else 0),
                      "max_score": float(points), "status": "passed" if ok else "failed",
                      "output": "" if ok else f"{name} is wrong", "extra_data": extra})
    return {"score": sum(t["score"] for t in tests), "tests": tests, "output": "",
            "extra_data": {"seed": seed, "language": "en"}}


def failure(cause="could not start its worker: no torch"):
    return {"score": 0.0, "tests": [], "output": "failed", "extra_data": {"seed": 5, "grader_error": cause}}


def person(name, sid):
    return {"name": name, "sid": sid, "email": f"{sid}@example.edu"}


def the_class():
    subs = [Submission("alice", submitters=[person("Alice", "1")]),
            Submission("group", submitters=[person("王小明", "2"), person("Bob", "3")]),
            Submission("carol", submitters=[person("Carol", "4")]),
            Submission("dan", submitters=[person("Dan", "5")]),
            Submission("broken", submitters=[person("Eve", "6")]),
            Submission("late", status="missing", detail="named in submission_metadata.yml, but no such folder"),
            Submission("pending")]
    results = {"alice": result(),
               "group": result(lost={"3.1", "5.1"}, hints={"3.1": ["grad_missing_mean"]}),
               "carol": result(lost={"2.1"}, hints={"2.1": ["loss_summed"], "5.1": []}, events={"2.1": ["timeout"]}),
               "dan": result(lost={"3.1"}, hints={"3.1": ["grad_missing_mean"]}, events={"3.1": ["crash"]}),
               "broken": failure()}
    return subs, results


def test_the_summary_counts_what_was_graded():
    subs, results = the_class()
    s = report.summarise(subs, results, "en")
    assert (s["total"], s["graded"]) == (7, 4)
    assert s["scores"] == [50.0, 65.0, 80.0, 100.0]   # sorted; the grader's failure is no score
    assert s["tests"]["3.1"] == {"name": "backward values", "passed": 2, "total": 4}
    assert s["tests"]["1.1"]["passed"] == 4 and list(s["tests"]) == ["1.1", "2.1", "3.1", "4.1", "5.1"]
    assert s["functions"]["backward"] == (35 * 2 / 4, 35.0) and s["functions"]["forward"] == (20.0, 20.0)
    assert s["mistakes"] == [("grad_missing_mean", ["dan", "group"]), ("loss_summed", ["carol"])]
    assert s["problems"] == {"broken": [("grader_error", "could not start its worker: no torch")],
                             "carol": [("timeout", "2.1")], "dan": [("crash", "3.1")],
                             "late": [("not_graded", ("missing", subs[5].detail))],
                             "pending": [("pending", "")]}
    everyone = {row["name"]: row for row in s["everyone"]}
    assert everyone["group"] == {"name": "group", "status": "graded", "who": "王小明, Bob", "score": "50"}
    assert everyone["broken"]["status"] == "grader failed" and everyone["broken"]["score"] == ""
    assert everyone["pending"]["status"] == "not graded yet" and everyone["late"]["status"] == "folder missing"


def test_changes_lists_each_changed_score_and_test():
    old = {"alice": result(), "carol": result(lost={"2.1", "4.1"}), "dan": result(lost={"3.1"}),
           "gone": result(), "broken": failure()}
    new = {"alice": result(), "carol": result(lost={"4.1"}), "dan": result(lost={"1.1"}),
           "broken": result()}
    assert report.changes(old, new) == [
        {"name": "carol", "old": 70.0, "new": 90.0, "tests": [("2.1", "loss values", 0.0, 20.0)]},
        {"name": "dan", "old": 65.0, "new": 80.0,
         "tests": [("1.1", "forward values", 20.0, 0.0), ("3.1", "backward values", 0.0, 35.0)]}]
    assert report.changes(new, new) == []
    # the same total with another test lost is a change too
    assert [c["name"] for c in report.changes({"x": result(lost={"1.1"})}, {"x": result(lost={"2.1"})})] == ["x"]


def written(tmp_path, changed=()):
    subs, results = the_class()
    (tmp_path / "results").mkdir()
    for name, data in results.items():
        (tmp_path / "results" / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    report.write_reports(subs, tmp_path, "en", changed)
    return tmp_path


def rows(out):
    raw = (out / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM: Excel would garble the Chinese names"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_grades_csv_has_a_row_per_submitter(tmp_path):
    got = rows(written(tmp_path))
    assert list(got[0]) == ["name", "sid", "email", "submission", "score", "max_score",
                            "1.1", "2.1", "3.1", "4.1", "5.1", "status", "seed"]
    table = [(r["name"], r["submission"], r["score"], r["max_score"], r["3.1"], r["status"]) for r in got]
    assert table == [("Alice", "alice", "100", "100", "35", "graded"),
                     ("王小明", "group", "50", "100", "0", "graded"),
                     ("Bob", "group", "50", "100", "0", "graded"),
                     ("Carol", "carol", "80", "100", "35", "graded"),
                     ("Dan", "dan", "65", "100", "0", "graded"),
                     ("Eve", "broken", "", "", "", "grader failed"),
                     ("", "late", "", "", "", "folder missing"),
                     ("", "pending", "", "", "", "not graded yet")]
    assert got[0]["sid"] == "1" and got[0]["email"] == "1@example.edu" and got[0]["seed"] == "1"
    assert got[5]["seed"] == "5"


def table(page, table_id):
    body = re.search(f"<table id='{table_id}'>(.*?)</table>", page, re.S).group(1)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()) for row in body.split("</tr>")[1:-1]]


def test_report_html_says_what_the_class_did(tmp_path):
    changed = report.changes({"carol": result(lost={"2.1", "4.1"})}, {"carol": result(lost={"2.1"})})
    page = (written(tmp_path, changed) / "report.html").read_text(encoding="utf-8")
    assert "4 of 7 submissions graded · mean 73.8 · median 72.5 · full marks 1" in page   # 50, 65, 80, 100
    assert table(page, "tests")[2] == "3.1 backward values 50% 2/4"
    assert "backward 50% 17.5/35" in table(page, "functions")
    mistakes = table(page, "mistakes")
    assert mistakes[0].startswith("backward: your gradients are exactly m = … times the expected ones")
    assert mistakes[0].endswith("(grad_missing_mean) 2 dan , group"), mistakes[0]
    problems = dict(row.split(" ", 1) for row in table(page, "problems"))
    assert problems == {"broken": "the grader failed (not the student's fault): could not start its worker: no torch",
                        "carol": "a call timed out in tests 2.1", "dan": "its worker crashed in tests 3.1",
                        "late": "not graded: folder missing (named in submission_metadata.yml, but no such folder)",
                        "pending": "not graded yet (interrupted run?)"}
    assert table(page, "changes") == ["carol 70 → 80 4.1 sgd values: 0 → 10"]
    assert 'href="feedback/group.html"' in page
    feedback = (tmp_path / "feedback" / "carol.html").read_text(encoding="utf-8")
    assert "total: 80/100" in feedback and "loss values is wrong" in feedback


def test_without_changes_the_report_says_none(tmp_path):
    page = (written(tmp_path) / "report.html").read_text(encoding="utf-8")
    assert "<table id='changes'>" not in page
    assert re.search(r"Changes since the last run</h2><p>none</p>", page)


def test_full_marks_and_the_histogram_come_from_the_assignments_total():
    """An assignment worth 30 points: 30 is full marks, and the bins are tenths of 30."""
    def worth_30(score):
        return {"score": score, "output": "", "extra_data": {"seed": 1},
                "tests": [{"name": "t", "number": "1.1", "tags": ["forward"], "score": score, "max_score": 30.0,
                           "status": "passed" if score == 30 else "failed", "output": ""}]}
    results = {"a": worth_30(30.0), "b": worth_30(29.0), "c": worth_30(15.0)}
    summary = report.summarise([], results, "en")
    assert (summary["most"], summary["full"]) == (30.0, 1)
    svg = report._svg_histogram(summary["scores"], summary["most"], "en")
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', svg)
    assert labels[-1] == "30" and "27–30" in labels and "15–18" in labels, labels
    assert "<title>27–30: 1 " in svg and "<title>30: 1 " in svg and "<title>15–18: 1 " in svg
