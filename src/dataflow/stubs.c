/* stubs.c: placeholder bodies for the first commit of the public API (replaced next). */
#include "tidal/dataflow.h"

void tidal_config_init(tidal_config *cfg) { (void)cfg;  }
int tidal_execute(const tidal_config *cfg, tidal_build_cb build, void *ud, tidal_error *err) { (void)cfg; (void)build; (void)ud; (void)err; return TIDAL_ENOSYS; }
uint32_t tidal_worker_index(const tidal_worker *w) { (void)w; return 0; }
uint32_t tidal_worker_peers(const tidal_worker *w) { (void)w; return 0; }
const tidal_allocator * tidal_worker_allocator(const tidal_worker *w) { (void)w; return NULL; }
size_t tidal_worker_batch_bytes(const tidal_worker *w) { (void)w; return 0; }
int tidal_worker_step(tidal_worker *w) { (void)w; return TIDAL_ENOSYS; }
int tidal_worker_step_while(tidal_worker *w, tidal_cond_cb cond, void *ud) { (void)w; (void)cond; (void)ud; return TIDAL_ENOSYS; }
int tidal_worker_run_to_completion(tidal_worker *w) { (void)w; return TIDAL_ENOSYS; }
int tidal_dataflow_new(tidal_worker *w, tidal_dataflow **out ) { (void)w; (void)out; return TIDAL_ENOSYS; }
tidal_worker * tidal_dataflow_worker(const tidal_dataflow *df) { (void)df; return NULL; }
bool tidal_dataflow_complete(const tidal_dataflow *df) { (void)df; return false; }
const tidal_schema * tidal_stream_schema(const tidal_stream *s) { (void)s; return NULL; }
tidal_dataflow * tidal_stream_dataflow(const tidal_stream *s) { (void)s; return NULL; }
int tidal_input_new(tidal_dataflow *df, const tidal_schema *schema, tidal_input **input , tidal_stream **stream ) { (void)df; (void)schema; (void)input; (void)stream; return TIDAL_ENOSYS; }
int tidal_input_send(tidal_input *in, tidal_batch *batch) { (void)in; (void)batch; return TIDAL_ENOSYS; }
int tidal_input_send_builder(tidal_input *in, tidal_builder *b) { (void)in; (void)b; return TIDAL_ENOSYS; }
int tidal_input_advance_to(tidal_input *in, uint64_t t) { (void)in; (void)t; return TIDAL_ENOSYS; }
uint64_t tidal_input_time(const tidal_input *in) { (void)in; return 0; }
void tidal_input_close(tidal_input *in) { (void)in;  }
int tidal_op_builder_new(tidal_dataflow *df, const char *name, tidal_op_builder **out ) { (void)df; (void)name; (void)out; return TIDAL_ENOSYS; }
void tidal_op_builder_free(tidal_op_builder *b) { (void)b;  }
int tidal_op_builder_add_input(tidal_op_builder *b, tidal_stream *s, tidal_pact pact, uint32_t *index ) { (void)b; (void)s; (void)pact; (void)index; return TIDAL_ENOSYS; }
int tidal_op_builder_add_output(tidal_op_builder *b, const tidal_schema *schema, tidal_stream **stream , uint32_t *index ) { (void)b; (void)schema; (void)stream; (void)index; return TIDAL_ENOSYS; }
int tidal_op_builder_disconnect(tidal_op_builder *b, uint32_t input, uint32_t output) { (void)b; (void)input; (void)output; return TIDAL_ENOSYS; }
int tidal_op_builder_build(tidal_op_builder *b, tidal_op_logic_cb logic, void *ud, tidal_op_destroy_cb destroy) { (void)b; (void)logic; (void)ud; (void)destroy; return TIDAL_ENOSYS; }
const char * tidal_op_name(const tidal_op *op) { (void)op; return NULL; }
uint32_t tidal_op_worker_index(const tidal_op *op) { (void)op; return 0; }
uint32_t tidal_op_peers(const tidal_op *op) { (void)op; return 0; }
const tidal_allocator * tidal_op_allocator(const tidal_op *op) { (void)op; return NULL; }
size_t tidal_op_batch_bytes(const tidal_op *op) { (void)op; return 0; }
bool tidal_op_next(tidal_op *op, uint32_t input, uint64_t *time , tidal_batch **batch ) { (void)op; (void)input; (void)time; (void)batch; return false; }
const tidal_antichain * tidal_op_frontier(const tidal_op *op, uint32_t input) { (void)op; (void)input; return NULL; }
bool tidal_op_frontier_less_equal(const tidal_op *op, uint32_t input, uint64_t t) { (void)op; (void)input; (void)t; return false; }
bool tidal_op_frontier_empty(const tidal_op *op, uint32_t input) { (void)op; (void)input; return false; }
tidal_cap * tidal_op_initial_cap(tidal_op *op, uint32_t output) { (void)op; (void)output; return NULL; }
int tidal_op_cap_retain(tidal_op *op, uint32_t output, uint64_t t, tidal_cap **cap ) { (void)op; (void)output; (void)t; (void)cap; return TIDAL_ENOSYS; }
int tidal_cap_downgrade(tidal_cap *cap, uint64_t t) { (void)cap; (void)t; return TIDAL_ENOSYS; }
void tidal_cap_drop(tidal_cap *cap) { (void)cap;  }
uint64_t tidal_cap_time(const tidal_cap *cap) { (void)cap; return 0; }
uint32_t tidal_cap_output(const tidal_cap *cap) { (void)cap; return 0; }
int tidal_op_send(tidal_op *op, uint32_t output, uint64_t t, tidal_batch *batch) { (void)op; (void)output; (void)t; (void)batch; return TIDAL_ENOSYS; }
int tidal_op_send_builder(tidal_op *op, uint32_t output, uint64_t t, tidal_builder *b) { (void)op; (void)output; (void)t; (void)b; return TIDAL_ENOSYS; }
int tidal_op_notify_at(tidal_op *op, uint64_t t) { (void)op; (void)t; return TIDAL_ENOSYS; }
bool tidal_op_next_notification(tidal_op *op, uint64_t *t ) { (void)op; (void)t; return false; }
void tidal_op_activate(tidal_op *op) { (void)op;  }
int tidal_map(tidal_stream *in, const char *name, const tidal_schema *out_schema, tidal_map_cb cb, void *ud, tidal_stream **out ) { (void)in; (void)name; (void)out_schema; (void)cb; (void)ud; (void)out; return TIDAL_ENOSYS; }
int tidal_flat_map(tidal_stream *in, const char *name, const tidal_schema *out_schema, tidal_map_cb cb, void *ud, tidal_stream **out ) { (void)in; (void)name; (void)out_schema; (void)cb; (void)ud; (void)out; return TIDAL_ENOSYS; }
int tidal_filter(tidal_stream *in, const char *name, tidal_filter_cb cb, void *ud, tidal_stream **out ) { (void)in; (void)name; (void)cb; (void)ud; (void)out; return TIDAL_ENOSYS; }
int tidal_inspect(tidal_stream *in, const char *name, tidal_inspect_cb cb, void *ud, tidal_stream **out ) { (void)in; (void)name; (void)cb; (void)ud; (void)out; return TIDAL_ENOSYS; }
int tidal_concat(tidal_stream *const *streams, size_t n, tidal_stream **out ) { (void)streams; (void)n; (void)out; return TIDAL_ENOSYS; }
int tidal_exchange(tidal_stream *in, tidal_pact pact, tidal_stream **out ) { (void)in; (void)pact; (void)out; return TIDAL_ENOSYS; }
int tidal_broadcast(tidal_stream *in, tidal_stream **out ) { (void)in; (void)out; return TIDAL_ENOSYS; }
int tidal_sink(tidal_stream *in, const char *name, tidal_inspect_cb cb, void *ud) { (void)in; (void)name; (void)cb; (void)ud; return TIDAL_ENOSYS; }
int tidal_probe_new(tidal_stream *s, tidal_probe **out ) { (void)s; (void)out; return TIDAL_ENOSYS; }
bool tidal_probe_less_than(const tidal_probe *p, uint64_t t) { (void)p; (void)t; return false; }
bool tidal_probe_less_equal(const tidal_probe *p, uint64_t t) { (void)p; (void)t; return false; }
bool tidal_probe_done(const tidal_probe *p) { (void)p; return false; }
int tidal_worker_step_until(tidal_worker *w, const tidal_probe *p, uint64_t t) { (void)w; (void)p; (void)t; return TIDAL_ENOSYS; }
int tidal_capture_new(const tidal_allocator *alloc, tidal_capture **out ) { (void)alloc; (void)out; return TIDAL_ENOSYS; }
void tidal_capture_free(tidal_capture *c) { (void)c;  }
int tidal_capture_attach(tidal_stream *s, tidal_capture *c) { (void)s; (void)c; return TIDAL_ENOSYS; }
size_t tidal_capture_len(tidal_capture *c) { (void)c; return 0; }
int tidal_capture_get(tidal_capture *c, size_t i, uint64_t *time , uint32_t *worker , const tidal_batch **batch ) { (void)c; (void)i; (void)time; (void)worker; (void)batch; return TIDAL_ENOSYS; }
uint64_t tidal_capture_rows(tidal_capture *c) { (void)c; return 0; }
