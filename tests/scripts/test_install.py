#!/usr/bin/python3
"""What `meson install` gives a user, staged with --destdir.

usage: test_install.py BUILD_DIR

- the model-fetching command is installed in bindir as gst-bert-get-model, and names
  itself so;
- the plugin's "no model" error names that command when the plugin runs installed, and
  scripts/get-model.sh when it runs from the build folder;
- a C program including <gst/bert/gstbertmeta.h> builds with the installed pkg-config
  file's flags, as docs/api.md writes it.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

BUILD_DIR = Path(sys.argv.pop(1)).resolve() if len(sys.argv) > 1 else None
NO_MODEL_PIPELINE = ["gst-launch-1.0", "-q", "fakesrc", "num-buffers=0", "!", "bert-infer",
                     "!", "fakesink"]
META_PROGRAM = """#include <gst/bert/gstbertmeta.h>
int main (int argc, char **argv) {
  gst_init (&argc, &argv);
  GstBuffer *buffer = gst_buffer_new ();
  int found = gst_buffer_get_bert_result_meta (buffer) != NULL;
  gst_buffer_unref (buffer);
  return found;
}
"""


def run(command, **kwargs):
    return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=120, **kwargs)


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.stage = Path(cls.tmp.name) / "stage"
        result = run(["meson", "install", "-C", BUILD_DIR, "--no-rebuild", "--quiet",
                      "--destdir", cls.stage])
        if result.returncode != 0:
            raise AssertionError(f"meson install failed:\n{result.stdout}{result.stderr}")
        cls.prefix = cls.stage / str(Path(cls.installed_option("prefix"))).lstrip("/")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @staticmethod
    def installed_option(name):
        result = run(["meson", "introspect", "--buildoptions", BUILD_DIR])
        return next(option["value"] for option in json.loads(result.stdout)
                    if option["name"] == name)

    def staged(self, pattern):
        found = sorted(self.stage.rglob(pattern))
        self.assertTrue(found, f"nothing installed matches {pattern}")
        return found[0]

    def no_model_error(self, plugin_dir):
        env = dict(os.environ, GST_PLUGIN_PATH=str(plugin_dir),
                   GST_REGISTRY=str(Path(self.tmp.name) / f"registry-{plugin_dir.name}.bin"),
                   GST_BERT_MODELS_DIR=str(Path(self.tmp.name) / "empty-models"))
        env.pop("GST_PLUGIN_SYSTEM_PATH_1_0", None)  # fakesrc and fakesink, as a user has them
        result = run(NO_MODEL_PIPELINE, env=env)
        self.assertNotEqual(result.returncode, 0)
        return result.stdout + result.stderr

    def test_get_model_installed_under_its_name(self):
        command = self.prefix / "bin" / "gst-bert-get-model"
        self.assertTrue(os.access(command, os.X_OK), f"{command} is not an installed program")
        result = run([command])
        self.assertEqual(result.returncode, 2)
        self.assertIn("usage: gst-bert-get-model NAME [DIR]", result.stderr)

    def test_installed_plugin_names_the_installed_command(self):
        plugin_dir = self.staged("libgstbert.so").parent
        output = self.no_model_error(plugin_dir)
        self.assertIn("fetch it with gst-bert-get-model all-MiniLM-L6-v2", output)
        self.assertNotIn("scripts/get-model.sh", output)

    def test_build_tree_plugin_names_the_script(self):
        output = self.no_model_error(BUILD_DIR / "plugin")
        self.assertIn("fetch it with scripts/get-model.sh all-MiniLM-L6-v2 from the gst-bert "
                      "sources", output)

    def test_meta_header_compiles_with_the_installed_pkg_config_file(self):
        # The installed file, with its prefix moved to the stage (for this file only).
        installed_pc = self.staged("gstbertmeta.pc")
        pc_dir = Path(self.tmp.name) / "pkgconfig"
        pc_dir.mkdir(exist_ok=True)
        (pc_dir / "gstbertmeta.pc").write_text(
            installed_pc.read_text().replace(f"prefix={self.installed_option('prefix')}\n",
                                             f"prefix={self.prefix}\n", 1))
        env = dict(os.environ, PKG_CONFIG_PATH=str(pc_dir))
        flags = run(["pkg-config", "--cflags", "--libs", "gstbertmeta"], env=env)
        self.assertEqual(flags.returncode, 0, flags.stderr)
        source = Path(self.tmp.name) / "app.c"
        source.write_text(META_PROGRAM)
        program = Path(self.tmp.name) / "app"
        cc = os.environ.get("CC") or shutil.which("cc") or "gcc"
        result = run([cc, source, "-o", program, *flags.stdout.split()])
        self.assertEqual(result.returncode, 0, f"{flags.stdout}\n{result.stderr}")


if __name__ == "__main__":
    if BUILD_DIR is None:
        sys.exit(__doc__)
    unittest.main(verbosity=2)
