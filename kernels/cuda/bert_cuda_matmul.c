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
/* Heuristic candidates tried, best first, until one passes cublasLtMatmulAlgoCheck. */
#define MATMUL_HEURISTIC_CANDIDATES 4

struct _BertCudaMatmul {
  cublasLtHandle_t handle;
  BertDType dtype;
  void *workspace;
  cublasLtMatmulPreference_t preference;
  GHashTable *algos; /* "bucket in out bias" -> cublasLtMatmulAlgo_t, bounded by the buckets */
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
  /* Split-K partial sums stay in fp32: in place (in the output, FP16 or BF16) or in the
   * output type they would be rounded before they are added. */
  uint32_t reduction_schemes = CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;

  matmul->dtype = dtype;
  matmul->algos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!cublas_check (cublasLtCreate (&matmul->handle), error)
      || !cuda_check (cudaMalloc (&matmul->workspace, MATMUL_WORKSPACE_BYTES), error)
      || !cublas_check (cublasLtMatmulPreferenceCreate (&matmul->preference), error)
      || !cublas_check (cublasLtMatmulPreferenceSetAttribute (matmul->preference,
                            CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes,
                            sizeof workspace_bytes),
          error)
      || !cublas_check (cublasLtMatmulPreferenceSetAttribute (matmul->preference,
                            CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, &reduction_schemes,
                            sizeof reduction_schemes),
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

static const char *
dtype_name (BertDType dtype)
{
  return dtype == BERT_DTYPE_F32 ? "fp32" : dtype == BERT_DTYPE_F16 ? "fp16" : "bf16";
}

/* The heuristic's best algorithm for the bucket's largest problem that cublasLtMatmulAlgoCheck
 * accepts within the workspace: it then serves every row count of the bucket. */
static gboolean
matmul_choose_algo (BertCudaMatmul *matmul, const void *bias, uint32_t bucket, int in_features,
    int out_features, cublasLtMatmulAlgo_t *algo, GError **error)
{
  MatmulProblem problem = { 0 };
  cublasLtMatmulHeuristicResult_t results[MATMUL_HEURISTIC_CANDIDATES];
  int n_results = 0;
  gboolean found = FALSE;

  if (!matmul_problem_init (&problem, matmul->dtype, bias, bucket, in_features, out_features, error)
      || !cublas_check (cublasLtMatmulAlgoGetHeuristic (matmul->handle, problem.operation,
                            problem.weight_layout, problem.input_layout, problem.out_layout,
                            problem.out_layout, matmul->preference, MATMUL_HEURISTIC_CANDIDATES, results,
                            &n_results),
          error)) {
    matmul_problem_clear (&problem);
    return FALSE;
  }
  for (int i = 0; i < n_results && !found; i++) {
    cublasLtMatmulHeuristicResult_t checked;
    found = cublasLtMatmulAlgoCheck (matmul->handle, problem.operation, problem.weight_layout,
                problem.input_layout, problem.out_layout, problem.out_layout, &results[i].algo, &checked)
            == CUBLAS_STATUS_SUCCESS
        && checked.workspaceSize <= MATMUL_WORKSPACE_BYTES;
    if (found)
      *algo = results[i].algo;
  }
  matmul_problem_clear (&problem);
  if (!found)
    g_set_error (error, BERT_CUDA_ENGINE_ERROR, BERT_ENGINE_ERROR_COMPUTE,
        "%s:%d: cuBLASLt has no algorithm for [%u, %d] x [%d, %d]^T in %s (%d candidates, none passed "
        "cublasLtMatmulAlgoCheck)",
        __FILE__, __LINE__, bucket, in_features, out_features, in_features, dtype_name (matmul->dtype),
        n_results);
  return found;
}

static const cublasLtMatmulAlgo_t *
matmul_find_algo (BertCudaMatmul *matmul, const void *bias, uint32_t rows, int in_features, int out_features,
    GError **error)
{
  uint32_t bucket = bert_cuda_matmul_bucket (rows);
  char *key = g_strdup_printf ("%u %d %d %d", bucket, in_features, out_features, bias != NULL);
  cublasLtMatmulAlgo_t *algo = g_hash_table_lookup (matmul->algos, key);

  if (algo != NULL) {
    g_free (key);
    return algo;
  }
  algo = g_new (cublasLtMatmulAlgo_t, 1);
  if (!matmul_choose_algo (matmul, bias, bucket, in_features, out_features, algo, error)) {
    g_free (algo);
    g_free (key);
    return NULL;
  }
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
  algo = matmul_find_algo (matmul, bias, rows, in_features, out_features, error);
  ok = algo != NULL
      && matmul_problem_init (&problem, matmul->dtype, bias, rows, in_features, out_features, error);
  ok = ok
      && cublas_check (cublasLtMatmul (matmul->handle, problem.operation, &alpha, weight,
                           problem.weight_layout, input, problem.input_layout, &beta, out, problem.out_layout,
                           out, problem.out_layout, algo, matmul->workspace, MATMUL_WORKSPACE_BYTES, stream),
          error);
  matmul_problem_clear (&problem);
  return ok;
}
