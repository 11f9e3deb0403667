/* bert_reference_activation.c: see bert_reference_activation.h. */
#include "bert_reference_activation.h"

#include <math.h>

double
bert_reference_activation (BertActivation activation, double x)
{
  switch (activation) {
    case BERT_ACTIVATION_TANH: return tanh (x);
    case BERT_ACTIVATION_RELU: return x > 0.0 ? x : 0.0;
    case BERT_ACTIVATION_SIGMOID: return 1.0 / (1.0 + exp (-x));
    case BERT_ACTIVATION_GELU: return 0.5 * x * (1.0 + erf (x / sqrt (2.0)));
    case BERT_ACTIVATION_GELU_TANH:
      return 0.5 * x * (1.0 + tanh (sqrt (2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case BERT_ACTIVATION_SILU: return x / (1.0 + exp (-x));
    case BERT_ACTIVATION_QUICK_GELU: return x / (1.0 + exp (-1.702 * x));
    case BERT_ACTIVATION_IDENTITY: break;
  }
  return x;
}
