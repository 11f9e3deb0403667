#!/usr/bin/python3
"""The settings of a model folder that decide how long an input may be, through `tokenizer !
bert-infer` and `bert-infer` alone, against sentence-transformers on the same folder.

usage: test-settings-elements.py [SETTINGS_DIR]   (default: data/settings beside this script)

SETTINGS_DIR/cases.json (make-settings-models.py) lists a matrix of settings (tokenizer_config.json's
model_max_length, sentence_bert_config.json's max_seq_length, tokenizer.json's
truncation.max_length, the elements' max-length properties) over a BERT (vocab.txt), a
DistilBERT (tokenizer.json), a RoBERTa (byte-level BPE) and an XLM-R (Unigram) folder, and what
sentence-transformers does with each. Each case's folder is made again here and its texts run
through the elements:
- where the reference runs a text, gst-bert must give its embedding (max abs diff <= 1e-4),
  and without the properties set, the tokenizer element and bert-infer alone its very ids;
- where the reference fails on a text (an input longer than the position table) or refuses
  the folder, gst-bert must refuse the folder or warn, naming the setting: never run silently.
Exits 77 (skipped) where gi, numpy or the elements are missing.
"""
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS_DIR = Path(sys.argv.pop(1)) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") \
    else HERE / "data" / "settings"
DATA = HERE / "data"

from element_pipelines import buffer_field, numpy, run_outcome  # noqa: E402  (exits 77 first where needed)
from settings_folders import apply_settings  # noqa: E402

# Words that a warning about a folder's length setting names.
SETTING_WORDS = ("model_max_length", "max_seq_length", "max-length", "position")


def run(description, texts):
    """{"error": text} where the pipeline fails, else {"results": [(token meta, result meta)],
    "warnings": [text]}."""
    outcome = run_outcome(description, texts, lambda buffer: (
        buffer.get_custom_meta("GstBertTokenMeta").get_structure().copy(),
        buffer.get_custom_meta("GstBertResultMeta").get_structure().copy()))
    if "warnings" in outcome:
        outcome["warnings"] = [f"{message} {debug}" for message, debug in outcome["warnings"]]
    return outcome


def pipelines(folder, settings):
    """(name, description, whether its ids must be the reference's) of the pipelines a case runs."""
    tokenizer_length = settings.get("tokenizer_max_length", 0)
    infer_length = settings.get("infer_max_length", 0)
    infer = f"bert-infer model={folder} device=cpu" + (f" max-length={infer_length}" if infer_length else "")
    tokenizer = f"tokenizer model={folder}" + (f" max-length={tokenizer_length}" if tokenizer_length else "")
    plain = not tokenizer_length and not infer_length
    described = [("tokenizer ! bert-infer", f"{tokenizer} ! {infer}", plain)]
    if not tokenizer_length:
        described.append(("bert-infer", infer, True))
    return described


def names_a_setting(text):
    return any(word in text for word in SETTING_WORDS)


class SettingsPipelines(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.document = json.loads((SETTINGS_DIR / "cases.json").read_text(encoding="utf-8"))

    def check_case(self, case):
        family = self.document["families"][case["family"]]
        base = DATA / family["base"] if not (SETTINGS_DIR / case["family"]).is_dir() \
            else SETTINGS_DIR / case["family"]
        with tempfile.TemporaryDirectory(prefix="gst-bert-settings-") as work:
            folder = Path(work) / "model"
            shutil.copytree(base, folder)
            apply_settings(folder, case["family"], case["settings"], family["tokenizer"])
            for name, description, exact_ids in pipelines(folder, case["settings"]):
                with self.subTest(family=case["family"], case=case["name"], pipeline=name):
                    self.check_pipeline(case, family, run(description, family["texts"]), exact_ids)

    def check_pipeline(self, case, family, got, exact_ids):
        where = f"{case['family']} {case['name']} {case['settings']}"
        if "load_error" in case:
            self.assertTrue("error" in got or any(names_a_setting(w) for w in got["warnings"]),
                            f"{where}: the reference refuses the folder ({case['load_error']}), gst-bert "
                            f"runs it without a word")
            return
        reference_fails = any("error" in text for text in case["texts"])
        if "error" in got:
            self.assertTrue(reference_fails, f"{where}: gst-bert fails where the reference runs: {got['error']}")
            self.assertTrue(names_a_setting(got["error"]), f"{where}: {got['error']}")
            return
        self.assertEqual(len(got["results"]), len(family["texts"]), where)
        if reference_fails:
            self.assertTrue(any(names_a_setting(w) and "position" in w for w in got["warnings"]),
                            f"{where}: the reference fails ({case['texts']}), gst-bert warns only "
                            f"{got['warnings']}")
        for text, line, (tokens, result) in zip(family["texts"], case["texts"], got["results"]):
            if "error" in line:
                continue
            want = family["embeddings"][" ".join(map(str, line["ids"]))]
            if exact_ids:
                self.assertEqual(buffer_field(tokens, "ids", numpy.int32).tolist(), line["ids"],
                                 f"{where}: {text[:30]!r}")
            numpy.testing.assert_allclose(buffer_field(result, "embedding", numpy.float32), want, atol=1e-4,
                                          rtol=0, err_msg=f"{where}: {text[:30]!r}")

    def test_cases(self):
        for case in self.document["cases"]:
            self.check_case(case)


if __name__ == "__main__":
    unittest.main()
