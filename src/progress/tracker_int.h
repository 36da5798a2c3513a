/*
** tracker_int.h: the reachability tracker's and its builder's internals, shared by
** tracker_builder.c and tracker.c only. Not API.
**
** Locations are numbered densely: targets first (node by node, port by port), then sources, so
** that one index addresses a port's state, its outgoing propagation list and its projections on
** the scope outputs.
*/
#ifndef TIDAL_SRC_PROGRESS_TRACKER_INT_H
#define TIDAL_SRC_PROGRESS_TRACKER_INT_H

#include "progress/progress_int.h"

/* A node as declared to the builder. */
typedef struct tidal__bnode {
  uint32_t inputs;              /* number of input ports (targets) */
  uint32_t outputs;             /* number of output ports (sources) */
  tidal_summary_antichain *sum; /* inputs*outputs antichains, [i * outputs + o]; NULL if none */
} tidal__bnode;

/* An edge as declared to the builder. */
typedef struct tidal__bedge {
  uint32_t src_node, src_port; /* Source(src_node, src_port) */
  uint32_t dst_node, dst_port; /* Target(dst_node, dst_port) */
} tidal__bedge;

struct tidal_tracker_builder {
  const tidal_allocator *alloc; /* borrowed from the creator */
  uint32_t depth;               /* time depth of the scope */
  tidal__bnode *nodes;          /* n_nodes nodes; nodes[0] is the scope boundary */
  size_t n_nodes, cap_nodes;
  tidal__bedge *edges; /* n_edges edges in call order, duplicates allowed (removed at build) */
  size_t n_edges, cap_edges;
};

/* One outgoing propagation step: to location `to`, through summary `s`. */
typedef struct tidal__hop {
  uint32_t to;     /* location index */
  uint32_t strict; /* 1 if s is not the identity (cycle check) */
  tidal_summary s; /* identity for edges */
} tidal__hop;

/* A projection of a location onto scope output `output` through summary `s` (§5). */
typedef struct tidal__proj {
  uint32_t output;
  tidal_summary s;
} tidal__proj;

/* A worklist entry: diff d at (t, location loc). Ordered by t (total order), then loc. */
typedef struct tidal__work {
  tidal_time t;
  uint32_t loc;
  int64_t d;
} tidal__work;

/*
** The graph in location-index form (built by the builder, owned by the tracker).
** hop lists: a target's hops are its node's internal summaries to sources; a source's hops are
** its edges to targets (identity).
*/
typedef struct tidal__layout {
  uint32_t n_nodes;
  uint32_t *tgt_off;     /* n_nodes + 1: targets of node n are [tgt_off[n], tgt_off[n+1]) */
  uint32_t *src_off;     /* n_nodes + 1: sources of node n are n_targets + [src_off[n], ...) */
  uint32_t n_targets;    /* == tgt_off[n_nodes] */
  uint32_t n_locs;       /* n_targets + number of sources */
  tidal_location *locs;  /* n_locs: the location of each index */
  size_t *hop_off;       /* n_locs + 1 */
  tidal__hop *hops;      /* hop_off[n_locs] */
} tidal__layout;

struct tidal_tracker {
  const tidal_allocator *alloc;         /* borrowed from the builder's creator */
  uint32_t depth;                       /* time depth */
  uint32_t scope_inputs, scope_outputs; /* node 0's outputs and inputs */
  tidal__layout g;                      /* the graph, owned */
  size_t *proj_off;                     /* n_locs + 1: projections on scope outputs */
  tidal__proj *projs;                   /* proj_off[n_locs] */
  tidal_summary_antichain *scope_sum;   /* scope_inputs * scope_outputs, [i * outputs + o] */
  tidal_mutable_antichain *pointstamps; /* n_locs: raw counts (may be negative) */
  tidal_mutable_antichain *implications;/* n_locs: implied counts (never negative) */
  tidal_change_batch *pend;             /* n_locs: queued updates per location (lazy storage) */
  uint32_t *queued;                     /* locations with queued updates, each once */
  size_t n_queued;                      /* (capacity is n_locs: a location is listed once) */
  uint8_t *is_queued;                   /* n_locs: 1 iff the location is in `queued` */
  tidal_progress_batch pushed;          /* target frontier changes for the caller */
  tidal_change_batch *out_changes;      /* scope_outputs batches, inner time */
  int64_t *cap_counts;                  /* n_nodes: capability frontier elements per node */
  int64_t total;                        /* sum of sizes of all pointstamp frontiers */
  tidal__work *heap;                    /* worklist (binary min-heap) */
  size_t heap_len, heap_cap;
  bool broken;                          /* an update or propagate failed (OOM): inconsistent */
  uint64_t work;                        /* worklist entries popped so far (tests bound it) */
};

/* Build the layout of a builder's graph (validated ports). Returns 0 or TIDAL_ENOMEM. */
int tidal__layout_build(const tidal_tracker_builder *b, tidal__layout *g, tidal_error *err);
void tidal__layout_free(const tidal_allocator *a, tidal__layout *g);

/* Location index of loc, or UINT32_MAX if no such location. */
static inline uint32_t tidal__layout_index(const tidal__layout *g, tidal_location loc) {
  if (loc.node >= g->n_nodes) return UINT32_MAX;
  if (loc.is_source) {
    uint32_t lo = g->src_off[loc.node], hi = g->src_off[loc.node + 1];
    return loc.port < hi - lo ? g->n_targets + lo + loc.port : UINT32_MAX;
  }
  uint32_t lo = g->tgt_off[loc.node], hi = g->tgt_off[loc.node + 1];
  return loc.port < hi - lo ? lo + loc.port : UINT32_MAX;
}

#endif /* TIDAL_SRC_PROGRESS_TRACKER_INT_H */
