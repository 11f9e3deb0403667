/* bert_backend_remote.c: the remote backend, batches computed by a Triton Inference Server.
 *
 * submit turns the packed batch into a KServe v2 request (bert_remote_wire.c) and hands it
 * to a pool of max_in_flight threads, each of which sends one request at a time with a
 * libcurl easy handle (kept between requests, so connections are reused); wait blocks
 * until that request's response is in the output arrays. The engine waits jobs in the
 * order it submitted them, so results come back in order whatever order the responses
 * arrive in. A refused connection, a time-out, a broken transfer and an HTTP 5xx are tried
 * again up to retries times, 100 ms after the first failure, doubling to at most 2 s;
 * an HTTP 4xx (the server refused the batch) and a malformed response are not: docs/remote.md.
 * cancel gives up the jobs submitted so far: a transfer in progress is aborted from
 * libcurl's progress callback (called about once a second while a server is silent), a
 * retry's delay is cut short, and a job not started yet is not sent.
 */
#include <curl/curl.h>
#include <string.h>

#include "bert_remote_wire.h"

#define FIRST_RETRY_DELAY_US (100 * G_TIME_SPAN_MILLISECOND)
#define MAX_RETRY_DELAY_US (2 * G_TIME_SPAN_SECOND)
/* A response's JSON header is a few hundred bytes; this is the room left for it. */
#define MAX_RESPONSE_HEADER_BYTES (1 << 20)

typedef struct {
  char *server; /* as given, for messages */
  char *model;
  char *infer_url;
  unsigned timeout_ms;
  unsigned retries;
  BertHead head;
  int pooling, normalize;
  GThreadPool *senders;
  GAsyncQueue *idle_handles; /* CURL * kept for their open connections */
  gint cancel_epoch;         /* atomic; jobs submitted before its last increment are given up */
  GMutex cancel_lock;        /* with cancel_cond: wakes the retry delays */
  GCond cancel_cond;
} RemoteState;

typedef struct {
  RemoteState *state;
  gint epoch; /* state->cancel_epoch at submit */
  GBytes *request;
  gsize header_length;
  BertBatchOutput *output;
  GMutex lock;
  GCond done_cond;
  gboolean done;
  GError *error;
} RemoteJob;

/* One attempt's outcome. */
typedef struct {
  CURLcode code;
  long status;
  char curl_message[CURL_ERROR_SIZE];
  GByteArray *body;
  gsize max_body;          /* more than any answer to the batch holds */
  gboolean body_too_large; /* the transfer was stopped at max_body */
  gssize header_length;    /* the response's Inference-Header-Content-Length, or -1 */
} Exchange;

static gpointer
init_curl (gpointer data)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

/* Returning less than given stops the transfer (CURLE_WRITE_ERROR). */
static size_t
on_body (char *data, size_t size, size_t n, void *user_data)
{
  Exchange *exchange = user_data;

  if (size * n > exchange->max_body - exchange->body->len) {
    exchange->body_too_large = TRUE;
    return 0;
  }
  g_byte_array_append (exchange->body, (const guint8 *) data, size * n);
  return size * n;
}

/* Far more than any answer to the batch can hold (each token a row of its widest output,
 * 4 bytes a value, and a JSON header): a server that sends more is not answering this
 * request (a wrong port, an endless stream), and the body must not grow until memory ends. */
static gsize
max_response_bytes (const BertBatchOutput *output)
{
  gsize row = (gsize) MAX (output->embedding_size, output->hidden_size) + 2 * (gsize) output->num_labels + 2;

  return ((gsize) output->n_tokens + output->n_sequences) * row * 4 + MAX_RESPONSE_HEADER_BYTES;
}

static gboolean
job_is_cancelled (const RemoteJob *job)
{
  return job->epoch != g_atomic_int_get (&job->state->cancel_epoch);
}

/* Non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int
on_progress (void *user_data, curl_off_t download_total, curl_off_t downloaded, curl_off_t upload_total,
    curl_off_t uploaded)
{
  return job_is_cancelled (user_data);
}

/* Sleeps @delay_us, or less when the job is cancelled meanwhile. */
static void
wait_retry_delay (RemoteJob *job, gint64 delay_us)
{
  RemoteState *state = job->state;
  gint64 deadline = g_get_monotonic_time () + delay_us;

  g_mutex_lock (&state->cancel_lock);
  while (!job_is_cancelled (job) && g_cond_wait_until (&state->cancel_cond, &state->cancel_lock, deadline))
    ;
  g_mutex_unlock (&state->cancel_lock);
}

static size_t
on_header (char *line, size_t size, size_t n, void *user_data)
{
  static const char name[] = "inference-header-content-length:";
  Exchange *exchange = user_data;
  gsize length = size * n;

  if (length > sizeof name - 1 && g_ascii_strncasecmp (line, name, sizeof name - 1) == 0) {
    char *text = g_strndup (line + sizeof name - 1, length - (sizeof name - 1)), *end;
    guint64 value = g_ascii_strtoull (g_strstrip (text), &end, 10);

    exchange->header_length = (*end == '\0' && end != text && value <= G_MAXSSIZE) ? (gssize) value : -2;
    g_free (text);
  }
  return length;
}

static void
exchange_once (RemoteState *state, RemoteJob *job, Exchange *exchange)
{
  CURL *curl = g_async_queue_try_pop (state->idle_handles);
  struct curl_slist *headers = NULL;
  char *length_header;
  gsize request_length;
  const void *request = g_bytes_get_data (job->request, &request_length);

  if (curl == NULL)
    curl = curl_easy_init ();
  g_byte_array_set_size (exchange->body, 0);
  exchange->body_too_large = FALSE;
  exchange->header_length = -1;
  exchange->status = 0;
  exchange->curl_message[0] = '\0';
  length_header = g_strdup_printf ("Inference-Header-Content-Length: %" G_GSIZE_FORMAT, job->header_length);
  headers = curl_slist_append (headers, "Content-Type: application/octet-stream");
  headers = curl_slist_append (headers, length_header);
  headers = curl_slist_append (headers, "Expect:"); /* no 100-continue round trip */
  curl_easy_setopt (curl, CURLOPT_URL, state->infer_url);
  curl_easy_setopt (curl, CURLOPT_POST, 1L);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, request);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) request_length);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, exchange);
  curl_easy_setopt (curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt (curl, CURLOPT_HEADERDATA, exchange);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) state->timeout_ms);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, job);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, exchange->curl_message);
  exchange->code = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &exchange->status);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all (headers);
  g_free (length_header);
  g_async_queue_push (state->idle_handles, curl);
}

static gboolean
is_transient (const Exchange *exchange)
{
  if (exchange->code == CURLE_OK)
    return exchange->status >= 500;
  switch (exchange->code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return TRUE;
    default: return FALSE;
  }
}

/* Why an attempt failed, or NULL where it got a 200. */
static char *
exchange_failure (const RemoteState *state, const Exchange *exchange)
{
  char *text, *cause;

  if (exchange->body_too_large)
    return g_strdup_printf ("the response runs past %" G_GSIZE_FORMAT " bytes, more than any answer to "
                            "this batch holds: is the server a Triton server?",
        exchange->max_body);
  if (exchange->code != CURLE_OK) {
    if (exchange->code == CURLE_OPERATION_TIMEDOUT)
      return g_strdup_printf ("no response within server-timeout %u ms (%s)", state->timeout_ms,
          exchange->curl_message);
    return g_strdup_printf ("%s (%s)", curl_easy_strerror (exchange->code),
        exchange->curl_message[0] ? exchange->curl_message : "no detail");
  }
  if (exchange->status == 200)
    return NULL;
  text = bert_remote_wire_error_text (exchange->body->data, exchange->body->len);
  cause = g_strdup_printf ("HTTP %ld: %s", exchange->status, text);
  g_free (text);
  return cause;
}

static gint64
retry_delay (unsigned attempt)
{
  return MIN (FIRST_RETRY_DELAY_US << MIN (attempt, 8), MAX_RETRY_DELAY_US);
}

static void
run_job (RemoteJob *job, RemoteState *state)
{
  Exchange exchange = { .body = g_byte_array_new (), .max_body = max_response_bytes (job->output) };
  gint64 start = g_get_monotonic_time ();
  GError *read_error = NULL;
  char *failure = NULL;

  for (unsigned attempt = 0; !job_is_cancelled (job); attempt++) {
    exchange_once (state, job, &exchange);
    g_free (failure);
    failure = exchange_failure (state, &exchange);
    if (failure == NULL || !is_transient (&exchange) || attempt >= state->retries)
      break;
    wait_retry_delay (job, retry_delay (attempt));
  }
  /* An answer that came before the cancel is still read. */
  if (job_is_cancelled (job) && (failure != NULL || exchange.status != 200))
    g_set_error (&job->error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_CANCELLED,
        "Triton server %s, model '%s': the request was given up (cancelled)", state->server, state->model);
  else if (failure != NULL)
    g_set_error (&job->error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_COMPUTE,
        "Triton server %s, model '%s': %s%s", state->server, state->model, failure,
        is_transient (&exchange) && state->retries > 0 ? " (retries exhausted)" : "");
  else if (!bert_remote_wire_read_response (exchange.body->data, exchange.body->len, exchange.header_length,
               state->head, job->output, &read_error)) {
    g_set_error (&job->error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_COMPUTE,
        "Triton server %s, model '%s': %s", state->server, state->model, read_error->message);
    g_error_free (read_error);
  }
  job->output->compute_seconds = (g_get_monotonic_time () - start) / 1e6;
  g_free (failure);
  g_byte_array_unref (exchange.body);
  g_mutex_lock (&job->lock);
  job->done = TRUE;
  g_cond_signal (&job->done_cond);
  g_mutex_unlock (&job->lock);
}

/* The requests go to server + "/v2/models/...": a server that libcurl cannot parse, without a
 * host, or with a query or fragment (which the path would land behind) is refused at READY
 * rather than failing the first batch with a message about another URL. */
static gboolean
check_server_url (const char *server_url, GError **error)
{
  CURLU *url = curl_url ();
  CURLUcode code = curl_url_set (url, CURLUPART_URL, server_url, 0);
  char *query = NULL, *fragment = NULL;
  gboolean ok = code == CURLUE_OK;

  if (!ok) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "server '%s' is not a usable URL: %s; give the server as http://host:port", server_url,
        curl_url_strerror (code));
  } else if (curl_url_get (url, CURLUPART_QUERY, &query, 0) == CURLUE_OK
      || curl_url_get (url, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "server '%s' has a %s; give the server's base URL (http://host:port, a path prefix at most), "
        "to which /v2/models/NAME/infer is added",
        server_url, query ? "query (?...)" : "fragment (#...)");
    ok = FALSE;
  }
  curl_free (query);
  curl_free (fragment);
  curl_url_cleanup (url);
  return ok;
}

static gboolean
check_remote_options (const BertRemoteOptions *options, GError **error)
{
  if (options == NULL || options->server_url == NULL || *options->server_url == '\0') {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "the remote backend needs a server URL (bert-infer's server property)");
    return FALSE;
  }
  if (options->model_name == NULL || *options->model_name == '\0'
      || strpbrk (options->model_name, "/?#% ") != NULL) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "the remote backend needs the model's name on %s (bert-infer's remote-model), "
        "without '/', '?', '#', '%%' or spaces; got '%s'",
        options->server_url, options->model_name ? options->model_name : "");
    return FALSE;
  }
  if (!g_str_has_prefix (options->server_url, "http://")
      && !g_str_has_prefix (options->server_url, "https://")) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE,
        "server '%s' is not an http:// or https:// URL", options->server_url);
    return FALSE;
  }
  return check_server_url (options->server_url, error);
}

static gpointer
remote_create (const BertModel *model, const BertBackendSettings *settings, GError **error)
{
  static GOnce curl_once = G_ONCE_INIT;
  const BertRemoteOptions *options = settings->remote;
  RemoteState *state;
  char *base;

  if (!check_remote_options (options, error))
    return NULL;
  if (!GPOINTER_TO_INT (g_once (&curl_once, init_curl, NULL))) {
    g_set_error (error, BERT_ENGINE_ERROR, BERT_ENGINE_ERROR_DEVICE, "libcurl did not start");
    return NULL;
  }
  state = g_new0 (RemoteState, 1);
  state->server = g_strdup (options->server_url);
  state->model = g_strdup (options->model_name);
  base = g_strdup (options->server_url);
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  state->infer_url = g_strdup_printf ("%s/v2/models/%s/infer", base, options->model_name);
  g_free (base);
  state->timeout_ms = options->timeout_ms;
  state->retries = options->retries;
  state->head = settings->head;
  /* The wire names one mode, or -1: the server model's own, which concatenates the same
   * modes where it is this folder's model (the response's width is checked). */
  state->pooling = settings->pooling.n_modes == 1 ? (int) settings->pooling.modes[0] : -1;
  state->normalize = settings->normalize;
  state->idle_handles = g_async_queue_new_full ((GDestroyNotify) curl_easy_cleanup);
  g_mutex_init (&state->cancel_lock);
  g_cond_init (&state->cancel_cond);
  state->senders = g_thread_pool_new ((GFunc) run_job, state, MAX (options->max_in_flight, 1), FALSE, NULL);
  return state;
}

static void
remote_destroy (gpointer data)
{
  RemoteState *state = data;

  g_thread_pool_free (state->senders, FALSE, TRUE);
  g_async_queue_unref (state->idle_handles);
  g_mutex_clear (&state->cancel_lock);
  g_cond_clear (&state->cancel_cond);
  g_free (state->server);
  g_free (state->model);
  g_free (state->infer_url);
  g_free (state);
}

static gpointer
remote_submit (gpointer data, const BertPackedBatch *batch, BertBatchOutput *output, GError **error)
{
  RemoteState *state = data;
  RemoteJob *job = g_new0 (RemoteJob, 1);

  job->state = state;
  job->epoch = g_atomic_int_get (&state->cancel_epoch);
  job->output = output;
  job->request =
      bert_remote_wire_request (batch, state->head, state->pooling, state->normalize, &job->header_length);
  g_mutex_init (&job->lock);
  g_cond_init (&job->done_cond);
  if (!g_thread_pool_push (state->senders, job, error)) {
    g_bytes_unref (job->request);
    g_mutex_clear (&job->lock);
    g_cond_clear (&job->done_cond);
    g_free (job);
    return NULL;
  }
  return job;
}

static gboolean
remote_wait (gpointer data, gpointer handle, GError **error)
{
  RemoteJob *job = handle;
  gboolean ok;

  g_mutex_lock (&job->lock);
  while (!job->done)
    g_cond_wait (&job->done_cond, &job->lock);
  g_mutex_unlock (&job->lock);
  ok = job->error == NULL;
  if (!ok)
    g_propagate_error (error, job->error);
  g_bytes_unref (job->request);
  g_mutex_clear (&job->lock);
  g_cond_clear (&job->done_cond);
  g_free (job);
  return ok;
}

static void
remote_cancel (gpointer data)
{
  RemoteState *state = data;

  g_mutex_lock (&state->cancel_lock);
  g_atomic_int_inc (&state->cancel_epoch);
  g_cond_broadcast (&state->cancel_cond);
  g_mutex_unlock (&state->cancel_lock);
}

static const BertBackend remote_backend = {
  .name = "remote",
  .asynchronous = TRUE,
  .create = remote_create,
  .destroy = remote_destroy,
  .submit = remote_submit,
  .wait = remote_wait,
  .cancel = remote_cancel,
};

const BertBackend *
bert_backend_remote_get (void)
{
  return &remote_backend;
}
