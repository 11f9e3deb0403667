/* bert_cpu_gemm_amx.c: whether AMX runs here, and the one tile layout both reduced-
 * precision kernels use.
 *
 * AMX (Intel Sapphire Rapids and later) multiplies 16-row tiles in a unit of its own:
 * tdpbf16ps does 16 x 16 x 32 bf16 products, tdpbusd 16 x 16 x 64 u8 x s8 ones, where
 * vdpbf16ps and vpdpbusd do 16 x 2 and 16 x 4. Linux gives a process the 8 KB of tile
 * state only on request (arch_prctl ARCH_REQ_XCOMP_PERM), made once here.
 */
#include "bert_cpu_gemm_low.h"

#if BERT_HAVE_AVX512_KERNEL
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* CPUID leaf 7, EDX. */
#define CPUID_AMX_BF16 (1u << 22)
#define CPUID_AMX_TILE (1u << 24)
#define CPUID_AMX_INT8 (1u << 25)

/* The LDTILECFG operand, palette 1. */
typedef struct {
  uint8_t palette;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t bytes_per_row[16];
  uint8_t rows[16];
} TileConfig;

gboolean
bert_gemm_amx_available (void)
{
  static gsize once;
  static gboolean available;
  const char *choice = g_getenv ("GST_BERT_CPU_GEMM");

  if (choice != NULL && strcmp (choice, "avx512") == 0)
    return FALSE;
  if (g_once_init_enter (&once)) {
    unsigned int eax, ebx, ecx, edx;
    unsigned int wanted = CPUID_AMX_TILE | CPUID_AMX_BF16 | CPUID_AMX_INT8;

    available = __get_cpuid_count (7, 0, &eax, &ebx, &ecx, &edx) && (edx & wanted) == wanted
        && syscall (SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    g_once_init_leave (&once, 1);
  }
  return available;
}

__attribute__ ((target ("amx-tile"))) void
bert_gemm_amx_begin (void)
{
  TileConfig config;

  memset (&config, 0, sizeof config);
  config.palette = 1;
  for (int t = 0; t < 8; t++) {
    config.rows[t] = BERT_GEMM_AMX_ROWS;
    config.bytes_per_row[t] = 64;
  }
  /* Not _tile_loadconfig: GCC 12's tells the compiler that it reads a pointer's worth of
   * the configuration, which lets it drop the stores of the rest. */
  __asm__ volatile("ldtilecfg %0" : : "m"(config));
}

__attribute__ ((target ("amx-tile"))) void
bert_gemm_amx_end (void)
{
  _tile_release ();
}
#endif
