/* gpu-peaks.c: see gpu-peaks.h. */
#include "gpu-peaks.h"

#include <glib.h>
#include <string.h>

typedef struct {
  /* every one of these must be in the name (NULL ends the list) ... */
  const char *all_of[3];
  /* ... and none of these */
  const char *none_of[3];
  GpuPeak peak;
} GpuPeakRow;

/* Dense TFLOP/s (NVIDIA's sparse figures halved). H100 SXM reports "H100 80GB HBM3" or
 * "H100 SXM5"; PCIe and NVL say so, and must not fall into the SXM row. */
static const GpuPeakRow rows[] = {
  { { "H100", "NVL" }, { NULL }, { "H100 NVL", 835.5, 835.5, 60.0 } },
  { { "H100", "PCIe" }, { NULL }, { "H100 PCIe", 756.5, 756.5, 51.2 } },
  { { "H100" }, { "NVL", "PCIe" }, { "H100 SXM", 989.5, 989.5, 66.9 } },
  { { "H200", "NVL" }, { NULL }, { "H200 NVL", 835.5, 835.5, 60.0 } },
  { { "H200" }, { "NVL" }, { "H200 SXM", 989.5, 989.5, 66.9 } },
  { { "A100" }, { NULL }, { "A100", 312.0, 312.0, 19.5 } },
  { { "L40S" }, { NULL }, { "L40S", 362.05, 362.05, 91.6 } },
  { { "L4" }, { "L40" }, { "L4", 121.0, 121.0, 30.3 } },
};

static gboolean
row_matches (const GpuPeakRow *row, const char *name)
{
  for (int i = 0; i < 3 && row->all_of[i] != NULL; i++)
    if (strstr (name, row->all_of[i]) == NULL)
      return FALSE;
  for (int i = 0; i < 3 && row->none_of[i] != NULL; i++)
    if (strstr (name, row->none_of[i]) != NULL)
      return FALSE;
  return TRUE;
}

const GpuPeak *
gpu_peak_find (const char *device_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    if (row_matches (&rows[i], device_name))
      return &rows[i].peak;
  return NULL;
}

double
gpu_peak_tflops (const GpuPeak *peak, BertPrecision precision)
{
  switch (precision) {
    case BERT_PRECISION_BF16: return peak->bf16_tflops;
    case BERT_PRECISION_FP32: return peak->fp32_tflops;
    default: return peak->fp16_tflops;
  }
}
