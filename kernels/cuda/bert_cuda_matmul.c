/* bert_cuda_matmul.c: torch.nn.Linear on cuBLASLt.
 *
 * cuBLASLt is column-major. A row-major [rows, n] matrix is the column-major [n, rows]
 * matrix with the same bytes, so out = input . weight^T (row-major) is, column-major,
 * out^T[out, rows] = weight^T[out, in] . input^T[in, rows]: A = weight stored [in, out]
 * and transposed, B = input stored [in, rows], D stored [out, rows]. The bias then runs
 * along D's rows, which is what CUBLASLT_EPILOGUE_BIAS broadcasts.
 */
#include "bert_cuda_matmul.h"

#include <cublasLt.h>

#include "bert_cuda_check.h"

/* What NVIDIA recommends for Hopper (and more than enough before it). */
#define MATMUL_WORKSPACE_BYTES (32u * 1024u * 1024u)
/* The algorithm cache is keyed by exact shape; batches of many sizes would grow it
 * without end, so it is emptied past this many entries. */
#define MATMUL_MAX_CACHED_ALGOS 4096

struct _BertCudaMatmul {
  cublasLtHandle_t handle;
  BertDType dtype;
  void *workspace;
  cublasLtMatmulPreference_t preference;
  GHashTable *algos; /* "rows in out bias" -> cublasLtMatmulAlgo_t */
};

/* One GEMM's descriptors, created per call (cheap host objects). */
typedef struct {
  cublasLtMatmulDesc_t operation;
  cublasLtMatrixLayout_t weight_layout;
  cublasLtMatrixLayout_t input_layout;
  cublasLtMatrixLayout_t out_layout;
} MatmulProblem;

static cudaDataType_t
cuda_data_type (BertDType dtype)
{
  switch (dtype) {
    case BERT_DTYPE_F16: return CUDA_R_16F;
    case BERT_DTYPE_BF16: return CUDA_R_16BF;
    default: return CUDA_R_32F;
  }
}

void
bert_cuda_matmul_free (BertCudaMatmul *matmul)
{
  if (matmul == NULL)
    return;
  if (matmul->algos != NULL)
    g_hash_table_destroy (matmul->algos);
  if (matmul->preference != NULL)
    cublasLtMatmulPreferenceDestroy (matmul->preference);
  if (matmul->workspace != NULL)
    cudaFree (matmul->workspace);
  if (matmul->handle != NULL)
    cublasLtDestroy (matmul->handle);
  g_free (matmul);
}

BertCudaMatmul *
bert_cuda_matmul_new (BertDType dtype, GError **error)
{
  BertCudaMatmul *matmul = g_new0 (BertCudaMatmul, 1);
  uint64_t workspace_bytes = MATMUL_WORKSPACE_BYTES;

  matmul->dtype = dtype;
  matmul->algos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!cublas_check (cublasLtCreate (&matmul->handle), error)
      || !cuda_check (cudaMalloc (&matmul->workspace, MATMUL_WORKSPACE_BYTES), error)
      || !cublas_check (cublasLtMatmulPreferenceCreate (&matmul->preference), error)
      || !cublas_check (cublasLtMatmulPreferenceSetAttribute (matmul->preference,
                            CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes,
                            sizeof workspace_bytes),
          error)) {
    bert_cuda_matmul_free (matmul);
    return NULL;
  }
  return matmul;
}

static void
matmul_problem_clear (MatmulProblem *problem)
{
  if (problem->out_layout != NULL)
    cublasLtMatrixLayoutDestroy (problem->out_layout);
  if (problem->input_layout != NULL)
    cublasLtMatrixLayoutDestroy (problem->input_layout);
  if (problem->weight_layout != NULL)
    cublasLtMatrixLayoutDestroy (problem->weight_layout);
  if (problem->operation != NULL)
    cublasLtMatmulDescDestroy (problem->operation);
}

static gboolean
matmul_problem_init (MatmulProblem *problem, BertDType dtype, const void *bias, uint32_t rows,
    int in_features, int out_features, GError **error)
{
  cudaDataType_t type = cuda_data_type (dtype);
  cublasOperation_t transpose = CUBLAS_OP_T;
  cublasOperation_t no_transpose = CUBLAS_OP_N;
  cublasLtEpilogue_t epilogue = bias != NULL ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;

  if (!cublas_check (cublasLtMatmulDescCreate (&problem->operation, CUBLAS_COMPUTE_32F, CUDA_R_32F), error)
      || !cublas_check (cublasLtMatmulDescSetAttribute (problem->operation, CUBLASLT_MATMUL_DESC_TRANSA,
                            &transpose, sizeof transpose),
          error)
      || !cublas_check (cublasLtMatmulDescSetAttribute (problem->operation, CUBLASLT_MATMUL_DESC_TRANSB,
                            &no_transpose, sizeof no_transpose),
          error)
      || !cublas_check (cublasLtMatmulDescSetAttribute (problem->operation, CUBLASLT_MATMUL_DESC_EPILOGUE,
                            &epilogue, sizeof epilogue),
          error))
    return FALSE;
  /* The bias has the output's type (CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE's default). */
  if (bias != NULL
      && !cublas_check (cublasLtMatmulDescSetAttribute (problem->operation, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                            &bias, sizeof bias),
          error))
    return FALSE;
  return cublas_check (cublasLtMatrixLayoutCreate (&problem->weight_layout, type, in_features, out_features,
                           in_features),
             error)
      && cublas_check (cublasLtMatrixLayoutCreate (&problem->input_layout, type, in_features, rows,
                           in_features),
          error)
      && cublas_check (cublasLtMatrixLayoutCreate (&problem->out_layout, type, out_features, rows,
                           out_features),
          error);
}

static const cublasLtMatmulAlgo_t *
matmul_find_algo (BertCudaMatmul *matmul, const MatmulProblem *problem, gboolean has_bias, uint32_t rows,
    int in_features, int out_features, GError **error)
{
  char *key = g_strdup_printf ("%u %d %d %d", rows, in_features, out_features, has_bias);
  cublasLtMatmulAlgo_t *algo = g_hash_table_lookup (matmul->algos, key);
  cublasLtMatmulHeuristicResult_t result;
  int n_results = 0;

  if (algo != NULL) {
    g_free (key);
    return algo;
  }
  if (!cublas_check (cublasLtMatmulAlgoGetHeuristic (matmul->handle, problem->operation,
                         problem->weight_layout, problem->input_layout, problem->out_layout,
                         problem->out_layout, matmul->preference, 1, &result, &n_results),
          error)) {
    g_free (key);
    return NULL;
  }
  if (n_results < 1) {
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_COMPUTE,
        "%s:%d: cuBLASLt has no algorithm for [%u, %d] x [%d, %d]^T in %s", __FILE__, __LINE__, rows,
        in_features, out_features, in_features,
        matmul->dtype == BERT_DTYPE_F32       ? "fp32"
            : matmul->dtype == BERT_DTYPE_F16 ? "fp16"
                                              : "bf16");
    g_free (key);
    return NULL;
  }
  if (g_hash_table_size (matmul->algos) >= MATMUL_MAX_CACHED_ALGOS)
    g_hash_table_remove_all (matmul->algos);
  algo = g_memdup2 (&result.algo, sizeof result.algo);
  g_hash_table_insert (matmul->algos, key, algo);
  return algo;
}

gboolean
bert_cuda_linear (BertCudaMatmul *matmul, void *out, const void *input, const void *weight, const void *bias,
    uint32_t rows, int in_features, int out_features, cudaStream_t stream, GError **error)
{
  MatmulProblem problem = { 0 };
  const float alpha = 1.0f;
  const float beta = 0.0f;
  const cublasLtMatmulAlgo_t *algo;
  gboolean ok;

  if (rows == 0)
    return TRUE;
  ok = matmul_problem_init (&problem, matmul->dtype, bias, rows, in_features, out_features, error);
  algo =
      ok ? matmul_find_algo (matmul, &problem, bias != NULL, rows, in_features, out_features, error) : NULL;
  ok = algo != NULL
      && cublas_check (cublasLtMatmul (matmul->handle, problem.operation, &alpha, weight,
                           problem.weight_layout, input, problem.input_layout, &beta, out, problem.out_layout,
                           out, problem.out_layout, algo, matmul->workspace, MATMUL_WORKSPACE_BYTES, stream),
          error);
  matmul_problem_clear (&problem);
  return ok;
}
