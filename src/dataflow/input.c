/*
** input.c: inputs: operators without inputs, fed by the build function, holding one capability
** that advance_to downgrades and close drops.
**
** Invariant: an open input holds exactly one capability, at its current time; every batch it
** sends is at that time and counted as produced before it reaches a channel.
*/
#include "dataflow/dataflow_int.h"

int tidal_input_new(tidal_dataflow *df, const tidal_schema *schema, tidal_input **input,
                    tidal_stream **stream) {
  if (df->sealed || !schema) return TIDAL_EINVAL;
  const tidal_allocator *a = df->w->alloc;
  tidal_input *in = tidal__calloc(a, sizeof *in);
  if (!in) return TIDAL_ENOMEM;
  if (tidal__ptrvec_push(a, &df->inputs, in) < 0) {
    tidal__free(a, in, sizeof *in);
    return TIDAL_ENOMEM;
  }
  tidal_op_builder *b = NULL;
  int rc = tidal_op_builder_new(df, "input", &b);
  if (rc == 0) {
    in->op = b->op;
    rc = tidal_op_builder_add_output(b, schema, stream, NULL);
    if (rc < 0) tidal_op_builder_free(b);
    else rc = tidal_op_builder_build(b, NULL, NULL, NULL);
  }
  if (rc < 0) {
    /* The node (if made) stays as an inert operator; the input handle is gone. */
    if (in->op) in->op->is_input = true;
    df->inputs.len--;
    tidal__free(a, in, sizeof *in);
    return rc;
  }
  in->op->is_input = true;
  in->cap = in->op->outputs[0].initial;
  in->op->outputs[0].initial = NULL;
  *input = in;
  return 0;
}

static int check_open(tidal_input *in) {
  int f = atomic_load(&in->op->df->w->ex->failed);
  if (f) return in->op->df->w->failed ? in->op->df->w->failed : TIDAL_ECANCELED;
  return in->cap ? 0 : TIDAL_EPIPE;
}

int tidal_input_send(tidal_input *in, tidal_batch *batch) {
  int rc = check_open(in);
  if (rc == 0) {
    const tidal_schema *want = in->op->outputs[0].stream->schema;
    const tidal_schema *got = tidal_batch_schema(batch);
    if (got != want && !tidal_schema_equal(got, want)) rc = TIDAL_EMISMATCH;
  }
  if (rc < 0) {
    tidal_batch_unref(batch);
    return rc;
  }
  in->op->active = true;
  return tidal__op_emit(in->op, 0, in->cap->time, batch, UINT32_MAX);
}

int tidal_input_send_builder(tidal_input *in, tidal_builder *b) {
  TIDAL_RETURN_IF_ERROR(check_open(in));
  if (tidal_builder_rows(b) == 0) return 0;
  tidal_batch *batch = NULL;
  TIDAL_RETURN_IF_ERROR(tidal_batch_from_builder(b, &batch));
  return tidal_input_send(in, batch);
}

int tidal_input_advance_to(tidal_input *in, uint64_t t) {
  TIDAL_RETURN_IF_ERROR(check_open(in));
  if (t < in->cap->time) return TIDAL_EINVAL;
  in->op->active = true;
  return tidal_cap_downgrade(in->cap, t);
}

uint64_t tidal_input_time(const tidal_input *in) { return in->cap ? in->cap->time : UINT64_MAX; }

void tidal_input_close(tidal_input *in) {
  if (!in->cap) return;
  tidal_cap_drop(in->cap);
  in->cap = NULL;
  in->op->active = true;
}
