#!/usr/bin/python3
"""Every command block of README.md, docs/*.md and examples/README.md runs as written.

usage: test_doc_commands.py [BUILD_DIR] [unittest arguments]
(without BUILD_DIR the blocks are checked but not run)

The rules the documentation keeps (docs/README.md, "Commands in these pages"):
- every code block is fenced and names its language: `sh` for commands, `text` for
  output or pipeline fragments, `c`, `python`, `json`, `meson`, ...;
- a `sh` block runs as written, unless the line before its fence is
  `<!-- not-run: REASON -->` saying why it cannot run offline in a test (the network,
  root, a GPU, the project's shared data, minutes of benchmark);
- `gst-launch-1.0 ... ! fdsink fd=1` has -q, so that standard output is the data alone;
- no path of a development machine (/work/, /home/) outside recorded output (`text`),
  and no path into ../shared in user-facing pages or in a block that runs.

Each file's runnable blocks run in order in one bash process (`set -e`; what a block
exports, the next one sees), as a user pasting them would, from a temporary folder laid
out as a checkout: every top-level entry of the sources linked, build/ linked to
BUILD_DIR. GST_PLUGIN_PATH is build/plugin (the README's first step), HOME is a
temporary folder, python3 is Debian's (/usr/bin/python3, with python3-gi), and the
models folder (GST_BERT_MODELS_DIR) holds all-MiniLM-L6-v2: the real one where
$GST_BERT_SHARED_DIR/models or the user's models folder has it, else a tiny random
encoder of that name (tests/engine/make-test-model.py), on which the commands run but
their numbers mean nothing. Standard input is empty.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
BUILD_DIR = (Path(sys.argv.pop(1)).resolve() if len(sys.argv) > 1 and Path(sys.argv[1]).is_dir()
             else None)
DOC_FILES = sorted([SOURCE_DIR / "README.md", SOURCE_DIR / "examples" / "README.md",
                    SOURCE_DIR / "scripts" / "README.md", *(SOURCE_DIR / "docs").glob("*.md")])
# Pages for users; the others (engine, performance, tokenizer, reliability, cuda,
# evaluation) are also for developers, who may have the shared data folder.
USER_PAGES = {"README.md", "examples/README.md", "scripts/README.md", "docs/README.md", "docs/api.md",
              "docs/elements.md", "docs/models.md", "docs/install.md"}
SHELL_LANGUAGES = {"sh", "shell", "bash"}
NOT_RUN = re.compile(r"<!-- not-run: (\S.*?) -->")
DEVELOPER_PATH = re.compile(r"(?<![\w.~-])/(work|home)/")
MAKE_TEST_MODEL = SOURCE_DIR / "tests" / "engine" / "make-test-model.py"
REAL_MODEL = "all-MiniLM-L6-v2"


class Block:
    def __init__(self, path, line, language, text, not_run_reason):
        self.path, self.line, self.language, self.text = path, line, language, text
        self.not_run_reason = not_run_reason

    def where(self):
        return f"{self.path.relative_to(SOURCE_DIR)}:{self.line}"


def parse(path):
    """The fenced blocks of @path, and the lines of what looks like an indented code
    block (4 spaces after a blank line, after a paragraph that is no list item)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks, indented, prose = [], [], []
    number, previous = 0, ""
    while number < len(lines):
        line = lines[number]
        fence = re.match(r"^( *)(```+|~~~+)\s*(\S*)", line)
        if fence:
            start, indent, marker = number, fence.group(1), fence.group(2)
            number += 1
            while number < len(lines) and not lines[number].strip().startswith(marker):
                number += 1
            before = next((text for text in reversed(lines[:start]) if text.strip()), "")
            reason = NOT_RUN.search(before)
            body = [text[len(indent):] if text.startswith(indent) else text
                    for text in lines[start + 1:number]]
            blocks.append(Block(path, start + 1, fence.group(3), "\n".join(body),
                                reason.group(1) if reason else None))
            previous = ""
        elif (line.startswith("    ") and line.strip() and previous == "" and number > 0
              and not re.match(r"^\s*([-*+]|\d+\.|\|)", last_paragraph_line(lines, number))):
            indented.append(number + 1)
            while number + 1 < len(lines) and (lines[number + 1].startswith("    ")
                                               or not lines[number + 1].strip()):
                number += 1
            previous = line
        else:
            prose.append((number + 1, line))
            previous = line.strip()
        number += 1
    return blocks, indented, prose


def last_paragraph_line(lines, number):
    """The first line of the paragraph before line @number (0-based)."""
    end = number - 1
    while end >= 0 and not lines[end].strip():
        end -= 1
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    return lines[start] if start >= 0 else ""


def find_real_model():
    shared = Path(os.environ.get("GST_BERT_SHARED_DIR", "/nonexistent")) / "models" / REAL_MODEL
    models_dir = os.environ.get("GST_BERT_MODELS_DIR") or Path(
        os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gst-bert" / "models"
    for folder in (shared, Path(models_dir) / REAL_MODEL):
        if (folder / "model.safetensors").is_file():
            return folder
    return None


class DocCommands(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.parsed = {path: parse(path) for path in DOC_FILES}

    def blocks(self):
        for blocks, _, _ in self.parsed.values():
            yield from blocks

    def test_every_block_is_fenced_with_a_language(self):
        problems = [f"{path.relative_to(SOURCE_DIR)}:{line}: an indented code block; fence it "
                    "with its language (sh, text, ...)"
                    for path, (_, indented, _) in self.parsed.items() for line in indented]
        problems += [f"{block.where()}: a fenced block without a language (sh, text, ...)"
                     for block in self.blocks() if not block.language]
        self.assertEqual(problems, [])

    def test_fdsink_to_stdout_is_quiet(self):
        problems = []
        for block in self.blocks():
            for command in re.split(r"(?<!\\)\n", block.text):
                if re.search(r"fdsink\s+fd=1", command) and "gst-launch-1.0" in command \
                        and not re.search(r"gst-launch-1\.0\s+(\S+\s+)*?-q\b", command):
                    problems.append(f"{block.where()}: gst-launch-1.0 writing to fdsink fd=1 "
                                    "needs -q")
        self.assertEqual(problems, [])

    def test_no_paths_users_do_not_have(self):
        problems = []
        for path, (blocks, _, prose) in self.parsed.items():
            name = str(path.relative_to(SOURCE_DIR))
            texts = [(line, text) for line, text in prose]
            texts += [(block.line, block.text) for block in blocks if block.language != "text"
                      and block.not_run_reason is None]
            for line, text in texts:
                if DEVELOPER_PATH.search(text):
                    problems.append(f"{name}:{line}: a path of a development machine")
            runnable = [(block.line, block.text) for block in blocks
                        if block.language in SHELL_LANGUAGES and block.not_run_reason is None]
            for line, text in (texts if name in USER_PAGES else runnable):
                if "../shared/" in text:
                    problems.append(f"{name}:{line}: a path into ../shared, which users lack")
        self.assertEqual(problems, [])

    def test_every_script_is_in_the_scripts_table(self):
        table = (SOURCE_DIR / "scripts" / "README.md").read_text(encoding="utf-8")
        rows = dict(re.findall(r"^\| \[([^]]+)\]\([^)]+\) \| (user tool|developer runner) \|",
                               table, re.MULTILINE))
        scripts = {path.name for path in (SOURCE_DIR / "scripts").iterdir()
                   if path.is_file() and path.name != "README.md"}  # triton/: serve-triton's
        self.assertEqual(sorted(scripts - set(rows)), [], "scripts missing from scripts/README.md")
        self.assertEqual(sorted(set(rows) - scripts), [], "rows of scripts/README.md for no script")

    def test_ci_runs_the_readme_test_command(self):
        readme_blocks, _, _ = self.parsed[SOURCE_DIR / "README.md"]
        test_command = next(block.text.strip() for block in readme_blocks
                            if "scripts/test.sh" in block.text)
        ci_commands = (SOURCE_DIR / ".ci" / "run").read_text(encoding="utf-8")
        self.assertRegex(ci_commands, rf"(?m)(^|&& ){re.escape(test_command)}$",
                         ".ci/run must run exactly the README's test command")

    def test_shell_blocks_run(self):
        if BUILD_DIR is None:
            self.skipTest("no BUILD_DIR given")
        with tempfile.TemporaryDirectory() as tmp:
            checkout, env = self.make_checkout(Path(tmp))
            for path, (blocks, _, _) in self.parsed.items():
                runnable = [block for block in blocks if block.language in SHELL_LANGUAGES
                            and block.not_run_reason is None]
                if runnable:
                    with self.subTest(path=str(path.relative_to(SOURCE_DIR))):
                        self.run_blocks(runnable, checkout, env)

    def make_checkout(self, tmp):
        checkout = tmp / "checkout"
        checkout.mkdir()
        for entry in SOURCE_DIR.iterdir():
            if entry.name not in (".git", "build") and not entry.name.startswith("build-"):
                (checkout / entry.name).symlink_to(entry)
        (checkout / "build").symlink_to(BUILD_DIR)
        models = tmp / "models"
        models.mkdir()
        real = find_real_model()
        if real:
            (models / REAL_MODEL).symlink_to(real)
        else:
            subprocess.run(["/usr/bin/python3", str(MAKE_TEST_MODEL), str(models / REAL_MODEL)],
                           check=True, stdout=subprocess.DEVNULL)
        print(f"all-MiniLM-L6-v2: {real or 'a tiny random stand-in'}", flush=True)
        tools = tmp / "bin"
        tools.mkdir()
        (tools / "python3").symlink_to("/usr/bin/python3")
        (tmp / "home").mkdir()
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("GST_", "XDG_"))}
        env.update(HOME=str(tmp / "home"), PATH=f"{tools}:{os.environ['PATH']}",
                   GST_PLUGIN_PATH=str(checkout / "build" / "plugin"),
                   GST_REGISTRY=str(tmp / "registry.bin"), GST_BERT_MODELS_DIR=str(models))
        return checkout, env

    def run_blocks(self, blocks, checkout, env):
        script = "set -e\n" + "".join(f"echo '== {block.where()}' >&2\n{block.text}\n"
                                      for block in blocks)
        result = subprocess.run(["bash", "-c", script], cwd=checkout, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=240)
        self.assertEqual(result.returncode, 0,
                         f"exit {result.returncode} in the block after the last '==' line:\n"
                         f"{result.stderr[-4000:]}\nstdout:\n{result.stdout[-2000:]}")


if __name__ == "__main__":
    unittest.main(verbosity=2)
