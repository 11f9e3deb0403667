#!/usr/bin/python3
"""examples/c/caption-overlay: each caption's label drawn on video with textoverlay.

usage: test_caption_overlay.py PROGRAM

Runs PROGRAM on examples/data/captions.srt with a tiny generated classifier for 5 s of
black video written as PNG frames, then checks that it printed each caption with the
label bert-json gives the same caption, and that the frames show the yellow label line
and the white caption while a caption lasts and nothing between captions.
"""
import json
import re
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from example_test_util import CAPTIONS_SRT, main, make_model, require_elements, run  # noqa: E402

PROGRAM = None
FRAMES_PER_SECOND = 10          # the program's
SECONDS = 5
WIDTH, HEIGHT = 640, 360


def frame_pixels(path):
    """The RGB bytes of a PNG frame, decoded by GStreamer."""
    from gi.repository import Gst
    pipeline = Gst.parse_launch("filesrc name=file ! pngdec ! videoconvert ! "
                                "video/x-raw,format=RGB ! appsink name=sink")
    pipeline.get_by_name("file").set_property("location", str(path))
    pipeline.set_state(Gst.State.PLAYING)
    sample = pipeline.get_by_name("sink").emit("try-pull-sample", 10 * Gst.SECOND)
    pipeline.set_state(Gst.State.NULL)
    assert sample is not None, f"could not decode {path}"
    buffer = sample.get_buffer()
    return buffer.extract_dup(0, buffer.get_size())


def count_colours(pixels):
    """(yellow, white) pixel counts: the label line and the caption text."""
    yellow = white = 0
    for i in range(0, len(pixels), 3):
        r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
        if r > 200 and g > 200:
            if b < 80:
                yellow += 1
            elif b > 200:
                white += 1
    return yellow, white


class CaptionOverlay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        cls.model = make_model(tmp / "classifier", "--head", "sequence", "--labels", "3")
        (tmp / "frames").mkdir()
        cls.result = run([PROGRAM, "--seconds", SECONDS, "--pattern", "black", "--output",
                          tmp / "frames" / "%03d.png", CAPTIONS_SRT, cls.model])
        cls.frames = sorted((tmp / "frames").iterdir())

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def frame_at(self, seconds):
        return self.frames[round(seconds * FRAMES_PER_SECOND)]

    def test_runs_to_the_end_of_the_video(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertEqual(len(self.frames), SECONDS * FRAMES_PER_SECOND)

    def test_prints_the_labels_bert_json_gives(self):
        from gi.repository import Gst
        pipeline = Gst.parse_launch(
            f"filesrc location={CAPTIONS_SRT} ! subparse ! tokenizer vocab={self.model} ! "
            f"bert-infer model={self.model} ! bert-json ! appsink name=sink sync=false")
        pipeline.set_state(Gst.State.PLAYING)
        sink = pipeline.get_by_name("sink")
        expected = {}
        while (sample := sink.emit("try-pull-sample", 30 * Gst.SECOND)) is not None:
            buffer = sample.get_buffer()
            line = json.loads(buffer.extract_dup(0, buffer.get_size()))
            probability = line["result"]["probs"][line["result"]["label_index"]]
            expected[line["pts"]] = f"{line['result']['label']} ({probability:.2f})"
        pipeline.set_state(Gst.State.NULL)

        printed = re.findall(r"^(\d+):(\d\d):(\d\d)\.(\d{9})  (\S+ \(\S+\))  ", self.result.stdout,
                             re.MULTILINE)
        self.assertGreaterEqual(len(printed), 2, self.result.stdout)
        for hours, minutes, seconds, nanoseconds, label in printed:
            pts = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * Gst.SECOND
            self.assertEqual(label, expected[pts + int(nanoseconds)])

    def test_label_and_caption_drawn_while_the_caption_lasts(self):
        for seconds in (1.5, 3.0, 4.5):      # captions 1 (1 to 3.5 s) and 2 (4 to 6 s)
            yellow, white = count_colours(frame_pixels(self.frame_at(seconds)))
            self.assertGreater(yellow, 100, f"label line at {seconds} s")
            self.assertGreater(white, 100, f"caption at {seconds} s")

    def test_nothing_drawn_between_captions(self):
        for seconds in (0.5, 3.7):
            self.assertEqual(count_colours(frame_pixels(self.frame_at(seconds))), (0, 0),
                             f"frame at {seconds} s")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} PROGRAM")
    PROGRAM = sys.argv.pop(1)
    require_elements("filesrc", "subparse", "videotestsrc", "textoverlay", "videoconvert",
                     "pngenc", "multifilesink", "pngdec", "appsink", "tokenizer", "bert-infer",
                     "bert-json")
    main()
