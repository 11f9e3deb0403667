#!/usr/bin/python3
"""scripts/install-deps.sh and the check scripts/test.sh makes, on a fake Debian.

dpkg-query, apt-get and sudo are stand-ins on PATH: dpkg-query calls installed every
package but those of $MISSING; apt-get and sudo write their arguments to a log and
install nothing. meson and ninja stand-ins fail, so scripts/test.sh cannot build or run
the suite (itself) here. What must hold: the demo's packages and the tests' are told
apart (clang and valgrind are for the tests only); --check and scripts/test.sh install
nothing and name what is missing with the command that installs it.
"""
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
INSTALL_DEPS = SOURCE_DIR / "scripts" / "install-deps.sh"
TEST_SH = SOURCE_DIR / "scripts" / "test.sh"

FAKE_TOOLS = {
    "dpkg-query": """#!/bin/sh
for package; do :; done
case " $MISSING " in
  *" $package "*) exit 1 ;;
esac
printf 'install ok installed'
""",
    "apt-get": '#!/bin/sh\necho "apt-get $*" >> "$CALLS"\n',
    "sudo": '#!/bin/sh\necho "sudo $*" >> "$CALLS"\nexec "$@"\n',
    "meson": '#!/bin/sh\necho "meson $*" >> "$CALLS"\nexit 1\n',
    "ninja": '#!/bin/sh\necho "ninja $*" >> "$CALLS"\nexit 1\n',
}


class InstallDeps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.bin = Path(self.tmp.name) / "bin"
        self.bin.mkdir()
        for name, text in FAKE_TOOLS.items():
            (self.bin / name).write_text(text)
            (self.bin / name).chmod(0o755)
        self.calls = Path(self.tmp.name) / "calls"

    def tearDown(self):
        self.tmp.cleanup()

    def run_script(self, command, missing):
        env = dict(os.environ, PATH=f"{self.bin}:{os.environ['PATH']}", MISSING=missing,
                   CALLS=str(self.calls))
        return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                              env=env, timeout=60)

    def calls_made(self):
        return self.calls.read_text() if self.calls.exists() else ""

    def test_check_names_missing_test_packages_and_installs_nothing(self):
        result = self.run_script([INSTALL_DEPS, "--check", "tests"], "valgrind clang")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("clang valgrind", result.stderr)
        self.assertIn("scripts/install-deps.sh tests", result.stderr)
        self.assertEqual(self.calls_made(), "")

    def test_demo_needs_no_test_tools(self):
        result = self.run_script([INSTALL_DEPS, "--check", "demo"], "valgrind clang libclang-rt-14-dev")
        self.assertEqual(result.returncode, 0, result.stderr)
        result = self.run_script([INSTALL_DEPS, "--check", "demo"], "libopenblas-dev")
        self.assertEqual(result.returncode, 1)
        self.assertIn("scripts/install-deps.sh demo", result.stderr)

    # "demo": "tests" also installs Triton from PyPI (scripts/serve-triton.sh --install).
    def test_install_gets_only_what_is_missing(self):
        result = self.run_script([INSTALL_DEPS, "demo"], "libopenblas-dev")
        self.assertEqual(result.returncode, 0, result.stderr)
        installs = [line for line in self.calls_made().splitlines()
                    if line.startswith("apt-get") and " install " in line]
        self.assertEqual(len(installs), 1, self.calls_made())
        self.assertTrue(installs[0].endswith(" libopenblas-dev"), installs[0])

    def test_nothing_missing_installs_nothing(self):
        result = self.run_script([INSTALL_DEPS, "demo"], "")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.calls_made(), "")

    def test_unknown_set_is_refused(self):
        result = self.run_script([INSTALL_DEPS, "everything"], "")
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage", result.stderr)

    def test_test_sh_installs_nothing_and_says_what_to_run(self):
        result = self.run_script([TEST_SH], "valgrind")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("valgrind", result.stderr)
        self.assertIn("scripts/install-deps.sh tests", result.stderr)
        self.assertEqual(self.calls_made(), "", "test.sh went on to install or build")


if __name__ == "__main__":
    unittest.main(verbosity=2)
