"""Command line: `autograder` (or python -m autograder) grade|grade-all|merge|gradescope|build|fixtures|audit|new."""
import argparse
import functools
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import assignment

GRADER_FAILED = 2   # exit status when the grader (not the submission) failed


def build_parser() -> argparse.ArgumentParser:
    """The command line's every command and option."""
    parser = argparse.ArgumentParser(prog="python -m autograder")
    # Every command takes the assignment (a folder under assignments/; autograder/assignment.py).
    which = argparse.ArgumentParser(add_help=False)
    which.add_argument("--assignment", metavar="NAME",
                       help="the assignment, a folder under assignments/ (default: AUTOGRADER_ASSIGNMENT, "
                            "else the only one present, else config.toml's)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser = functools.partial(sub.add_parser, parents=[which])
    g = sub.add_parser("grade", help="grade a submission (the file students submit, or a folder holding it)")
    g.add_argument("path")
    g.add_argument("--out", default="results.json", help="where to write results.json")
    g.add_argument("--seed", type=int, help="reuse the seed of an earlier run (see results.json)")
    ga = sub.add_parser("grade-all", help="grade a class: a Gradescope export (zip or folder) or a folder "
                                          "of student folders and .py files")
    ga.add_argument("source")
    ga.add_argument("--out", required=True, help="folder for results/, grades.csv and report.html")
    ga.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    ga.add_argument("--seed", type=int, help="the run's seed (kept in OUT/run.json); each submission's "
                                             "seed is derived from it and its name")
    ga.add_argument("--force", action="store_true", help="regrade everything, changed or not")
    ga.add_argument("--shard", help="grade only part K of N (K from 0 to N-1), by a digest of each name; "
                                    "auto: from a Slurm array or a Kubernetes Indexed Job. Then run merge")
    ga.add_argument("--shard-count", type=int, help="with --shard auto: the number of parts, where the "
                                                    "scheduler does not say it (Kubernetes)")
    m = sub.add_parser("merge", help="grades.csv and report.html from the parts of a class graded with --shard")
    m.add_argument("dirs", nargs="+", metavar="DIR", help="the folders the parts wrote to")
    m.add_argument("--out", required=True, help="where to write results/, grades.csv and report.html")
    gs = sub.add_parser("gradescope", help="what run_autograder runs on Gradescope")
    gs.add_argument("--root", default="/autograder")
    b = sub.add_parser("build", help="write autograder.zip and handout.zip")
    b.add_argument("--out", help="where to write them (default: dist/NAME, NAME the assignment's)")
    sub.add_parser("fixtures", help="regenerate the self-check's fixtures from the reference "
                                    "(the assignment's fixtures.py)")
    au = sub.add_parser("audit", help="mutation analysis: do the grading tests tell wrong from right?")
    au.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants graded at once")
    au.add_argument("--function", action="append",
                    help="audit only this function (repeatable; default: every function of the assignment)")
    au.add_argument("--json", help="also write every mutant and its verdict to this file")
    au.add_argument("--sample", type=int, metavar="N",
                    help="grade only a fixed spread of about N mutants: every function, wrong and equivalent ones")
    au.add_argument("--mutant", action="append", metavar="ID", default=[],
                    help="grade only this mutant (m000, ...; repeatable; with --sample: those as well)")
    n = sub.add_parser("new", help="make a new assignment's folders from its reference solution")
    n.add_argument("name", help="its name: the folder under assignments/, reference/ and starter/")
    n.add_argument("--reference", required=True, type=Path,
                   help="the reference solution (named as the file students will submit)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "new":   # before any assignment is chosen: there may be none yet
        from .tools.new import main as new_main
        return new_main(args.name, args.reference)
    try:
        task = assignment.use(args.assignment) if args.assignment else assignment.current()
    except assignment.UnknownAssignment as exc:
        parser.error(str(exc))
    os.environ["AUTOGRADER_ASSIGNMENT"] = task.name   # for the processes this one starts

    if args.command == "grade":
        from .grading.grade import grade, print_table
        data = grade(args.path, args.out, seed=args.seed)
        print_table(data)
        print(f"results written to {args.out}")
        return GRADER_FAILED if data["extra_data"].get("grader_error") else 0
    elif args.command in ("grade-all", "merge"):
        if args.command == "grade-all":   # the worker pool imports torch while this process does
            from .sandbox.pool import start_early
            start_early(2 * max(1, args.jobs), task.virtual_gpu_layers)
        from .classroom.batch import Interrupted, grade_all, merge, parse_shard
        from .classroom.export import GRADED_STATUSES, SourceError
        from .common.messages import say
        try:
            if args.command == "merge":
                subs, results = merge(args.dirs, args.out)
            else:
                shard = parse_shard(args.shard, count=args.shard_count) if args.shard else None
                subs, results = grade_all(args.source, args.out, jobs=args.jobs, seed=args.seed, force=args.force,
                                          shard=shard)
        except SourceError as exc:
            print(f"{args.command}: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as exc:   # Ctrl-C, or SIGTERM (batch.Interrupted)
            covered = "" if getattr(args, "shard", None) or args.command == "merge" else say("batch_covered")
            print(say("batch_interrupted", how="SIGTERM" if isinstance(exc, Interrupted) else "Ctrl-C", out=args.out,
                      covered=covered), file=sys.stderr)
            return 128 + int(exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)
        failed = [name for name, data in results.items() if data["extra_data"].get("grader_error")]
        pending = [s.name for s in subs if s.status in GRADED_STATUSES and s.name not in results]
        written = say("batch_written_part") if getattr(args, "shard", None) \
            else say("batch_written", csv=Path(args.out) / "grades.csv", html=Path(args.out) / "report.html")
        print(say("batch_done", graded=len(results), total=len(subs), failed=len(failed), written=written,
                  pending=say("batch_pending", count=len(pending)) if pending else ""))
        return GRADER_FAILED if failed or (pending and args.command == "grade-all") else 0
    elif args.command == "gradescope":
        from .grading.grade import grade, print_table
        root = Path(args.root)
        results = root / "results"
        results.mkdir(parents=True, exist_ok=True)
        data = grade(root / "submission", results / "results.json", protect=(results,))
        print_table(data)
        return GRADER_FAILED if data["extra_data"].get("grader_error") else 0
    elif args.command == "build":
        from .tools.build import build
        for path in build(Path(args.out or Path("dist") / task.name), task):
            print(f"wrote {path}")
    elif args.command == "audit":
        from .tools.audit import main as audit_main
        unknown = set(args.function or ()) - set(task.functions)
        if unknown:
            parser.error(f"--function: {task.name} has no function {', '.join(sorted(unknown))} "
                         f"(it has {', '.join(task.functions)})")
        return audit_main(args.jobs, 1, tuple(args.function or task.functions), args.json,
                          sample_size=args.sample, ids=tuple(args.mutant))
    elif args.command == "fixtures":
        made = task.part("fixtures")   # an assignment whose self-check reads stored answers
        if made is None:
            print(f"{task.name} has no fixtures.py: its self-check needs no fixtures", file=sys.stderr)
            return 1
        print(f"wrote {made.write_fixtures()}")
    return 0


def run() -> None:
    """`python -m autograder` and the `autograder` command (pyproject.toml)."""
    status = main()
    # Skip the interpreter's teardown (torch's takes about half a second): nothing is
    # left to clean up once results.json is written and the worker is gone.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
