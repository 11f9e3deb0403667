#!/usr/bin/python3
"""gst-bert as a meson subproject: dependency('gstbertmeta') is the in-tree metadata
library (meson.override_dependency in plugin/meson.build), and an application includes
<gst/bert/gstbertmeta.h> as it does against the installed library.

A consumer project in a temporary folder has this source tree as subprojects/gst-bert
(a symlink); its program is built alone (ninja TARGET: the meta library and itself),
with gst-bert's CUDA module and tests off, and run.
"""
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
CONSUMER_MESON = """project('consumer', 'c')
subproject('gst-bert', default_options : ['cuda=disabled', 'tests=disabled'])
meta_dep = dependency('gstbertmeta')
assert(meta_dep.type_name() == 'internal', 'gstbertmeta was not taken from the subproject')
executable('consumer', 'consumer.c', dependencies : meta_dep)
"""
CONSUMER_C = """#include <gst/bert/gstbertmeta.h>
int main (int argc, char **argv) {
  gst_init (&argc, &argv);
  GstBuffer *buffer = gst_buffer_new ();
  GstCustomMeta *meta = gst_buffer_add_bert_result_meta (buffer, "model", 1);
  int ok = meta != NULL && gst_buffer_get_bert_result_meta (buffer) == meta;
  gst_buffer_unref (buffer);
  return ok ? 0 : 1;
}
"""


def run(command, **kwargs):
    return subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=300, **kwargs)


class Subproject(unittest.TestCase):
    def test_meta_library_is_overridden_for_subproject_users(self):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp) / "consumer"
            (project / "subprojects").mkdir(parents=True)
            (project / "subprojects" / "gst-bert").symlink_to(SOURCE_DIR)
            (project / "meson.build").write_text(CONSUMER_MESON)
            (project / "consumer.c").write_text(CONSUMER_C)
            build = Path(tmp) / "build"
            setup = run(["meson", "setup", build, project])
            self.assertEqual(setup.returncode, 0, setup.stdout[-3000:] + setup.stderr)
            compiled = run(["ninja", "-C", build, "consumer"])
            self.assertEqual(compiled.returncode, 0, compiled.stdout[-3000:])
            result = run([build / "consumer"], env=dict(os.environ, GST_REGISTRY_FORK="no"))
            self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
