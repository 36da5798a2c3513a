// ctest-labels: threads
/*
** columnar_threads_test.c: schemas and batches shared between threads: concurrent ref/unref and
** reads of one batch (views, JSON, encoding, row copies into per-thread builders) must be
** race-free (run under TSan) and the last unref, on whichever thread, frees everything.
*/
#include "harness/test.h"

#include <pthread.h>

typedef struct shared {
  tidal_batch *batch;     /* one reference owned by each thread */
  tidal_schema *schema;   /* one reference owned by each thread */
  size_t json_bytes;      /* out: bytes of JSON this thread produced */
  size_t copied_rows;     /* out */
} shared;

static void *reader(void *arg) {
  shared *sh = (shared *)arg;
  const tidal_batch_view *v = tidal_batch_view_of(sh->batch);
  tidal_buffer js;
  tidal_buffer_init(&js, NULL);
  for (size_t r = 0; r < v->rows; r++)
    if (tidal_view_row_json(v, r, &js) < 0) return (void *)1;
  sh->json_bytes = js.len;
  tidal_buffer_reset(&js);
  tidal_builder *b;
  if (tidal_builder_new(sh->schema, NULL, &b) < 0) return (void *)1;
  for (uint32_t r = 0; r < v->rows; r += 2)
    if (tidal_builder_push_rows(b, v, &r, 1) < 0) return (void *)1;
  sh->copied_rows = tidal_builder_rows(b);
  tidal_buffer enc;
  tidal_buffer_init(&enc, NULL);
  if (tidal_batch_encode(sh->batch, &enc) < 0) return (void *)1;
  tidal_buffer_reset(&enc);
  tidal_builder_free(b);
  tidal_batch_unref(sh->batch);
  tidal_schema_unref(sh->schema);
  return NULL;
}

TEST(batch_shared_by_four_threads) {
  tidal_schema *s;
  const char *text = "{w: string, n: i64, o: option<enum{A, B(u8)}>}";
  CHECK_OK(tidal_schema_parse(text, strlen(text), NULL, &s, NULL));
  tidal_builder *b;
  CHECK_OK(tidal_builder_new(s, NULL, &b));
  for (int i = 0; i < 3000; i++) {
    char row[96];
    sprintf(row, "{\"w\":\"w%d\",\"n\":%d,\"o\":%s}", i, -i, i % 3 ? "{\"B\":1}" : "\"A\"");
    CHECK_OK(tidal_builder_push_json(b, row, strlen(row), NULL));
  }
  tidal_batch *batch;
  CHECK_OK(tidal_batch_from_builder(b, &batch));
  tidal_builder_free(b);
  shared sh[4];
  pthread_t th[4];
  for (int t = 0; t < 4; t++) {
    sh[t].batch = tidal_batch_ref(batch);
    sh[t].schema = tidal_schema_ref(s);
    CHECK(pthread_create(&th[t], NULL, reader, &sh[t]) == 0);
  }
  tidal_batch_unref(batch); /* the threads now hold the only references */
  tidal_schema_unref(s);
  for (int t = 0; t < 4; t++) {
    void *rc;
    CHECK(pthread_join(th[t], &rc) == 0);
    CHECK(rc == NULL);
    CHECK_EQ_INT(sh[t].copied_rows, 1500);
    CHECK(sh[t].json_bytes > 3000 * 20);
    CHECK_EQ_INT(sh[t].json_bytes, sh[0].json_bytes);
  }
}
