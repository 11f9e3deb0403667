/* gpu-peaks.h: the dense (no sparsity) arithmetic peaks of known NVIDIA GPUs, per precision,
 * from NVIDIA's data sheets, for bench-cuda's "% of peak". One row per GPU model: variants
 * of one chip (H100 SXM, PCIe, NVL) have different clocks and power, so different peaks. */
#ifndef GPU_PEAKS_H
#define GPU_PEAKS_H

#include "bert_engine.h"

typedef struct {
  const char *label;
  double fp16_tflops; /* tensor cores, FP32 accumulation */
  double bf16_tflops; /* tensor cores, FP32 accumulation */
  double fp32_tflops; /* CUDA cores (the FP32 path uses no TF32) */
} GpuPeak;

/* The row for a device name as cudaGetDeviceProperties gives it ("NVIDIA H100 80GB HBM3",
 * "NVIDIA H100 NVL", ...), or NULL when the name is not in the table. */
const GpuPeak *gpu_peak_find (const char *device_name);

/* The peak a run in precision is compared with. */
double gpu_peak_tflops (const GpuPeak *peak, BertPrecision precision);

#endif
