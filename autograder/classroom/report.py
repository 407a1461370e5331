"""What grade-all leaves for the instructor, rebuilt from every results/<name>.json:

- grades.csv: one row per submitter (a group's members each get a row). UTF-8 with a
  byte-order mark, because that is how Excel knows a CSV is UTF-8 (without it, Chinese
  names come out garbled); every other spreadsheet reads the mark as UTF-8 too.
- report.html: one self-contained page (inline SVG and CSS, nothing fetched) in the
  language of config.toml: the score distribution, each test's pass rate, the score by
  function, the classic mistakes the grader recognised and who made them, and the
  submissions that timed out, crashed their worker, or could not be graded.
"""
from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import os
import re
import statistics
import string
import tempfile
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..assignment import current
from ..common import messages
from ..common.messages import say
from ..grading.results import number_key
from .export import GRADED_STATUSES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from .export import Submission

    Results = Mapping[str, dict[str, Any]]   # a results.json dict by submission name

STYLE = ("<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
         "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;"
         "padding:.25em .6em;text-align:left;vertical-align:top}.bar{display:inline-block;width:12em;"
         "height:.8em;background:#eee;margin-right:.5em}.bar div{height:100%;background:#4a7ab5}"
         "small{color:#555}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}"
         ".failed{color:#a00}.passed{color:#070}</style>")


def replace_file(path: Path | str, data: bytes) -> None:
    """Write bytes to path through a temporary file and a rename: a kill at any moment
    leaves the old file or the new one, never part of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_results(subs: Iterable[Submission], out_dir: Path | str) -> dict[str, dict[str, Any]]:
    results = {}
    for sub in subs:
        path = Path(out_dir) / "results" / f"{sub.name}.json"
        try:
            results[sub.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    return results


def _number_key(number):
    return number_key(number), str(number)   # then by name: a set's order is not fixed


def test_numbers(results: Results) -> list[str]:
    numbers = {t.get("number", t["name"]) for data in results.values() for t in data["tests"]}
    return sorted(numbers, key=_number_key)


def _status_text(status, lang):
    """export.Submission.status in words (export.STATUSES: each has a status_ message)."""
    key = "status_" + status
    return say(key, lang) if key in messages.MESSAGES else status


def status_of(sub: Submission, data: dict[str, Any] | None, lang: str) -> str:
    """The status column: what export.py found, then what the grading did."""
    if sub.status != "ok":
        return _status_text(sub.status, lang)
    if data is None:
        return say("status_pending", lang)
    if data["extra_data"].get("grader_error"):
        return say("status_grader_failed", lang)
    return say("status_ok_detail", lang, detail=sub.detail) if sub.detail else say("status_ok", lang)


def write_csv(subs: Iterable[Submission], results: Results, path: Path | str, lang: str) -> None:
    numbers = test_numbers(results)
    with io.StringIO(newline="") as f:
        out = csv.writer(f)
        out.writerow(["name", "sid", "email", "submission", "score", "max_score", *numbers, "status", "seed"])
        for sub in subs:
            data = results.get(sub.name)
            graded = data is not None and not data["extra_data"].get("grader_error")
            by_number = {t.get("number", t["name"]): t["score"] for t in data["tests"]} if graded else {}
            score = f'{data["score"]:g}' if graded else ""
            top = f'{sum(t["max_score"] for t in data["tests"]):g}' if graded else ""
            seed = data["extra_data"].get("seed", "") if data else ""
            for person in sub.submitters or [{"name": "", "sid": "", "email": ""}]:
                out.writerow([person["name"], person["sid"], person["email"], sub.name, score, top,
                              *(f"{by_number[n]:g}" if n in by_number else "" for n in numbers),
                              status_of(sub, data, lang), seed])
        replace_file(path, f.getvalue().encode("utf-8-sig"))


def _svg_histogram(scores, most, lang):
    """Scores in ten bins of a tenth of the full marks (most), and full marks alone in an
    eleventh, as an inline SVG."""
    bins = [0] * 11
    for s in scores:
        bins[10 if s >= most else min(9, int(10 * s / most))] += 1
    top = max(bins) or 1
    width, height, bar = 560, 200, 44
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img">']
    for i, count in enumerate(bins):
        h = count / top * height
        x = 10 + i * (bar + 6)
        label = f"{most:g}" if i == 10 else f"{i * most / 10:g}–{(i + 1) * most / 10:g}"
        parts.append(f'<rect x="{x}" y="{height - h + 10:.1f}" width="{bar}" height="{h:.1f}" fill="#4a7ab5">'
                     f'<title>{label}: {count} {say("report_submissions", lang)}</title></rect>')
        if count:
            parts.append(f'<text x="{x + bar / 2}" y="{height - h + 6:.1f}" font-size="11" '
                         f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x + bar / 2}" y="{height + 26}" font-size="10" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _bar(fraction):
    return (f'<div class="bar"><div style="width:{100 * fraction:.1f}%"></div></div>'
            f'<span>{100 * fraction:.0f}%</span>')


def summarise(subs: Sequence[Submission], results: Results, lang: str) -> dict[str, Any]:
    """The report's numbers and the words of its status column, for the page."""
    graded = {n: d for n, d in results.items() if not d["extra_data"].get("grader_error")}
    scores = sorted(d["score"] for d in graded.values())
    tests = {}
    for data in graded.values():
        for t in data["tests"]:
            key = t.get("number", t["name"])
            row = tests.setdefault(key, {"name": t["name"], "passed": 0, "total": 0})
            row["passed"] += t.get("status") == "passed"
            row["total"] += 1
    functions = {}   # by tag, in the order the tests come
    for f in dict.fromkeys(tag for d in graded.values() for t in d["tests"] for tag in t.get("tags", [])):
        got = [sum(t["score"] for t in d["tests"] if f in t.get("tags", [])) for d in graded.values()]
        top = [sum(t["max_score"] for t in d["tests"] if f in t.get("tags", [])) for d in graded.values()]
        if top and max(top):
            functions[f] = (sum(got) / len(got), max(top))
    mistakes = defaultdict(set)
    problems = defaultdict(list)
    for name, data in results.items():
        if data["extra_data"].get("grader_error"):
            problems[name].append(("grader_error", data["extra_data"]["grader_error"].splitlines()[0][:200]))
            continue
        events = defaultdict(list)
        for t in data["tests"]:
            for hint in t.get("extra_data", {}).get("hints", []):
                mistakes[hint].add(name)
            for event in t.get("extra_data", {}).get("events", []):
                events[event].append(t.get("number", t["name"]))
        for event, numbers in sorted(events.items()):
            problems[name].append((event, ", ".join(numbers)))
    for sub in subs:
        if sub.status not in GRADED_STATUSES:
            problems[sub.name].append(("not_graded", (sub.status, sub.detail)))
        elif sub.name not in results:
            problems[sub.name].append(("pending", ""))
    everyone = []
    for sub in subs:
        data = results.get(sub.name)
        scored = data is not None and not data["extra_data"].get("grader_error")
        everyone.append({"name": sub.name, "status": status_of(sub, data, lang),
                         "who": ", ".join(p["name"] for p in sub.submitters),
                         "score": f'{data["score"]:g}' if scored else ""})
    ranked = sorted(mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    most = {n: sum(t["max_score"] for t in d["tests"]) for n, d in graded.items()}
    return {"total": len(subs), "graded": len(graded), "scores": scores,
            "most": max(most.values(), default=0) or 100,   # the assignment's full marks
            "full": sum(1 for n, d in graded.items() if d["tests"] and d["score"] >= most[n]),
            "tests": dict(sorted(tests.items(), key=lambda kv: _number_key(kv[0]))),
            "functions": functions, "mistakes": [(h, sorted(n)) for h, n in ranked],
            "problems": dict(sorted(problems.items())), "everyone": everyone, "changes": []}


def _hint_text(hint, lang):
    """A hint's words with its fields (m, w, a name) left as …: it stands for every
    submission that got it."""
    template = messages.MESSAGES["hint_" + hint][lang]
    return "".join(literal + ("…" if field is not None else "")
                   for literal, field, _, _ in string.Formatter().parse(template))


def _table(name, headers, lang):
    """A table's opening and its header row: headers are message keys (None: an empty cell)."""
    cells = "".join(f"<th>{say(key, lang) if key else ''}</th>" for key in headers)
    return f"<table id='{name}'><tr>{cells}</tr>"


def write_html(summary: dict[str, Any], path: Path | str, lang: str) -> None:
    e = html.escape
    scores = summary["scores"]
    median = statistics.median(scores) if scores else 0
    mean = statistics.fmean(scores) if scores else 0
    said = say("report_summary", lang, graded=summary["graded"], total=summary["total"], mean=mean, median=median,
               full=summary["full"])
    title = say("report_title", lang, title=current().title(lang))
    out = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>',
           STYLE, "</head><body>",
           f"<h1>{title}</h1>",
           f'<p id="summary">{e(said)}</p>',
           f"<h2>{say('report_histogram', lang)}</h2>", _svg_histogram(scores, summary["most"], lang),
           f"<h2>{say('report_tests', lang)}</h2>", _table("tests", ("report_test", None, "report_passed"), lang)]
    for number, row in summary["tests"].items():
        out.append(f"<tr><td>{e(str(number))}</td><td>{e(row['name'])}</td><td>{_bar(row['passed'] / row['total'])} "
                   f"<small>{row['passed']}/{row['total']}</small></td></tr>")
    out.append(f"</table><h2>{say('report_functions', lang)}</h2>"
               + _table("functions", ("report_function", "report_points"), lang))
    for f, (got, top) in summary["functions"].items():
        out.append(f"<tr><td>{f}</td><td>{_bar(got / top)} <small>{got:.1f}/{top:g}</small></td></tr>")
    out.append(f"</table><h2>{say('report_mistakes', lang)}</h2>")
    if summary["mistakes"]:
        out.append(_table("mistakes", ("report_mistake", "report_count", "report_who"), lang))
        for hint, names in summary["mistakes"]:
            out.append(f"<tr><td>{e(_hint_text(hint, lang))} <small>({e(hint)})</small></td><td>{len(names)}</td>"
                       f"<td>{', '.join(map(_link, names))}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{say('report_none', lang)}</p>")
    out.append(f"<h2>{say('report_problems', lang)}</h2>")
    if summary["problems"]:
        out.append(_table("problems", ("report_submission", "report_what"), lang))
        for name, items in summary["problems"].items():
            said = []
            for kind, detail in items:
                if kind in ("timeout", "crash", "out_of_time"):
                    said.append(say("report_" + kind, lang, tests=detail))
                elif kind == "grader_error":
                    said.append(say("report_" + kind, lang, detail=detail))
                elif kind == "not_graded":
                    said.append(say("report_" + kind, lang, status=_status_text(detail[0], lang), detail=detail[1]))
                else:
                    said.append(say("report_pending", lang))
            out.append(f"<tr><td>{_link(name)}</td><td>{e('; '.join(said))}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{say('report_none', lang)}</p>")
    out.append(f"<h2>{say('report_changes', lang)}</h2>")
    if summary["changes"]:
        out.append(_table("changes", ("report_submission", "report_old_new", "report_changed_tests"), lang))
        for change in summary["changes"]:
            tests = "<br>".join(e(f"{n} {name}: {old:g} → {new:g}") for n, name, old, new in change["tests"])
            out.append(f"<tr><td>{_link(change['name'])}</td><td>{change['old']:g} → {change['new']:g}</td>"
                       f"<td>{tests}</td></tr>")
        out.append("</table>")
    else:
        out.append(f"<p>{say('report_none', lang)}</p>")
    out.append(f"<h2>{say('report_everyone', lang)}</h2>" + _table(
        "everyone", ("report_submission", "report_who_submitted", "report_score", "report_status"), lang))
    for row in summary["everyone"]:
        out.append(f"<tr><td>{_link(row['name'])}</td><td>{e(row['who'])}</td>"
                   f"<td>{e(row['score'])}</td><td>{e(row['status'])}</td></tr>")
    out.append("</table></body></html>\n")
    replace_file(path, "".join(out).encode("utf-8"))


def feedback_path(name: str) -> str:
    """Where a submission's feedback page is, relative to DIR."""
    return f"feedback/{name}.html"


def _link(name):
    return f'<a href="{html.escape(urllib.parse.quote(feedback_path(name)))}">{html.escape(name)}</a>'


def _markdown(text):
    """What Gradescope shows of a test's output (markdown): fenced blocks as code, the
    rest as text with its line breaks; nothing is interpreted as HTML."""
    parts, code = [], False
    for chunk in re.split(r"^(`{3,})[^\n]*\n?", text or "", flags=re.M):
        if re.fullmatch(r"`{3,}", chunk or ""):
            code = not code
            continue
        if chunk.strip():
            tag = "pre" if code else 'p style="white-space:pre-wrap"'
            parts.append(f"<{tag}>{html.escape(chunk.strip(chr(10)))}</{tag.split()[0]}>")
    return "".join(parts)


def write_feedback(sub: Submission, data: dict[str, Any] | None, path: Path | str, lang: str) -> None:
    """One submission's page: every test with its score and what the student read, as
    Gradescope shows them; self-contained like the report."""
    e = html.escape
    title = say("report_feedback_title", lang, name=sub.name)
    out = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)}</title>', STYLE,
           f'</head><body><p><a href="../report.html">{say("report_back", lang)}</a></p><h1>{e(title)}</h1>']
    who = ", ".join(f'{p["name"]} ({p["sid"]})' if p.get("sid") else p["name"] for p in sub.submitters)
    if who:
        out.append(f"<p>{say('report_who_submitted', lang)}: {e(who)}</p>")
    if data is None:
        out.append(f"<p>{say('report_not_yet', lang)}</p>")
    else:
        top = sum(t["max_score"] for t in data["tests"])
        out.append(f'<p id="total"><b>{say("report_total", lang)}: {data["score"]:g}/{top:g}</b></p>')
        out.append(_markdown(data.get("output", "")))
        for t in data["tests"]:
            hidden = f' <small>({say("report_hidden", lang)})</small>' if t.get("visibility") == "hidden" else ""
            out.append(f'<h3 class="{e(t.get("status", ""))}">{e(str(t.get("number", "")))} {e(t["name"])} · '
                       f'{t["score"]:g}/{t["max_score"]:g}{hidden}</h3>{_markdown(t.get("output", ""))}')
    out.append("</body></html>\n")
    replace_file(path, "".join(out).encode("utf-8"))


def changes(old: Results, new: Results) -> list[dict[str, Any]]:
    """How a regrade changed each submission's grade: [{"name", "old", "new", "tests":
    [(number, test name, old score, new score)]}] for those whose score or any test's
    score changed. old, new: {name: results dict}; grader errors are left out."""
    found = []
    for name, before in old.items():
        after = new.get(name)
        if not after or before["extra_data"].get("grader_error") or after["extra_data"].get("grader_error"):
            continue
        was = {t.get("number", t["name"]): t["score"] for t in before["tests"]}
        tests = [(t.get("number", t["name"]), t["name"], was.get(t.get("number", t["name"]), 0.0), t["score"])
                 for t in after["tests"] if was.get(t.get("number", t["name"])) != t["score"]]
        if tests or before["score"] != after["score"]:
            found.append({"name": name, "old": before["score"], "new": after["score"], "tests": tests})
    return found


def write_reports(subs: Sequence[Submission], out_dir: Path | str, lang: str,
                  changed: Iterable[dict[str, Any]] = ()) -> dict[str, dict[str, Any]]:
    """Write grades.csv, report.html and feedback/<name>.html from every result in
    out_dir; changed: what this run's regrades changed (changes()). Returns the results."""
    results = load_results(subs, out_dir)
    write_csv(subs, results, Path(out_dir) / "grades.csv", lang)
    (Path(out_dir) / "feedback").mkdir(exist_ok=True)
    for sub in subs:
        write_feedback(sub, results.get(sub.name), Path(out_dir) / feedback_path(sub.name), lang)
    summary = summarise(subs, results, lang)
    order = {sub.name: i for i, sub in enumerate(subs)}
    summary["changes"] = sorted(changed, key=lambda c: order.get(c["name"], len(order)))
    write_html(summary, Path(out_dir) / "report.html", lang)
    return results
