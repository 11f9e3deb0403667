#!/usr/bin/python3
"""STS Benchmark through a real gst-bert pipeline.

    tests/eval/sts-eval.py [--model DIR] [--csv FILE] [--precision P] [--min X --max Y] [--pairs N]

Pushes both sentences of every pair of the STS Benchmark test set through
`appsrc ! tokenizer ! bert-infer ! appsink`, reads each embedding from the buffer's
GstBertResultMeta, and prints the Spearman rank correlation (x100, average ranks for
ties) of the pairs' cosine similarities with the gold scores, the figure the MTEB
leaderboard and sentence-transformers report. With --min and --max it exits 1 when the
figure falls outside [min, max], with --pairs when the file holds another number of
pairs; that is how the test suite runs it (docs/evaluation.md). --precision sets
bert-infer's precision (auto, fp32, bf16 or int8 on the CPU); every result must say it
ran in that precision, and where the CPU lacks the instructions for it (bert-infer falls
back to fp32) the script skips.

Needs Debian's python3-gi and python3-numpy and the gst-bert plugin on GST_PLUGIN_PATH.
The CSV defaults to $GST_BERT_SHARED_DIR/eval/stsbenchmark/sts-test.csv (else ../shared
beside the repository), the model to $GST_BERT_SHARED_DIR/models/all-MiniLM-L6-v2 where
GST_BERT_SHARED_DIR is set, else to where `scripts/get-model.sh all-MiniLM-L6-v2` puts
it and bert-infer looks: all-MiniLM-L6-v2 in $GST_BERT_MODELS_DIR, else in
$XDG_DATA_HOME/gst-bert/models (~/.local/share/gst-bert/models). Exits 77 (skipped, for
the test suite) when an input, gi, numpy or a GStreamer element is missing, and 2 on a
malformed CSV line or a pipeline error.
"""
import argparse
import math
import os
import sys
from pathlib import Path

SKIP = 77
FAILURE = 2
SOURCE_DIR = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("GST_BERT_SHARED_DIR", SOURCE_DIR.parent / "shared"))
MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_CSV = SHARED_DIR / "eval" / "stsbenchmark" / "sts-test.csv"
# Columns of sts-test.csv (PROVENANCE.md): genre, file, year, id, score, sentence 1,
# sentence 2; forum pairs carry two more columns naming their sources.
SCORE_COLUMN, FIRST_COLUMN, SECOND_COLUMN = 4, 5, 6
MIN_COLUMNS = 7
PIPELINE_TIMEOUT_S = 600

try:
    import numpy
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as error:
    print(f"SKIP: needs python3-gi with Gst 1.0 and numpy: {error}")
    sys.exit(SKIP)


def default_model():
    """The shared copy for the test suite, else the models folder of gst-bert's own
    default (elements/gstbertmodeldir.h)."""
    if "GST_BERT_SHARED_DIR" in os.environ:
        return SHARED_DIR / "models" / MODEL_NAME
    models_dir = os.environ.get("GST_BERT_MODELS_DIR")
    if not models_dir:
        data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        models_dir = Path(data_home) / "gst-bert" / "models"
    return Path(models_dir) / MODEL_NAME


class EvalError(Exception):
    """A malformed input or a failed pipeline: reported, never a traceback."""


def read_pairs(csv_path):
    """Gold scores and both sentences of every line of the STS Benchmark CSV.

    Fields are split on tabs only: the file is not CSV-quoted. Its double quotes are
    text (`"Tony's not feeling well," Spurs coach...`); a CSV reader would take those
    that open a field as quoting and drop them from 24 pairs (docs/evaluation.md)."""
    gold, first, second = [], [], []
    with open(csv_path, encoding="utf-8", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            fields = line.rstrip("\n").split("\t")
            where = f"{csv_path}:{number}"
            if len(fields) < MIN_COLUMNS:
                raise EvalError(f"{where}: {len(fields)} tab-separated fields, "
                                f"expected at least {MIN_COLUMNS}")
            try:
                score = float(fields[SCORE_COLUMN])
            except ValueError:
                raise EvalError(f"{where}: score field {fields[SCORE_COLUMN]!r} "
                                "is not a number") from None
            if not 0.0 <= score <= 5.0:
                raise EvalError(f"{where}: score {score} is outside 0 to 5")
            gold.append(score)
            first.append(fields[FIRST_COLUMN])
            second.append(fields[SECOND_COLUMN])
    if not gold:
        raise EvalError(f"{csv_path}: no pairs")
    return numpy.array(gold), first, second


def require_elements(*names):
    for name in names:
        if not Gst.ElementFactory.find(name):
            where = os.environ.get("GST_PLUGIN_PATH", "GST_PLUGIN_PATH unset")
            print(f"SKIP: GStreamer element {name} not found (plugin path: {where})")
            sys.exit(SKIP)


def embedding_of(buffer):
    meta = buffer.get_custom_meta("GstBertResultMeta")
    if meta is None:
        raise EvalError(f"sentence {buffer.pts} came back without a GstBertResultMeta")
    field = meta.get_structure().get_value("embedding")
    if not isinstance(field, Gst.Buffer):
        raise EvalError(f"sentence {buffer.pts}: the result has no embedding "
                        "(the model is not a sentence encoder)")
    return numpy.frombuffer(field.extract_dup(0, field.get_size()), dtype=numpy.float32)


def precision_of(buffer):
    return buffer.get_custom_meta("GstBertResultMeta").get_structure().get_string("precision")


def embed(sentences, model, precision):
    """One embedding per sentence, through appsrc ! tokenizer ! bert-infer ! appsink.

    Each buffer's PTS is its sentence's index, so results are matched to sentences by
    PTS and every sentence must come back exactly once."""
    pipeline = Gst.parse_launch(
        "appsrc name=src format=time caps=text/x-raw,format=utf8 ! tokenizer name=tokenizer ! "
        "bert-infer name=infer device=cpu ! appsink name=sink sync=false emit-signals=true")
    pipeline.get_by_name("tokenizer").set_property("vocab", str(model))
    pipeline.get_by_name("infer").set_property("model", str(model))
    pipeline.get_by_name("infer").set_property("precision", precision)
    embeddings = {}
    precisions = set()
    failures = []

    def on_new_sample(sink):
        # An exception cannot leave a signal handler: keep it, and stop the stream.
        buffer = sink.emit("pull-sample").get_buffer()
        try:
            embedding = embedding_of(buffer)
            precisions.add(precision_of(buffer))
        except EvalError as error:
            failures.append(error)
            return Gst.FlowReturn.ERROR
        embeddings.setdefault(buffer.pts, []).append(embedding)
        return Gst.FlowReturn.OK

    pipeline.get_by_name("sink").connect("new-sample", on_new_sample)
    try:
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise EvalError(pipeline_error(pipeline) or "pipeline did not start")
        push_sentences(pipeline.get_by_name("src"), sentences)
        message = pipeline.get_bus().timed_pop_filtered(
            PIPELINE_TIMEOUT_S * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if message is None:
            raise EvalError(f"pipeline did not reach EOS in {PIPELINE_TIMEOUT_S} s")
        if failures:
            raise failures[0]
        if message.type == Gst.MessageType.ERROR:
            raise EvalError(describe_error(message))
    finally:
        pipeline.set_state(Gst.State.NULL)
    return collect(embeddings, len(sentences)), precisions


def push_sentences(src, sentences):
    for index, sentence in enumerate(sentences):
        data = sentence.encode("utf-8")
        buffer = Gst.Buffer.new_wrapped(data) if data else Gst.Buffer.new()
        buffer.pts = index
        flow = src.emit("push-buffer", buffer)
        if flow != Gst.FlowReturn.OK:
            raise EvalError(f"appsrc refused sentence {index}: {flow.value_nick}")
    src.emit("end-of-stream")


def pipeline_error(pipeline):
    message = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    return describe_error(message) if message else None


def describe_error(message):
    error, debug = message.parse_error()
    return f"{message.src.get_name()}: {error.message} ({debug})"


def collect(embeddings, count):
    """The embeddings in sentence order; each sentence exactly once, one dimension."""
    missing = [index for index in range(count) if index not in embeddings]
    repeated = [pts for pts, found in embeddings.items() if len(found) > 1]
    unexpected = [pts for pts in embeddings if not 0 <= pts < count]
    if missing or repeated or unexpected:
        raise EvalError(f"{count} sentences pushed, {sum(map(len, embeddings.values()))} "
                        f"buffers came back: missing {missing[:5]}, repeated {repeated[:5]}, "
                        f"unknown PTS {unexpected[:5]}")
    dims = {found[0].size for found in embeddings.values()}
    if len(dims) != 1 or 0 in dims:
        raise EvalError(f"embeddings of different sizes: {sorted(dims)}")
    return numpy.stack([embeddings[index][0] for index in range(count)])


def cosine(first, second):
    dot = numpy.einsum("ij,ij->i", first.astype(numpy.float64), second.astype(numpy.float64))
    return dot / (numpy.linalg.norm(first, axis=1) * numpy.linalg.norm(second, axis=1))


def average_ranks(values):
    """Ranks from 1; tied values share the mean of the ranks they span."""
    order = numpy.argsort(values, kind="stable")
    sorted_values = values[order]
    starts_run = numpy.concatenate(([True], sorted_values[1:] != sorted_values[:-1]))
    run_of = numpy.cumsum(starts_run) - 1
    run_starts = numpy.flatnonzero(starts_run)
    run_ends = numpy.append(run_starts[1:], len(values))
    # Positions start..end-1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    run_rank = (run_starts + 1 + run_ends) / 2.0
    ranks = numpy.empty(len(values))
    ranks[order] = run_rank[run_of]
    return ranks


def spearman(first, second):
    """Pearson's correlation of the average ranks: Spearman's rho with ties. NaN where
    either side is constant, which the caller reports."""
    with numpy.errstate(invalid="ignore", divide="ignore"):
        return float(numpy.corrcoef(average_ranks(first), average_ranks(second))[0, 1])


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model(),
                        help="Hugging Face model folder (default %(default)s)")
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV,
                        help=f"STS Benchmark file (default {DEFAULT_CSV})")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "int8"],
                        help="bert-infer's precision (default auto: fp32 on the CPU)")
    parser.add_argument("--min", type=float, help="exit 1 when the figure is below this")
    parser.add_argument("--max", type=float, help="exit 1 when the figure is above this")
    parser.add_argument("--pairs", type=int, help="exit 1 unless the file holds this many pairs")
    return parser.parse_args()


def main():
    args = parse_arguments()
    if not args.model.exists():
        print(f"SKIP: model folder {args.model} not found "
              f"(scripts/get-model.sh {MODEL_NAME} fetches it)")
        return SKIP
    if not args.csv.exists():
        print(f"SKIP: {args.csv} not found")
        return SKIP
    Gst.init(None)
    require_elements("appsrc", "appsink", "tokenizer", "bert-infer")
    try:
        gold, first, second = read_pairs(args.csv)
        embeddings, precisions = embed(first + second, args.model.resolve(), args.precision)
    except (EvalError, OSError, UnicodeDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILURE
    expected = "fp32" if args.precision == "auto" else args.precision
    if precisions != {expected}:
        if args.precision in ("bf16", "int8") and precisions == {"fp32"}:
            print(f"SKIP: bert-infer ran {args.precision} in fp32 (this CPU lacks the instructions)")
            return SKIP
        print(f"error: results say precision {sorted(precisions)}, expected {expected}",
              file=sys.stderr)
        return FAILURE
    pairs = len(gold)
    figure = 100.0 * spearman(cosine(embeddings[:pairs], embeddings[pairs:]), gold)
    print(f"STS Benchmark test: Spearman {figure:.2f} ({pairs} pairs, {expected})")
    return 1 if out_of_bounds(args, figure, pairs) else 0


def out_of_bounds(args, figure, pairs):
    """Says on stderr which bound the run missed, if any."""
    failures = []
    if not math.isfinite(figure):
        failures.append("the correlation is undefined (all cosines or all scores equal)")
    if args.pairs is not None and pairs != args.pairs:
        failures.append(f"{args.csv} holds {pairs} pairs, expected {args.pairs}")
    if args.min is not None and figure < args.min:
        failures.append(f"Spearman {figure:.4f} is below --min {args.min}")
    if args.max is not None and figure > args.max:
        failures.append(f"Spearman {figure:.4f} is above --max {args.max}")
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return bool(failures)


if __name__ == "__main__":
    sys.exit(main())
