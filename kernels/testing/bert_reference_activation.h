/* bert_reference_activation.h: the activations of BertActivation in double precision, as
 * PyTorch defines them, for the tests that hold the engine's kernels (CPU and CUDA) to them. */
#ifndef BERT_REFERENCE_ACTIVATION_H
#define BERT_REFERENCE_ACTIVATION_H

#include "bert_model.h"

double bert_reference_activation (BertActivation activation, double x);

#endif
