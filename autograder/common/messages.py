"""Every sentence the engine shows a student (the sandbox's, the submission's, the generic
checks'), and every sentence of the class report an instructor reads (grade-all), in each
language; the graded assignment's own (its texts.py) come first (use_texts).

`say(key, **fields)` formats one message in the current language (set_language).
Shipped in the handout with checks.py, so it holds no reference values.
"""
from __future__ import annotations

from collections import ChainMap

LANGUAGES = ("zh", "en")
_language = "zh"


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    _language = lang


def language() -> str:
    return _language


# Fields every message may use, set by the assignment graded (autograder/assignment.py):
# "file", the name of the file students submit, and its texts.py FIELDS. A field's value may
# be given per language ({"en": ..., "zh": ...}). "rules": where the handout states the
# rules the engine's hints send a student back to, unless the assignment names a section.
DEFAULT_FIELDS: dict[str, object] = {"rules": {"en": "the handout", "zh": "作业说明"}}
FIELDS: dict[str, object] = dict(DEFAULT_FIELDS)


def say(key: str, lang: str | None = None, **fields: object) -> str:
    """One message in lang (default: the current language), its fields filled in."""
    lang = lang or _language
    values = {k: v.get(lang, v.get("en")) if isinstance(v, dict) else v for k, v in {**FIELDS, **fields}.items()}
    return MESSAGES[key][lang].format(**values)




ENGINE = {
    # -- what came back -------------------------------------------------------
    "not_tensor": {
        "en": "{name} is {what}; expected a plain torch.Tensor",
        "zh": "{name} 是 {what}；应为普通的 torch.Tensor",
    },
    "what_tensor": {"en": "a tensor of shape {shape}", "zh": "形状为 {shape} 的张量"},
    "what_object": {"en": "a {type}", "zh": "{type} 对象"},
    "what_subclass": {
        "en": "a {type} (a subclass of torch.Tensor)",
        "zh": "{type}（torch.Tensor 的子类）",
    },
    "what_too_deep": {"en": "a {type} nested too deeply", "zh": "嵌套过深的 {type}"},
    "what_unsendable": {
        "en": "a {type} that could not be read back",
        "zh": "无法读回的 {type}",
    },
    "shape": {
        "en": "{name} has shape {got}; expected {want}",
        "zh": "{name} 的形状是 {got}；应为 {want}",
    },
    "dtype": {
        "en": "{name} has dtype {got}; expected {want} (the dtype of the inputs)",
        "zh": "{name} 的 dtype 是 {got}；应为 {want}（与输入相同）",
    },
    "device": {
        "en": "{name} is on device {got}; expected {want} (the device of the inputs)",
        "zh": "{name} 在设备 {got} 上；应在 {want} 上（与输入相同）",
    },
    "not_dict": {
        "en": "{fn} must return a dict with keys {keys}; it returned {what}",
        "zh": "{fn} 应返回包含键 {keys} 的 dict；实际返回了 {what}",
    },
    "missing_keys": {
        "en": "{fn} returned a dict without {missing} (expected keys {keys})",
        "zh": "{fn} 返回的 dict 缺少 {missing}（应有键 {keys}）",
    },
    # -- values ---------------------------------------------------------------
    "values": {
        "en": "{name} differs from the expected values at {bad} of {total} entries "
              "(largest difference {diff:.3g} at index {index}){case}",
        "zh": "{name} 与期望值在 {total} 个元素中有 {bad} 个不同"
              "（最大差值 {diff:.3g}，位于下标 {index}）{case}",
    },
    "value_scalar": {
        "en": "{name} differs from the expected value by {diff:.3g}{case}",
        "zh": "{name} 与期望值相差 {diff:.3g}{case}",
    },
    "nonfinite": {
        "en": "{name} contains NaN or infinity at {bad} of {total} entries{case}",
        "zh": "{name} 在 {total} 个元素中有 {bad} 个是 NaN 或无穷大{case}",
    },
    "in_dtype": {"en": " [in {dtype}]", "zh": " [{dtype}]"},
    "refused": {
        "en": "{fn} used {what}, which this assignment does not allow, so this test scores 0.",
        "zh": "{fn} 使用了 {what}，本作业不允许这样做，因此该测试为 0 分。",
    },
    "modified_input": {
        "en": "{fn} modified its input {name} (in place, or by replacing or removing an entry of a dict it was given); compute new tensors instead",
        "zh": "{fn} 修改了输入 {name}（原地修改，或替换、删除了传入字典中的条目）；请计算新的张量",
    },
    # -- the submission -------------------------------------------------------
    "no_file": {
        "en": "No {file} was found in your submission. Submit one file named {file}.",
        "zh": "提交内容中没有找到 {file}。请提交一个名为 {file} 的文件。",
    },
    "several_files": {
        "en": "Your submission holds several files named {file} ({paths}); submit exactly one.",
        "zh": "提交内容中有多个 {file}（{paths}）；请只提交一个。",
    },
    "file_link": {
        "en": "{path} in your submission is a link, and links are not followed. Submit the file itself.",
        "zh": "提交内容中的 {path} 是一个链接，评分程序不会跟随链接。请提交文件本身。",
    },
    "link_no_file": {
        "en": "No {file} was found in your submission, and {path} in it is a link, which is not followed. "
              "Submit the files themselves.",
        "zh": "提交内容中没有找到 {file}，而其中的 {path} 是一个链接，评分程序不会跟随链接。请提交文件本身。",
    },
    "missing_functions": {
        "en": "{file} does not define: {names}",
        "zh": "{file} 没有定义：{names}",
    },
    "skipped": {"en": "skipped: {reason}", "zh": "已跳过：{reason}"},
    "not_run": {"en": "this test did not run", "zh": "该测试没有运行"},
    "student_output": {
        "en": "What your code printed:",
        "zh": "你的代码输出：",
    },
    "timeout": {
        "en": "this test took longer than {seconds} s and was stopped",
        "zh": "该测试超过 {seconds} 秒，已被终止",
    },
    "grader_failed": {
        "en": "The autograder could not run, so your submission has not been graded. This is not "
              "your fault and says nothing about your code: the instructor has the details and "
              "will grade it again once the autograder is fixed.",
        "zh": "自动评分程序无法运行，因此你的提交尚未评分。这不是你的问题，也与你的代码无关："
              "老师已收到详细信息，修复评分程序后会重新评分。",
    },
    # -- the sandbox ----------------------------------------------------------
    "importing": {"en": "importing {file}", "zh": "导入 {file}"},
    "import_failed": {
        "en": "{file} could not be imported:\n{error}",
        "zh": "无法导入 {file}：\n{error}",
    },
    "raised": {
        "en": "{fn} raised an exception:\n{error}",
        "zh": "{fn} 抛出了异常：\n{error}",
    },
    "call_timeout": {
        "en": "{what} did not finish within {seconds} s (an infinite loop, or far too slow?)",
        "zh": "{what} 在 {seconds} 秒内没有结束（死循环，或者太慢？）",
    },
    "worker_died": {
        "en": "{what}: the process running your code {why}",
        "zh": "{what}：运行你代码的进程{why}",
    },
    "unreadable_reply": {
        "en": "the reply from your code's process was unreadable ({error})",
        "zh": "无法读取运行你代码的进程的返回（{error}）",
    },
    "reply_too_large": {
        "en": "{what}: what your code returned is too large to be graded ({mb} MB; a right answer is "
              "far smaller, and at most {limit} MB is read)",
        "zh": "{what}：你的代码返回的内容太大，无法评分（{mb} MB；正确答案远比这小，最多读取 {limit} MB）",
    },
    "unexpected_reply": {
        "en": "{what}: the process running your code sent the grader something it did not ask for "
              "(does your code write to file descriptors it did not open?)",
        "zh": "{what}：运行你代码的进程向评分程序发送了它没有请求的内容（你的代码是否写入了不是它自己打开的文件描述符？）",
    },
    "disk_full": {
        "en": "{what}: your code wrote more than {mb} MB (or more than {files} files) to disk",
        "zh": "{what}：你的代码向磁盘写入了超过 {mb} MB 的数据（或超过 {files} 个文件）",
    },
    "truncated": {"en": "(output truncated)", "zh": "（输出已截断）"},
    "exit_unresponsive": {"en": "stopped responding", "zh": "停止了响应"},
    "exit_status": {
        "en": "ended the grading process (exit status {code}; sys.exit or os._exit?)",
        "zh": "结束了评分进程（退出码 {code}；是否调用了 sys.exit 或 os._exit？）",
    },
    "exit_segfault": {"en": "crashed (segmentation fault)", "zh": "崩溃了（段错误）"},
    "exit_cpu": {
        "en": "used more than its {seconds} s of CPU time",
        "zh": "用掉了超过 {seconds} 秒的 CPU 时间",
    },
    "exit_file": {"en": "wrote a file larger than {mb} MB", "zh": "写入了超过 {mb} MB 的文件"},
    "exit_killed": {
        "en": "was killed from outside (SIGKILL), not by one of the grader's limits: the machine may "
              "have run out of memory, or another program stopped it",
        "zh": "被外部终止了（SIGKILL），不是评分程序的限制所致：可能是机器内存耗尽，或被其他程序终止",
    },
    "exit_signal": {"en": "was killed by signal {name}", "zh": "被信号 {name} 终止"},
    "exit_oom": {
        "en": "used more memory than the grading machine has ({mb} MB) and was stopped by its "
              "operating system: look for a tensor that grows on every call, or one far larger "
              "than the inputs",
        "zh": "使用的内存超过了评分机器的总内存（{mb} MB），被操作系统终止：检查是否有每次调用都在"
              "变大的张量，或远大于输入的张量",
    },
    # -- the overall time budget (limits.total_seconds) -----------------------
    "out_of_time_call": {
        "en": "{what} was stopped: the grading time ran out ({seconds} s for the whole grade)",
        "zh": "{what} 被终止：评分总时间已用完（整次评分共 {seconds} 秒）",
    },
    "out_of_time_test": {
        "en": "not run: the grading time ran out ({seconds} s for the whole grade) before this test. "
              "Your code was slow in the tests before it; make each call faster and resubmit",
        "zh": "未运行：在该测试之前评分总时间已用完（整次评分共 {seconds} 秒）。之前的测试中你的代码太慢；"
              "请加快每次调用后重新提交",
    },
    "out_of_time_summary": {
        "en": "The grading time ran out ({seconds} s for the whole grade): these tests did not run "
              "and score 0: {tests}",
        "zh": "评分总时间已用完（整次评分共 {seconds} 秒）：以下测试没有运行，记 0 分：{tests}",
    },
    # -- what a grade-all run says on stderr, and the grader errors it records ------------
    "batch_zip_member_skipped": {
        "en": "skipped zip member {member}: it would land outside {folder}, or it is a link",
        "zh": "已跳过 zip 成员 {member}：它会落到 {folder} 之外，或者是一个链接",
    },
    "batch_part": {
        "en": "part {part} of {parts} (0 to {last}): {mine} of the {total} submissions; ",
        "zh": "第 {part} 部分，共 {parts} 部分（0 到 {last}）：{total} 份提交中的 {mine} 份；",
    },
    "batch_all": {"en": "{total} submissions: ", "zh": "共 {total} 份提交："},
    "batch_plan": {
        "en": "{todo} to grade, {same} unchanged since the last run (run seed {seed}; --force regrades all)",
        "zh": "{todo} 份待评分，{same} 份自上次运行以来未变（本次运行的种子 {seed}；--force 全部重新评分）",
    },
    "batch_skipped": {"en": "skipped {name}: {status} ({detail})", "zh": "已跳过 {name}：{status}（{detail}）"},
    "batch_changed": {
        "en": "grades changed since the last run: {count}",
        "zh": "自上次运行以来成绩有变化的提交：{count} 份",
    },
    "batch_change_tests": {"en": " (tests {tests})", "zh": "（测试 {tests}）"},
    "batch_retry": {
        "en": "the job grading {name} died ({how}); grading it once more on a fresh job",
        "zh": "评分 {name} 的进程意外结束（{how}）；将用一个新进程重新评分",
    },
    "batch_died_again": {
        "en": "the job grading {name} died again ({how}): recorded as a grader error for it alone",
        "zh": "评分 {name} 的进程再次意外结束（{how}）：仅对这份提交记为评分程序错误",
    },
    "batch_died_twice": {
        "en": "the grading process died twice while grading this submission (last: {how})",
        "zh": "评分进程在评分这份提交时两次意外结束（最后一次：{how}）",
    },
    "batch_idle_death": {
        "en": "a grading job ended unexpectedly ({how}) while idle",
        "zh": "一个空闲的评分进程意外结束（{how}）",
    },
    "batch_ungraded": {
        "en": "grading jobs keep ending before they grade anything; {count} submissions are left ungraded",
        "zh": "评分进程在评分任何提交之前不断结束；{count} 份提交未评分",
    },
    "batch_retried": {
        "en": "graded again after their job died: {names}; recorded as grader errors after a second death: {failed}",
        "zh": "进程意外结束后重新评分的提交：{names}；第二次结束后记为评分程序错误的提交：{failed}",
    },
    "batch_none": {"en": "none", "zh": "无"},
    "merge_unfinished": {
        "en": "merge: part {part} of {parts} has not finished grading (still running, or interrupted): what it "
              "has not graded is listed as not graded yet",
        "zh": "merge：第 {part} 部分（共 {parts} 部分）尚未评分完毕（仍在运行或被中断）：它未评分的提交列为尚未评分",
    },
    "batch_done": {
        "en": "{graded} of {total} submissions graded ({failed} by a failing grader{pending}); see {written}",
        "zh": "{total} 份提交中已评分 {graded} 份（其中 {failed} 份因评分程序出错{pending}）；见 {written}",
    },
    "batch_pending": {"en": ", {count} not graded yet", "zh": "，{count} 份尚未评分"},
    "batch_written_part": {
        "en": "its part of results/ (run merge for grades.csv and report.html)",
        "zh": "它在 results/ 中的部分（运行 merge 生成 grades.csv 和 report.html）",
    },
    "batch_interrupted": {
        "en": "interrupted ({how}): what was graded is kept in {out}{covered}; run the same command again to "
              "grade the rest",
        "zh": "已中断（{how}）：已评分的结果保存在 {out}{covered}；再次运行同一命令即可为其余提交评分",
    },
    "batch_covered": {"en": ", and grades.csv and report.html cover it", "zh": "，grades.csv 和 report.html 已包含它们"},
    "batch_written": {"en": "{csv} and {html}", "zh": "{csv} 和 {html}"},
    "grader_failed_while": {
        "en": "the grader failed while grading {name}:\n{error}",
        "zh": "评分程序在评分 {name} 时出错：\n{error}",
    },
    "grader_no_results": {"en": "pytest did not write results.json", "zh": "pytest 没有写出 results.json"},
    "grader_not_ready": {
        "en": "the worker was not ready to import the student's file before the grade's time budget ran out "
              "(limits.total_seconds = {seconds:g} s): nothing of the student's had run yet; the grader's own "
              "start-up took the time (a loaded or slow machine?)",
        "zh": "在本次评分的时间预算用完之前（limits.total_seconds = {seconds:g} 秒），工作进程还没准备好导入学生的文件："
              "学生的代码尚未运行；时间花在了评分程序自身的启动上（机器负载高或速度慢？）",
    },
    "grader_out_of_time": {
        "en": "the grader did not finish within limits.total_seconds ({seconds:g} s)",
        "zh": "评分程序未能在 limits.total_seconds（{seconds:g} 秒）内完成",
    },
    "seed": {
        "en": "Random seed for this run: {seed}",
        "zh": "本次评分的随机种子：{seed}",
    },
    # -- hints: the sentence around one (the assignment's texts.py has each hint_<id>) --
    "hint": {"en": "Hint: {text}", "zh": "提示：{text}"},
    # The hints of the engine's own checks, for any assignment; one may word them its own way
    # (its texts.py). {rules}: where its handout states the rules (texts.py FIELDS).
    "hint_wrong_dtype": {
        "en": "{name} is float32 although the inputs are float64: a tensor made without dtype= is float32. Reread {rules}.",
        "zh": "输入是 float64，{name} 却是 float32：不指定 dtype= 创建的张量是 float32。请重读{rules}。",
    },
    "hint_wrong_device": {
        "en": "{name} is on another device than the inputs: make new tensors with device=X.device (or *_like). Reread {rules}.",
        "zh": "{name} 与输入不在同一设备上：新建张量时请用 device=X.device（或 *_like）。请重读{rules}。",
    },
    "hint_modified_input": {
        "en": "{fn}: operations in place (methods ending in _, slice assignment, out=) change the caller's tensors: compute new ones. Reread {rules}.",
        "zh": "{fn}：原地操作（以 _ 结尾的方法、切片赋值、out=）会改变调用者的张量：请计算新的张量。请重读{rules}。",
    },
    "hint_numpy_on_device": {
        "en": "{fn}: .numpy() works only for tensors on the CPU: keep to torch operations. Reread {rules}.",
        "zh": "{fn}：.numpy() 只适用于 CPU 上的张量：请只用 torch 运算。请重读{rules}。",
    },
    "hint_tensor_without_device": {
        "en": "{fn}: a tensor made without device= is on the CPU whatever the inputs' device: use device=X.device or *_like. Reread {rules}.",
        "zh": "{fn}：不指定 device= 创建的张量总在 CPU 上：请用 device=X.device 或 *_like。请重读{rules}。",
    },
    "hint_output_on_cpu": {
        "en": "{fn}: return every tensor on the device of the inputs: no .cpu() on what you return. Reread {rules}.",
        "zh": "{fn}：返回的张量都应在输入所在的设备上：不要对返回值调用 .cpu()。请重读{rules}。",
    },
    "hint_out_of_memory": {
        "en": "{fn}: your code ran out of memory; a solution needs only a few MB here: look for a tensor far larger than the inputs. Reread {rules}.",
        "zh": "{fn}：你的代码耗尽了内存；正确的解法只需几 MB：检查是否有远大于输入的张量。请重读{rules}。",
    },
    "hint_transposed": {
        "en": "{name} has the shape of the expected result transposed: check which factor of the product is transposed. Reread {rules}.",
        "zh": "{name} 的形状是期望结果的转置：检查矩阵乘法中哪个因子需要转置。请重读{rules}。",
    },
    # -- the standard tests made from an assignment's spec (grading/spec.py) --
    "spec_imported": {
        "en": "{file} imported; it defines {names}.",
        "zh": "{file} 导入成功，定义了 {names}。",
    },
    "spec_test_imports": {
        "en": "{file} is found, imports, and defines {names}",
        "zh": "找到 {file}，能够导入，并定义了 {names}",
    },
    "spec_test_types": {
        "en": "{fn}: {names} has the right shape, dtype and device",
        "zh": "{fn}：{names} 的形状、dtype、设备正确",
    },
    "spec_test_values": {
        "en": "{fn}: {names} matches the reference (float64, several sizes)",
        "zh": "{fn}：{names} 与参考答案一致（float64，多种尺寸）",
    },
    "spec_test_values_both": {
        "en": "{fn}: {names} matches the reference (float64 and float32, several sizes)",
        "zh": "{fn}：{names} 与参考答案一致（float64 与 float32，多种尺寸）",
    },
    "spec_test_float32": {
        "en": "{fn}: {names} matches the reference (float32, several sizes)",
        "zh": "{fn}：{names} 与参考答案一致（float32，多种尺寸）",
    },
    "spec_test_gradcheck": {
        "en": "{fn}: {names} agree with central differences of the reference's {loss} (eps = 1e-5, float64)",
        "zh": "{fn}：{names} 与参考 {loss} 的中心差分一致（eps = 1e-5，float64）",
    },
    "spec_test_gpu": {
        "en": "{fn}: runs on a GPU, keeping {names} on the device of the inputs",
        "zh": "{fn}：能在 GPU 上运行，{names} 留在输入所在的设备上",
    },
    "gpu_on_cuda": {
        "en": "the GPU",
        "zh": "GPU",
    },
    "gpu_on_virtual": {
        "en": "a virtual GPU (torch's fake CUDA tensors: this machine has no GPU)",
        "zh": "虚拟 GPU（torch 的 fake CUDA 张量：这台机器没有 GPU）",
    },
    "gpu_mixed": {
        "en": "{fn}, given its inputs on {on}, mixes them with tensors on the CPU:\n{error}",
        "zh": "{fn} 的输入在{on}上，它却把输入与 CPU 上的张量混在一起运算：\n{error}",
    },
    "gpu_numpy": {
        "en": "{fn}, given its inputs on {on}, converts them to NumPy, which only CPU tensors allow:\n{error}",
        "zh": "{fn} 的输入在{on}上，它却把它们转换成 NumPy，而只有 CPU 上的张量才能这样做：\n{error}",
    },
    "gpu_left_on_cpu": {
        "en": "{fn}, given its inputs on {on}, returns {names} on the CPU",
        "zh": "{fn} 的输入在{on}上，它返回的 {names} 却在 CPU 上",
    },
    "gpu_error": {
        "en": "{fn} raises an error, on the CPU as on the GPU (its other tests say more):\n{error}",
        "zh": "{fn} 出错，在 CPU 和 GPU 上都一样（它的其他测试会给出更多信息）：\n{error}",
    },
    "gpu_cannot_tell": {
        "en": "Whether {fn} runs on a GPU could not be told: on {on}, which has shapes but no values, it stops at a step that a real GPU can do ({error}). No points are lost for it.",
        "zh": "无法判断 {fn} 能否在 GPU 上运行：在{on}上（只有形状、没有数值）它停在了一个真实 GPU 可以完成的步骤（{error}）。这不扣分。",
    },
    # -- the class report (grade-all: report.html, feedback pages, grades.csv's status) --
    "report_title": {"en": "{title}: class report", "zh": "{title}：全班报告"},
    "report_summary": {
        "en": "{graded} of {total} submissions graded · mean {mean:.1f} · median {median:g} · full marks {full}",
        "zh": "共 {total} 份提交，已评分 {graded} 份 · 平均分 {mean:.1f} · 中位数 {median:g} · 满分 {full} 份",
    },
    "report_histogram": {"en": "Score distribution", "zh": "分数分布"},
    "report_submissions": {"en": "submissions", "zh": "份提交"},
    "report_tests": {"en": "Pass rate of each test", "zh": "各测试通过率"},
    "report_test": {"en": "test", "zh": "测试"},
    "report_passed": {"en": "passed", "zh": "通过"},
    "report_functions": {"en": "Score by function", "zh": "各函数得分"},
    "report_function": {"en": "function", "zh": "函数"},
    "report_points": {"en": "mean points", "zh": "平均得分"},
    "report_mistakes": {"en": "Classic mistakes the grader recognised", "zh": "评分程序识别出的常见错误"},
    "report_mistake": {"en": "mistake (the hint students read)", "zh": "错误（学生看到的提示）"},
    "report_count": {"en": "submissions", "zh": "提交数"},
    "report_who": {"en": "which", "zh": "哪些提交"},
    "report_none": {"en": "none", "zh": "无"},
    "report_problems": {"en": "Timeouts, crashes and submissions not graded", "zh": "超时、崩溃与未能评分的提交"},
    "report_submission": {"en": "submission", "zh": "提交"},
    "report_what": {"en": "what happened", "zh": "情况"},
    "report_timeout": {"en": "a call timed out in tests {tests}", "zh": "测试 {tests} 中有调用超时"},
    "report_crash": {"en": "its worker crashed in tests {tests}", "zh": "测试 {tests} 中运行代码的进程崩溃"},
    "report_out_of_time": {"en": "the grading time ran out in tests {tests}", "zh": "测试 {tests} 时评分总时间已用完"},
    "report_grader_error": {
        "en": "the grader failed (not the student's fault): {detail}",
        "zh": "评分程序出错（不是学生的问题）：{detail}",
    },
    "report_not_graded": {"en": "not graded: {status} ({detail})", "zh": "未评分：{status}（{detail}）"},
    "report_pending": {"en": "not graded yet (interrupted run?)", "zh": "尚未评分（运行被中断？）"},
    "report_everyone": {
        "en": "Every submission (click a name for what the student read)",
        "zh": "全部提交（点击名称查看学生看到的反馈）",
    },
    "report_who_submitted": {"en": "submitted by", "zh": "提交者"},
    "report_score": {"en": "score", "zh": "分数"},
    "report_status": {"en": "status", "zh": "状态"},
    "report_changes": {"en": "Changes since the last run", "zh": "与上次运行相比的变化"},
    "report_old_new": {"en": "score: before → now", "zh": "分数：之前 → 现在"},
    "report_changed_tests": {"en": "tests that changed", "zh": "变化的测试"},
    "report_feedback_title": {"en": "Feedback for {name}", "zh": "{name} 的反馈"},
    "report_back": {"en": "back to the class report", "zh": "返回全班报告"},
    "report_total": {"en": "total", "zh": "总分"},
    "report_hidden": {"en": "hidden from the student", "zh": "学生看不到"},
    "report_not_yet": {"en": "This submission has no result yet.", "zh": "这份提交还没有评分结果。"},
    # the status column (report.status_of), per export.Submission.status, then the grading
    "status_ok": {"en": "graded", "zh": "已评分"},
    "status_ok_detail": {"en": "graded ({detail})", "zh": "已评分（{detail}）"},
    "status_no_file": {"en": "no {file}", "zh": "没有 {file}"},
    "status_several_files": {"en": "several {file}", "zh": "有多个 {file}"},
    "status_file_link": {"en": "{file} is a link", "zh": "{file} 是链接"},
    "status_link_no_file": {"en": "no {file}, a link", "zh": "没有 {file}，有链接"},
    "status_too_large": {"en": "file too large", "zh": "文件过大"},
    "status_missing": {"en": "folder missing", "zh": "文件夹缺失"},
    "status_pending": {"en": "not graded yet", "zh": "尚未评分"},
    "status_grader_failed": {"en": "grader failed", "zh": "评分程序出错"},
    # what export.py found in a submission (Submission.detail), for the instructor
    "detail_no_file": {"en": "no file named {file}", "zh": "没有名为 {file} 的文件"},
    "detail_too_large": {"en": "{name} is {mb:.1f} MB", "zh": "{name} 有 {mb:.1f} MB"},
    "detail_not_utf8": {"en": "not UTF-8: graded as it is", "zh": "不是 UTF-8 编码：按原样评分"},
    "detail_missing": {
        "en": "named in submission_metadata.yml, but no such folder",
        "zh": "submission_metadata.yml 中列出了它，但没有这个文件夹",
    },
    "detail_not_in_metadata": {"en": "not in submission_metadata.yml", "zh": "不在 submission_metadata.yml 中"},
    "detail_renamed": {
        "en": "{original!r} shares its file name with another submission: its results are in results/{name}.json",
        "zh": "{original!r} 与另一份提交的文件名相同：其结果在 results/{name}.json 中",
    },
}


# Every message: the graded assignment's own texts (its texts.py: use_texts), then the engine's.
MESSAGES: ChainMap[str, dict[str, str]] = ChainMap({}, ENGINE)


def use_texts(texts: dict[str, dict[str, str]]) -> None:
    """The assignment's texts from now on, in place of any other assignment's."""
    MESSAGES.maps[0] = dict(texts)


def fence(text: str) -> str:
    """text as a Markdown code block that it cannot close: shown verbatim, never rendered
    (a student's "# all tests passed" or image stays text)."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}\n{text.rstrip()}\n{fence}"
