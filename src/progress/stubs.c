/* stubs.c: placeholder bodies so the public API header compiles (first commit only). */
#include "base/base.h"
#include "tidal/progress.h"

void tidal_summary_antichain_init(tidal_summary_antichain *a, uint32_t depth, const tidal_allocator *alloc) {(void)a;(void)depth;(void)alloc;}
void tidal_summary_antichain_reset(tidal_summary_antichain *a) {(void)a;}
int tidal_summary_antichain_insert(tidal_summary_antichain *a, const tidal_summary *s, bool *inserted , tidal_error *err) {(void)a;(void)s;(void)inserted;(void)err;return TIDAL_ENOSYS;}
void tidal_antichain_init(tidal_antichain *a, uint32_t depth, const tidal_allocator *alloc) {(void)a;(void)depth;(void)alloc;}
void tidal_antichain_reset(tidal_antichain *a) {(void)a;}
void tidal_antichain_clear(tidal_antichain *a) {(void)a;}
int tidal_antichain_insert(tidal_antichain *a, const tidal_time *t, bool *inserted , tidal_error *err) {(void)a;(void)t;(void)inserted;(void)err;return TIDAL_ENOSYS;}
int tidal_antichain_copy(tidal_antichain *dst, const tidal_antichain *src, tidal_error *err) {(void)dst;(void)src;(void)err;return TIDAL_ENOSYS;}
bool tidal_antichain_less_equal(const tidal_antichain *a, const tidal_time *t) {(void)a;(void)t;return false;}
bool tidal_antichain_less_than(const tidal_antichain *a, const tidal_time *t) {(void)a;(void)t;return false;}
bool tidal_antichain_le(const tidal_antichain *a, const tidal_antichain *b) {(void)a;(void)b;return false;}
bool tidal_antichain_equal(const tidal_antichain *a, const tidal_antichain *b) {(void)a;(void)b;return false;}
void tidal_change_batch_init(tidal_change_batch *b, uint32_t depth, const tidal_allocator *alloc) {(void)b;(void)depth;(void)alloc;}
void tidal_change_batch_reset(tidal_change_batch *b) {(void)b;}
int tidal_change_batch_update(tidal_change_batch *b, const tidal_time *t, int64_t diff, tidal_error *err) {(void)b;(void)t;(void)diff;(void)err;return TIDAL_ENOSYS;}
int tidal_change_batch_extend(tidal_change_batch *dst, const tidal_change_batch *src, tidal_error *err) {(void)dst;(void)src;(void)err;return TIDAL_ENOSYS;}
int tidal_change_batch_drain_into(tidal_change_batch *src, tidal_change_batch *dst, tidal_error *err) {(void)src;(void)dst;(void)err;return TIDAL_ENOSYS;}
void tidal_change_batch_compact(tidal_change_batch *b) {(void)b;}
bool tidal_change_batch_is_empty(tidal_change_batch *b) {(void)b;return false;}
void tidal_change_batch_clear(tidal_change_batch *b) {(void)b;}
int64_t tidal_change_batch_count(const tidal_change_batch *b, const tidal_time *t) {(void)b;(void)t;return 0;}
void tidal_progress_batch_init(tidal_progress_batch *b, uint32_t depth, const tidal_allocator *alloc) {(void)b;(void)depth;(void)alloc;}
void tidal_progress_batch_reset(tidal_progress_batch *b) {(void)b;}
int tidal_progress_batch_update(tidal_progress_batch *b, tidal_location loc, const tidal_time *t, int64_t diff, tidal_error *err) {(void)b;(void)loc;(void)t;(void)diff;(void)err;return TIDAL_ENOSYS;}
int tidal_progress_batch_extend(tidal_progress_batch *dst, const tidal_progress_batch *src, tidal_error *err) {(void)dst;(void)src;(void)err;return TIDAL_ENOSYS;}
int tidal_progress_batch_drain_into(tidal_progress_batch *src, tidal_progress_batch *dst, tidal_error *err) {(void)src;(void)dst;(void)err;return TIDAL_ENOSYS;}
void tidal_progress_batch_compact(tidal_progress_batch *b) {(void)b;}
bool tidal_progress_batch_is_empty(tidal_progress_batch *b) {(void)b;return false;}
void tidal_progress_batch_clear(tidal_progress_batch *b) {(void)b;}
void tidal_mutable_antichain_init(tidal_mutable_antichain *m, uint32_t depth, const tidal_allocator *alloc) {(void)m;(void)depth;(void)alloc;}
void tidal_mutable_antichain_reset(tidal_mutable_antichain *m) {(void)m;}
int tidal_mutable_antichain_update(tidal_mutable_antichain *m, const tidal_time *t, int64_t diff, tidal_error *err) {(void)m;(void)t;(void)diff;(void)err;return TIDAL_ENOSYS;}
int tidal_mutable_antichain_update_all(tidal_mutable_antichain *m, const tidal_time_diff *updates, size_t n, tidal_error *err) {(void)m;(void)updates;(void)n;(void)err;return TIDAL_ENOSYS;}
int64_t tidal_mutable_antichain_count(const tidal_mutable_antichain *m, const tidal_time *t) {(void)m;(void)t;return 0;}
bool tidal_mutable_antichain_less_equal(const tidal_mutable_antichain *m, const tidal_time *t) {(void)m;(void)t;return false;}
int tidal_tracker_builder_new(uint32_t depth, uint32_t scope_inputs, uint32_t scope_outputs, const tidal_allocator *alloc, tidal_tracker_builder **out , tidal_error *err) {(void)depth;(void)scope_inputs;(void)scope_outputs;(void)alloc;(void)out;(void)err;return TIDAL_ENOSYS;}
void tidal_tracker_builder_free(tidal_tracker_builder *b) {(void)b;}
int tidal_tracker_builder_add_node(tidal_tracker_builder *b, uint32_t inputs, uint32_t outputs, const tidal_summary *connect, uint32_t *node_out , tidal_error *err) {(void)b;(void)inputs;(void)outputs;(void)connect;(void)node_out;(void)err;return TIDAL_ENOSYS;}
int tidal_tracker_builder_add_summary(tidal_tracker_builder *b, uint32_t node, uint32_t input, uint32_t output, const tidal_summary *s, tidal_error *err) {(void)b;(void)node;(void)input;(void)output;(void)s;(void)err;return TIDAL_ENOSYS;}
int tidal_tracker_builder_add_edge(tidal_tracker_builder *b, uint32_t src_node, uint32_t src_port, uint32_t dst_node, uint32_t dst_port, tidal_error *err) {(void)b;(void)src_node;(void)src_port;(void)dst_node;(void)dst_port;(void)err;return TIDAL_ENOSYS;}
int tidal_tracker_builder_check(const tidal_tracker_builder *b, tidal_error *err) {(void)b;(void)err;return TIDAL_ENOSYS;}
int tidal_tracker_builder_build(const tidal_tracker_builder *b, tidal_tracker **out , tidal_error *err) {(void)b;(void)out;(void)err;return TIDAL_ENOSYS;}
void tidal_tracker_free(tidal_tracker *t) {(void)t;}
uint32_t tidal_tracker_depth(const tidal_tracker *t) {(void)t;return 0;}
uint32_t tidal_tracker_node_count(const tidal_tracker *t) {(void)t;return 0;}
uint32_t tidal_tracker_node_inputs(const tidal_tracker *t, uint32_t node) {(void)t;(void)node;return 0;}
uint32_t tidal_tracker_node_outputs(const tidal_tracker *t, uint32_t node) {(void)t;(void)node;return 0;}
int tidal_tracker_update(tidal_tracker *t, tidal_location loc, const tidal_time *time, int64_t diff, tidal_error *err) {(void)t;(void)loc;(void)time;(void)diff;(void)err;return TIDAL_ENOSYS;}
int tidal_tracker_update_batch(tidal_tracker *t, const tidal_progress_batch *batch, tidal_error *err) {(void)t;(void)batch;(void)err;return TIDAL_ENOSYS;}
int tidal_tracker_propagate(tidal_tracker *t, tidal_error *err) {(void)t;(void)err;return TIDAL_ENOSYS;}
tidal_progress_batch *tidal_tracker_pushed(tidal_tracker *t) {(void)t;return 0;}
tidal_change_batch *tidal_tracker_output_changes(tidal_tracker *t, uint32_t output) {(void)t;(void)output;return 0;}
const tidal_summary_antichain *tidal_tracker_scope_summary(const tidal_tracker *t, uint32_t input, uint32_t output) {(void)t;(void)input;(void)output;return 0;}
const tidal_antichain *tidal_tracker_target_frontier(const tidal_tracker *t, uint32_t node, uint32_t port) {(void)t;(void)node;(void)port;return 0;}
const tidal_antichain *tidal_tracker_source_frontier(const tidal_tracker *t, uint32_t node, uint32_t port) {(void)t;(void)node;(void)port;return 0;}
const tidal_antichain *tidal_tracker_pointstamp_frontier(const tidal_tracker *t, tidal_location loc) {(void)t;(void)loc;return 0;}
int tidal_tracker_pointstamps(tidal_tracker *t, tidal_location loc, const tidal_time_diff **updates , size_t *len , tidal_error *err) {(void)t;(void)loc;(void)updates;(void)len;(void)err;return TIDAL_ENOSYS;}
int64_t tidal_tracker_capability_count(const tidal_tracker *t, uint32_t node) {(void)t;(void)node;return 0;}
bool tidal_tracker_tracking_anything(const tidal_tracker *t) {(void)t;return false;}
bool tidal_tracker_is_global(const tidal_tracker *t, tidal_location loc, const tidal_time *time) {(void)t;(void)loc;(void)time;return false;}
