/* test-gpu-peaks.c: bench-cuda's peak table (benchmarks/cuda/gpu-peaks.c) picks the row of
 * the GPU model it runs on, and the peak of the precision it runs in. Needs no GPU. */
#include <glib.h>

#include "gpu-peaks.h"

static void
assert_row (const char *device_name, const char *label)
{
  const GpuPeak *peak = gpu_peak_find (device_name);

  g_assert_nonnull (peak);
  g_assert_cmpstr (peak->label, ==, label);
}

static void
test_variants_of_one_chip_have_their_own_rows (void)
{
  assert_row ("NVIDIA H100 80GB HBM3", "H100 SXM");
  assert_row ("NVIDIA H100 NVL", "H100 NVL");
  assert_row ("NVIDIA H100 PCIe", "H100 PCIe");
  assert_row ("NVIDIA H200", "H200 SXM");
  assert_row ("NVIDIA H200 NVL", "H200 NVL");
  assert_row ("NVIDIA L40S", "L40S");
  assert_row ("NVIDIA L4", "L4");
  assert_row ("NVIDIA A100-SXM4-80GB", "A100");
  g_assert_null (gpu_peak_find ("NVIDIA GeForce RTX 4090"));
}

static void
test_each_precision_has_its_peak (void)
{
  const GpuPeak *sxm = gpu_peak_find ("NVIDIA H100 80GB HBM3");
  const GpuPeak *nvl = gpu_peak_find ("NVIDIA H100 NVL");

  g_assert_cmpfloat (gpu_peak_tflops (sxm, BERT_PRECISION_FP16), ==, 989.5);
  g_assert_cmpfloat (gpu_peak_tflops (sxm, BERT_PRECISION_BF16), ==, 989.5);
  /* FP32 runs use no tensor cores: their peak is the CUDA cores'. */
  g_assert_cmpfloat (gpu_peak_tflops (sxm, BERT_PRECISION_FP32), ==, 66.9);
  g_assert_cmpfloat (gpu_peak_tflops (nvl, BERT_PRECISION_FP16), <,
      gpu_peak_tflops (sxm, BERT_PRECISION_FP16));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cuda/gpu-peaks/variants_of_one_chip_have_their_own_rows",
      test_variants_of_one_chip_have_their_own_rows);
  g_test_add_func ("/cuda/gpu-peaks/each_precision_has_its_peak", test_each_precision_has_its_peak);
  return g_test_run ();
}
