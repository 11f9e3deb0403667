"""A settings case's files, written into a copy of its base model folder: shared by
make-settings-models.py (which runs sentence-transformers on the folder) and
test-settings-elements.py (which runs gst-bert's elements on the same folder)."""
import json
from pathlib import Path

TOKENIZER_DATA = Path(__file__).resolve().parent.parent / "tokenizer" / "data"


def apply_settings(folder, family, settings, tokenizer):
    """Writes the case's files into folder. tokenizer: the tokenizer.json folder under
    tests/tokenizer/data the family uses, or None (a vocab.txt family)."""
    folder = Path(folder)
    if tokenizer:
        document = json.loads((TOKENIZER_DATA / tokenizer / "tokenizer.json").read_text(encoding="utf-8"))
        if "truncation" in settings:
            document["truncation"] = {"direction": "Right", "max_length": settings["truncation"],
                                      "strategy": "LongestFirst", "stride": 0}
        (folder / "tokenizer.json").write_text(json.dumps(document), encoding="utf-8")
    # RoBERTa's and XLM-R's tokenizer.json read as they are: transformers 5 would rebuild them
    # as RobertaTokenizer and XLMRobertaTokenizer otherwise (another story, bert_transformers5.h)
    fields = ['"tokenizer_class": "PreTrainedTokenizerFast", "pad_token": "<pad>"'] \
        if tokenizer and family != "distilbert-json" else []
    if "model_max_length" in settings:
        fields.append('"model_max_length": %s' % settings["model_max_length"])
    if "max_len" in settings:  # transformers' name before model_max_length
        fields.append('"max_len": %s' % settings["max_len"])
    if fields:
        (folder / "tokenizer_config.json").write_text("{%s}\n" % ", ".join(fields))
    if "max_seq_length" in settings:
        (folder / "sentence_bert_config.json").write_text(
            '{"max_seq_length": %s, "do_lower_case": false}\n' % settings["max_seq_length"])
    if "module_file" in settings:  # (name, text): another module file
        (folder / settings["module_file"][0]).write_text(settings["module_file"][1])
