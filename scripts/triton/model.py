"""gst-bert's engine as a Triton Inference Server model (Python backend).

scripts/serve-triton.sh copies this file into a model repository as MODEL/1/model.py and
names, in config.pbtxt's parameters, the gst-bert model folder (GST_BERT_MODEL_DIR), the
engine's flat C entry libgstbert-serve.so (GST_BERT_SERVE_LIBRARY, kernels/remote/serve/)
and the CPU threads per instance (GST_BERT_THREADS). Each request is one packed batch as
bert-infer's remote backend sends it: IDS and TYPE_IDS (INT32, all tokens end to end),
LENGTHS (INT32, one per sequence), POOLING and NORMALIZE (INT32 [1], -1: the model's).
The outputs are the engine's, byte for byte: docs/remote.md.
"""
import ctypes
import json

import numpy
import triton_python_backend_utils as pb_utils

HEAD_ENCODER, HEAD_SEQUENCE_CLASSIFIER, HEAD_TOKEN_CLASSIFIER = 0, 1, 2
ERROR_SIZE = 1024
INT32_P = ctypes.POINTER(ctypes.c_int32)
UINT8_P = ctypes.POINTER(ctypes.c_uint8)
FLOAT_P = ctypes.POINTER(ctypes.c_float)


def pointer(array, kind):
    return None if array is None else array.ctypes.data_as(kind)


def load_library(path):
    library = ctypes.CDLL(path)
    library.bert_serve_open.restype = ctypes.c_void_p
    library.bert_serve_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                        ctypes.c_size_t]
    library.bert_serve_close.argtypes = [ctypes.c_void_p]
    for name in ("bert_serve_head", "bert_serve_hidden_size", "bert_serve_num_labels"):
        getattr(library, name).argtypes = [ctypes.c_void_p]
    library.bert_serve_embedding_size.argtypes = [ctypes.c_void_p, ctypes.c_int]
    library.bert_serve_run.argtypes = [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_int, INT32_P, INT32_P, INT32_P,
        ctypes.c_uint32, ctypes.c_uint32, FLOAT_P, FLOAT_P, FLOAT_P, INT32_P, UINT8_P,
        FLOAT_P, FLOAT_P, INT32_P, ctypes.c_char_p, ctypes.c_size_t]
    return library


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        parameters = {key: value["string_value"]
                      for key, value in config.get("parameters", {}).items()}
        self.library = load_library(parameters["GST_BERT_SERVE_LIBRARY"])
        error = ctypes.create_string_buffer(ERROR_SIZE)
        self.serve = self.library.bert_serve_open(
            parameters["GST_BERT_MODEL_DIR"].encode(),
            int(parameters.get("GST_BERT_THREADS", "0")), error, ERROR_SIZE)
        if not self.serve:
            raise pb_utils.TritonModelException(
                f"gst-bert model {parameters['GST_BERT_MODEL_DIR']}: {error.value.decode()}")
        self.head = self.library.bert_serve_head(self.serve)
        self.num_labels = self.library.bert_serve_num_labels(self.serve)

    def finalize(self):
        self.library.bert_serve_close(self.serve)
        self.serve = None

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                tensors = self.run(request)
                responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
            except ValueError as error:
                responses.append(pb_utils.InferenceResponse(
                    output_tensors=[], error=pb_utils.TritonError(str(error))))
        return responses

    def input_array(self, request, name, default=None):
        tensor = pb_utils.get_input_tensor_by_name(request, name)
        if tensor is None:
            if default is None:
                raise ValueError(f"input {name} is missing")
            return numpy.array([default], dtype=numpy.int32)
        array = numpy.ascontiguousarray(tensor.as_numpy(), dtype=numpy.int32).reshape(-1)
        return array

    def run(self, request):
        ids = self.input_array(request, "IDS")
        type_ids = self.input_array(request, "TYPE_IDS")
        lengths = self.input_array(request, "LENGTHS")
        pooling = int(self.input_array(request, "POOLING", -1)[0])
        normalize = int(self.input_array(request, "NORMALIZE", -1)[0])
        if type_ids.size != ids.size or lengths.size == 0:
            raise ValueError(f"IDS has {ids.size} tokens, TYPE_IDS {type_ids.size}, "
                             f"LENGTHS {lengths.size} sequences: need equal ids and type ids "
                             f"and at least one sequence")
        outputs = self.allocate(lengths.size, ids.size, pooling)
        error = ctypes.create_string_buffer(ERROR_SIZE)
        status = self.library.bert_serve_run(
            self.serve, pooling, normalize, pointer(ids, INT32_P), pointer(type_ids, INT32_P),
            pointer(lengths, INT32_P), lengths.size, ids.size,
            pointer(outputs.get("EMBEDDING"), FLOAT_P), pointer(outputs.get("LOGITS"), FLOAT_P),
            pointer(outputs.get("PROBS"), FLOAT_P), pointer(outputs.get("LABELS"), INT32_P),
            pointer(outputs.get("LABEL_APPLIES"), UINT8_P),
            pointer(outputs.get("TOKEN_LOGITS"), FLOAT_P),
            pointer(outputs.get("TOKEN_PROBS"), FLOAT_P),
            pointer(outputs.get("TOKEN_LABELS"), INT32_P), error, ERROR_SIZE)
        if status != 0:
            raise ValueError(error.value.decode(errors="replace"))
        return [pb_utils.Tensor(name, array) for name, array in outputs.items()]

    def allocate(self, n_sequences, n_tokens, pooling):
        if self.head == HEAD_ENCODER:
            width = self.library.bert_serve_embedding_size(self.serve, pooling)
            return {"EMBEDDING": numpy.zeros((n_sequences, width), numpy.float32)}
        if self.head == HEAD_SEQUENCE_CLASSIFIER:
            return {"LOGITS": numpy.zeros((n_sequences, self.num_labels), numpy.float32),
                    "PROBS": numpy.zeros((n_sequences, self.num_labels), numpy.float32),
                    "LABELS": numpy.zeros(n_sequences, numpy.int32),
                    "LABEL_APPLIES": numpy.zeros((n_sequences, self.num_labels), numpy.uint8)}
        return {"TOKEN_LOGITS": numpy.zeros((n_tokens, self.num_labels), numpy.float32),
                "TOKEN_PROBS": numpy.zeros((n_tokens, self.num_labels), numpy.float32),
                "TOKEN_LABELS": numpy.zeros(n_tokens, numpy.int32)}
