/*
** tracker_builder.c: describing a scope's graph, checking its cycles, and building a tracker
** (spec §4 "Building" and "Checking cycles", §5 summaries towards scope outputs).
**
** Invariants: every edge and summary the builder holds names existing nodes and ports (checked
** when added); node 0 never has internal summaries. A built tracker's graph has no cycle made only
** of edges and non-strict (identity) summaries, so every cycle strictly advances time and
** propagation around it terminates.
*/
#include "progress/tracker_int.h"

#include <stdio.h>

/* ---- builder ---------------------------------------------------------------------------- */

static void node_free(const tidal_allocator *a, tidal__bnode *n) {
  if (!n->sum) return;
  size_t k = (size_t)n->inputs * n->outputs;
  for (size_t i = 0; i < k; i++) tidal_summary_antichain_reset(&n->sum[i]);
  tidal__free(a, n->sum, k * sizeof *n->sum);
  n->sum = NULL;
}

static int push_node(tidal_tracker_builder *b, uint32_t inputs, uint32_t outputs,
                     const tidal_summary *connect, tidal_error *err) {
  if (b->n_nodes >= UINT32_MAX - 1)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: too many nodes");
  if (tidal__progress_reserve(b->alloc, (void **)&b->nodes, &b->cap_nodes, b->n_nodes + 1,
                              sizeof *b->nodes) < 0)
    return tidal__progress_oom(err, "the node list of a tracker builder");
  tidal__bnode n = {inputs, outputs, NULL};
  size_t k;
  if (!tidal__mul_ok(inputs, outputs, &k) || !tidal__mul_ok(k, sizeof *n.sum, &k))
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: node with %" PRIu32
                           " inputs and %" PRIu32 " outputs is too large", inputs, outputs);
  size_t pairs = (size_t)inputs * outputs;
  if (pairs) {
    n.sum = tidal__alloc(b->alloc, pairs * sizeof *n.sum);
    if (!n.sum) return tidal__progress_oom(err, "a node's summary matrix");
    for (size_t i = 0; i < pairs; i++) tidal_summary_antichain_init(&n.sum[i], b->depth, b->alloc);
    if (connect) {
      for (size_t i = 0; i < pairs; i++) {
        if (tidal_summary_antichain_insert(&n.sum[i], connect, NULL, err) < 0) {
          node_free(b->alloc, &n);
          return TIDAL_ENOMEM;
        }
      }
    }
  }
  b->nodes[b->n_nodes++] = n;
  return 0;
}

int tidal_tracker_builder_new(uint32_t depth, uint32_t scope_inputs, uint32_t scope_outputs,
                              const tidal_allocator *alloc, tidal_tracker_builder **out,
                              tidal_error *err) {
  *out = NULL;
  if (depth < 1 || depth > TIDAL_TIME_MAX_DEPTH)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: time depth %" PRIu32
                           " is not in 1..%d", depth, TIDAL_TIME_MAX_DEPTH);
  alloc = tidal__allocator_or_default(alloc);
  tidal_tracker_builder *b = tidal__calloc(alloc, sizeof *b);
  if (!b) return tidal__progress_oom(err, "a tracker builder");
  b->alloc = alloc;
  b->depth = depth;
  /* Node 0, the boundary: its inputs are the scope's outputs and vice versa; not connected. */
  int rc = push_node(b, scope_outputs, scope_inputs, NULL, err);
  if (rc < 0) {
    tidal_tracker_builder_free(b);
    return rc;
  }
  *out = b;
  return 0;
}

void tidal_tracker_builder_free(tidal_tracker_builder *b) {
  if (!b) return;
  for (size_t i = 0; i < b->n_nodes; i++) node_free(b->alloc, &b->nodes[i]);
  tidal__free(b->alloc, b->nodes, b->cap_nodes * sizeof *b->nodes);
  tidal__free(b->alloc, b->edges, b->cap_edges * sizeof *b->edges);
  tidal__free(b->alloc, b, sizeof *b);
}

int tidal_tracker_builder_add_node(tidal_tracker_builder *b, uint32_t inputs, uint32_t outputs,
                                   const tidal_summary *connect, uint32_t *node_out,
                                   tidal_error *err) {
  TIDAL_RETURN_IF_ERROR(push_node(b, inputs, outputs, connect, err));
  if (node_out) *node_out = (uint32_t)(b->n_nodes - 1);
  return 0;
}

int tidal_tracker_builder_add_summary(tidal_tracker_builder *b, uint32_t node, uint32_t input,
                                      uint32_t output, const tidal_summary *s, tidal_error *err) {
  if (node == 0 || node >= b->n_nodes)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: summary on node %" PRIu32
                           ", which is %s", node, node == 0 ? "the scope boundary" : "not declared");
  tidal__bnode *n = &b->nodes[node];
  if (input >= n->inputs || output >= n->outputs)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: summary from input %" PRIu32
                           " to output %" PRIu32 " of node %" PRIu32 ", which has %" PRIu32
                           " inputs and %" PRIu32 " outputs", input, output, node, n->inputs,
                           n->outputs);
  return tidal_summary_antichain_insert(&n->sum[(size_t)input * n->outputs + output], s, NULL, err);
}

int tidal_tracker_builder_add_edge(tidal_tracker_builder *b, uint32_t src_node, uint32_t src_port,
                                   uint32_t dst_node, uint32_t dst_port, tidal_error *err) {
  if (src_node >= b->n_nodes || src_port >= b->nodes[src_node].outputs)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: edge from Source(%" PRIu32
                           ", %" PRIu32 "), which does not exist", src_node, src_port);
  if (dst_node >= b->n_nodes || dst_port >= b->nodes[dst_node].inputs)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: edge to Target(%" PRIu32
                           ", %" PRIu32 "), which does not exist", dst_node, dst_port);
  if (tidal__progress_reserve(b->alloc, (void **)&b->edges, &b->cap_edges, b->n_edges + 1,
                              sizeof *b->edges) < 0)
    return tidal__progress_oom(err, "the edge list of a tracker builder");
  tidal__bedge e = {src_node, src_port, dst_node, dst_port};
  b->edges[b->n_edges++] = e;
  return 0;
}

/* ---- layout ----------------------------------------------------------------------------- */

/* A hop with its origin, for sorting into CSR form. */
typedef struct fhop {
  uint32_t from;
  tidal__hop h;
} fhop;

static inline int fhop_cmp(const fhop *a, const fhop *b, uint32_t depth) {
  if (a->from != b->from) return a->from < b->from ? -1 : 1;
  if (a->h.to != b->h.to) return a->h.to < b->h.to ? -1 : 1;
  for (uint32_t i = 0; i < depth; i++)
    if (a->h.s.c[i] != b->h.s.c[i]) return a->h.s.c[i] < b->h.s.c[i] ? -1 : 1;
  return 0;
}
#define FHOP_LESS(a, b, d) (fhop_cmp((a), (b), (d)) < 0)
TIDAL__DEFINE_SORT(sort_fhops, fhop, FHOP_LESS)

void tidal__layout_free(const tidal_allocator *a, tidal__layout *g) {
  tidal__free(a, g->tgt_off, (g->n_nodes + 1) * sizeof *g->tgt_off);
  tidal__free(a, g->src_off, (g->n_nodes + 1) * sizeof *g->src_off);
  tidal__free(a, g->locs, g->n_locs * sizeof *g->locs);
  if (g->hop_off) {
    tidal__free(a, g->hops, g->hop_off[g->n_locs] * sizeof *g->hops);
    tidal__free(a, g->hop_off, (g->n_locs + 1) * sizeof *g->hop_off);
  }
  memset(g, 0, sizeof *g);
}

int tidal__layout_build(const tidal_tracker_builder *b, tidal__layout *g, tidal_error *err) {
  const tidal_allocator *a = b->alloc;
  memset(g, 0, sizeof *g);
  uint64_t nt = 0, ns = 0, nh = b->n_edges;
  for (size_t n = 0; n < b->n_nodes; n++) {
    nt += b->nodes[n].inputs;
    ns += b->nodes[n].outputs;
    size_t pairs = (size_t)b->nodes[n].inputs * b->nodes[n].outputs;
    for (size_t k = 0; k < pairs; k++) nh += b->nodes[n].sum[k].len;
  }
  if (nt + ns >= UINT32_MAX)
    return tidal_error_set(err, TIDAL_EINVAL, "tracker builder: too many ports (%" PRIu64 ")",
                           nt + ns);
  g->n_nodes = (uint32_t)b->n_nodes;
  g->n_targets = (uint32_t)nt;
  g->n_locs = (uint32_t)(nt + ns);
  fhop *tmp = NULL;
  size_t u = 0;
  g->tgt_off = tidal__alloc(a, (g->n_nodes + 1) * sizeof *g->tgt_off);
  g->src_off = tidal__alloc(a, (g->n_nodes + 1) * sizeof *g->src_off);
  g->locs = g->n_locs ? tidal__alloc(a, g->n_locs * sizeof *g->locs) : NULL;
  g->hop_off = tidal__calloc(a, (g->n_locs + 1) * sizeof *g->hop_off);
  if (nh) tmp = tidal__alloc(a, nh * sizeof *tmp);
  if (!g->tgt_off || !g->src_off || (g->n_locs && !g->locs) || !g->hop_off || (nh && !tmp))
    goto oom;
  uint32_t t = 0, s = 0;
  for (uint32_t n = 0; n < g->n_nodes; n++) {
    g->tgt_off[n] = t;
    g->src_off[n] = s;
    for (uint32_t i = 0; i < b->nodes[n].inputs; i++) g->locs[t + i] = tidal_location_target(n, i);
    for (uint32_t o = 0; o < b->nodes[n].outputs; o++)
      g->locs[g->n_targets + s + o] = tidal_location_source(n, o);
    t += b->nodes[n].inputs;
    s += b->nodes[n].outputs;
  }
  g->tgt_off[g->n_nodes] = t;
  g->src_off[g->n_nodes] = s;
  /* Collect hops: internal summaries (target -> source) and edges (source -> target). */
  size_t k = 0;
  for (uint32_t n = 0; n < g->n_nodes; n++) {
    const tidal__bnode *bn = &b->nodes[n];
    for (uint32_t i = 0; i < bn->inputs; i++)
      for (uint32_t o = 0; o < bn->outputs; o++) {
        const tidal_summary_antichain *sa = &bn->sum[(size_t)i * bn->outputs + o];
        for (size_t e = 0; e < sa->len; e++) {
          fhop *f = &tmp[k++];
          memset(f, 0, sizeof *f);
          f->from = g->tgt_off[n] + i;
          f->h.to = g->n_targets + g->src_off[n] + o;
          f->h.s = sa->elems[e];
          f->h.strict = tidal_summary_is_strict(&sa->elems[e], b->depth);
        }
      }
  }
  for (size_t e = 0; e < b->n_edges; e++) {
    const tidal__bedge *be = &b->edges[e];
    fhop *f = &tmp[k++];
    memset(f, 0, sizeof *f);
    f->from = g->n_targets + g->src_off[be->src_node] + be->src_port;
    f->h.to = g->tgt_off[be->dst_node] + be->dst_port;
    f->h.s = tidal_summary_identity();
    f->h.strict = 0;
  }
  sort_fhops(tmp, k, b->depth);
  /* Deduplicate (duplicate edges) and count per origin. */
  for (size_t i = 0; i < k; i++)
    if (u == 0 || fhop_cmp(&tmp[u - 1], &tmp[i], b->depth) != 0) tmp[u++] = tmp[i];
  g->hops = u ? tidal__alloc(a, u * sizeof *g->hops) : NULL;
  if (u && !g->hops) goto oom;
  for (size_t i = 0; i < u; i++) {
    g->hops[i] = tmp[i].h;
    g->hop_off[tmp[i].from + 1]++;
  }
  for (uint32_t l = 0; l < g->n_locs; l++) g->hop_off[l + 1] += g->hop_off[l];
  tidal__free(a, tmp, nh * sizeof *tmp);
  return 0;
oom:
  tidal__free(a, tmp, nh * sizeof *tmp);
  /* hops was not allocated yet or is sized by the final count: free by hand. */
  if (g->hops) tidal__free(a, g->hops, u * sizeof *g->hops);
  g->hops = NULL;
  if (g->hop_off) {
    tidal__free(a, g->hop_off, (g->n_locs + 1) * sizeof *g->hop_off);
    g->hop_off = NULL;
  }
  tidal__layout_free(a, g);
  return tidal__progress_oom(err, "a tracker's graph");
}

/* ---- cycle check ------------------------------------------------------------------------ */

static void describe_loc(char *buf, size_t n, tidal_location l) {
  snprintf(buf, n, "%s(%" PRIu32 ",%" PRIu32 ")", l.is_source ? "Source" : "Target", l.node,
           l.port);
}

/*
** Kahn's algorithm on the graph of non-advancing hops (edges and identity summaries). Anything
** left over lies on or behind a non-advancing cycle; walking predecessors inside the leftover set
** must eventually repeat a location, which closes a cycle to report.
*/
static int check_layout(const tidal_allocator *a, const tidal__layout *g, tidal_error *err) {
  uint32_t nl = g->n_locs;
  if (nl == 0) return 0;
  int rc = 0;
  uint32_t *indeg = tidal__calloc(a, nl * sizeof *indeg);
  uint32_t *queue = tidal__alloc(a, nl * sizeof *queue);
  uint32_t *pred = tidal__alloc(a, nl * sizeof *pred);  /* one leftover predecessor each */
  uint32_t *seen = tidal__alloc(a, nl * sizeof *seen);  /* position on the walk, or UINT32_MAX */
  uint32_t *walk = tidal__alloc(a, (nl + 1) * sizeof *walk);
  if (!indeg || !queue || !pred || !seen || !walk) {
    rc = tidal__progress_oom(err, "the cycle check");
    goto done;
  }
  for (uint32_t l = 0; l < nl; l++)
    for (size_t h = g->hop_off[l]; h < g->hop_off[l + 1]; h++)
      if (!g->hops[h].strict) indeg[g->hops[h].to]++;
  uint32_t qh = 0, qt = 0;
  for (uint32_t l = 0; l < nl; l++)
    if (indeg[l] == 0) queue[qt++] = l;
  while (qh < qt) {
    uint32_t l = queue[qh++];
    for (size_t h = g->hop_off[l]; h < g->hop_off[l + 1]; h++)
      if (!g->hops[h].strict && --indeg[g->hops[h].to] == 0) queue[qt++] = g->hops[h].to;
  }
  if (qt == nl) goto done;
  /* Leftover locations have indeg > 0: record a leftover predecessor for each. */
  for (uint32_t l = 0; l < nl; l++) pred[l] = seen[l] = UINT32_MAX;
  for (uint32_t l = 0; l < nl; l++) {
    if (indeg[l] == 0) continue;
    for (size_t h = g->hop_off[l]; h < g->hop_off[l + 1]; h++)
      if (!g->hops[h].strict && indeg[g->hops[h].to] > 0) pred[g->hops[h].to] = l;
  }
  uint32_t start = 0;
  while (indeg[start] == 0) start++;
  uint32_t len = 0, cur = start;
  while (seen[cur] == UINT32_MAX) {
    seen[cur] = len;
    walk[len++] = cur;
    cur = pred[cur];
  }
  /* walk[seen[cur]..len) is a cycle followed backwards; print it forwards. */
  char msg[400], loc[48];
  size_t used = (size_t)snprintf(msg, sizeof msg, "non-advancing cycle (every cycle needs a "
                                 "strict summary): ");
  for (uint32_t i = len; i-- > seen[cur] && used < sizeof msg;) {
    describe_loc(loc, sizeof loc, g->locs[walk[i]]);
    used += (size_t)snprintf(msg + used, sizeof msg - used, "%s -> ", loc);
  }
  if (used < sizeof msg) {
    describe_loc(loc, sizeof loc, g->locs[walk[len - 1]]);
    snprintf(msg + used, sizeof msg - used, "%s", loc);
  }
  rc = tidal_error_set(err, TIDAL_EINVAL, "tracker builder: %s", msg);
done:
  tidal__free(a, indeg, nl * sizeof *indeg);
  tidal__free(a, queue, nl * sizeof *queue);
  tidal__free(a, pred, nl * sizeof *pred);
  tidal__free(a, seen, nl * sizeof *seen);
  tidal__free(a, walk, (nl + 1) * sizeof *walk);
  return rc;
}

int tidal_tracker_builder_check(const tidal_tracker_builder *b, tidal_error *err) {
  tidal__layout g;
  TIDAL_RETURN_IF_ERROR(tidal__layout_build(b, &g, err));
  int rc = check_layout(b->alloc, &g, err);
  tidal__layout_free(b->alloc, &g);
  return rc;
}

/* ---- summaries towards scope outputs (§4's backward search, §5) ------------------------- */

typedef struct bfs_item {
  uint32_t loc;
  tidal_summary s;
} bfs_item;

typedef struct proj3 {
  uint32_t loc;
  tidal__proj p;
} proj3;

/*
** For every scope output o: R[l] = antichain of summaries of all paths l -> Target(0, o), by a
** backward breadth-first search; dominated summaries fail to insert, so strict loops end. Then
** every location of a node != 0 gets projections (o, s) for s in R[l], and the scope summary
** (i, o) is R[Source(0, i)].
*/
static int build_projections(tidal_tracker *t, tidal_error *err) {
  const tidal_allocator *a = t->alloc;
  const tidal__layout *g = &t->g;
  uint32_t nl = g->n_locs, d = t->depth;
  int rc = 0;
  size_t *roff = NULL, *rcnt = NULL;
  tidal__hop *rev = NULL; /* reversed hops: `to` is the origin */
  tidal_summary_antichain *R = NULL;
  bfs_item *q = NULL;
  size_t qcap = 0;
  proj3 *pl = NULL;
  size_t pl_len = 0, pl_cap = 0;
  size_t nh = g->hop_off[nl];

  t->proj_off = tidal__calloc(a, (nl + 1) * sizeof *t->proj_off);
  if (!t->proj_off) goto oom;
  if (t->scope_outputs == 0) return 0;
  roff = tidal__calloc(a, (nl + 1) * sizeof *roff);
  rcnt = tidal__calloc(a, (nl + 1) * sizeof *rcnt);
  rev = nh ? tidal__alloc(a, nh * sizeof *rev) : NULL;
  R = tidal__alloc(a, nl * sizeof *R);
  if (!roff || !rcnt || (nh && !rev) || !R) goto oom;
  for (uint32_t l = 0; l < nl; l++) {
    tidal_summary_antichain_init(&R[l], d, a);
    for (size_t h = g->hop_off[l]; h < g->hop_off[l + 1]; h++) roff[g->hops[h].to + 1]++;
  }
  for (uint32_t l = 0; l < nl; l++) roff[l + 1] += roff[l];
  for (uint32_t l = 0; l < nl; l++)
    for (size_t h = g->hop_off[l]; h < g->hop_off[l + 1]; h++) {
      uint32_t to = g->hops[h].to;
      tidal__hop r = g->hops[h];
      r.to = l;
      rev[roff[to] + rcnt[to]++] = r;
    }
  for (uint32_t o = 0; o < t->scope_outputs; o++) {
    uint32_t dest = tidal__layout_index(g, tidal_location_target(0, o));
    size_t qh = 0, qt = 0;
    bool ins;
    tidal_summary id = tidal_summary_identity();
    if (tidal_summary_antichain_insert(&R[dest], &id, &ins, err) < 0) goto fail;
    if (tidal__progress_reserve(a, (void **)&q, &qcap, 1, sizeof *q) < 0) goto oom;
    q[qt].loc = dest;
    q[qt++].s = id;
    while (qh < qt) {
      bfs_item it = q[qh++];
      for (size_t h = roff[it.loc]; h < roff[it.loc + 1]; h++) {
        tidal_summary c;
        if (!tidal_summary_compose(&rev[h].s, &it.s, d, &c)) continue; /* NONE: no path */
        if (tidal_summary_antichain_insert(&R[rev[h].to], &c, &ins, err) < 0) goto fail;
        if (!ins) continue;
        if (tidal__progress_reserve(a, (void **)&q, &qcap, qt + 1, sizeof *q) < 0) goto oom;
        q[qt].loc = rev[h].to;
        q[qt++].s = c;
      }
    }
    for (uint32_t l = 0; l < nl; l++) {
      if (g->locs[l].node != 0) {
        for (size_t e = 0; e < R[l].len; e++) {
          if (tidal__progress_reserve(a, (void **)&pl, &pl_cap, pl_len + 1, sizeof *pl) < 0)
            goto oom;
          pl[pl_len].loc = l;
          pl[pl_len].p.output = o;
          pl[pl_len++].p.s = R[l].elems[e];
        }
      }
    }
    for (uint32_t i = 0; i < t->scope_inputs; i++) {
      const tidal_summary_antichain *src = &R[tidal__layout_index(g, tidal_location_source(0, i))];
      tidal_summary_antichain *dst = &t->scope_sum[(size_t)i * t->scope_outputs + o];
      for (size_t e = 0; e < src->len; e++)
        if (tidal_summary_antichain_insert(dst, &src->elems[e], NULL, err) < 0) goto fail;
    }
    for (uint32_t l = 0; l < nl; l++) R[l].len = 0;
  }
  /* Projections into CSR form by location (counting sort keeps output order). */
  if (pl_len) {
    t->projs = tidal__alloc(a, pl_len * sizeof *t->projs);
    if (!t->projs) goto oom;
    for (size_t i = 0; i < pl_len; i++) t->proj_off[pl[i].loc + 1]++;
    for (uint32_t l = 0; l < nl; l++) t->proj_off[l + 1] += t->proj_off[l];
    memset(rcnt, 0, (nl + 1) * sizeof *rcnt);
    for (size_t i = 0; i < pl_len; i++)
      t->projs[t->proj_off[pl[i].loc] + rcnt[pl[i].loc]++] = pl[i].p;
  }
  goto done;
oom:
  rc = tidal__progress_oom(err, "the summaries towards scope outputs");
  goto done;
fail:
  rc = TIDAL_ENOMEM;
done:
  if (R)
    for (uint32_t l = 0; l < nl; l++) tidal_summary_antichain_reset(&R[l]);
  tidal__free(a, R, nl * sizeof *R);
  tidal__free(a, roff, (nl + 1) * sizeof *roff);
  tidal__free(a, rcnt, (nl + 1) * sizeof *rcnt);
  tidal__free(a, rev, nh * sizeof *rev);
  tidal__free(a, q, qcap * sizeof *q);
  tidal__free(a, pl, pl_cap * sizeof *pl);
  return rc;
}

/* ---- build ------------------------------------------------------------------------------ */

int tidal_tracker_builder_build(const tidal_tracker_builder *b, tidal_tracker **out,
                                tidal_error *err) {
  const tidal_allocator *a = b->alloc;
  *out = NULL;
  tidal_tracker *t = tidal__calloc(a, sizeof *t);
  if (!t) return tidal__progress_oom(err, "a tracker");
  t->alloc = a;
  t->depth = b->depth;
  t->scope_outputs = b->nodes[0].inputs;
  t->scope_inputs = b->nodes[0].outputs;
  tidal_progress_batch_init(&t->pushed, t->depth, a);
  int rc = tidal__layout_build(b, &t->g, err);
  if (rc < 0) goto fail_layout;
  rc = check_layout(a, &t->g, err);
  if (rc < 0) goto fail;
  uint32_t nl = t->g.n_locs;
  size_t nss = (size_t)t->scope_inputs * t->scope_outputs;
  /* Zeroed, so that tidal_tracker_free may reset them even if a later allocation fails. */
  t->scope_sum = nss ? tidal__calloc(a, nss * sizeof *t->scope_sum) : NULL;
  t->pointstamps = nl ? tidal__calloc(a, nl * sizeof *t->pointstamps) : NULL;
  t->implications = nl ? tidal__calloc(a, nl * sizeof *t->implications) : NULL;
  t->out_changes = t->scope_outputs ? tidal__calloc(a, t->scope_outputs * sizeof *t->out_changes)
                                    : NULL;
  t->cap_counts = tidal__calloc(a, t->g.n_nodes * sizeof *t->cap_counts);
  t->pend = nl ? tidal__calloc(a, nl * sizeof *t->pend) : NULL;
  t->queued = nl ? tidal__alloc(a, nl * sizeof *t->queued) : NULL;
  t->is_queued = nl ? tidal__calloc(a, nl * sizeof *t->is_queued) : NULL;
  if ((nss && !t->scope_sum) || (nl && (!t->pointstamps || !t->implications)) ||
      (t->scope_outputs && !t->out_changes) || !t->cap_counts ||
      (nl && (!t->pend || !t->queued || !t->is_queued))) {
    rc = tidal__progress_oom(err, "a tracker");
    goto fail;
  }
  for (size_t i = 0; i < nss; i++) tidal_summary_antichain_init(&t->scope_sum[i], t->depth, a);
  for (uint32_t l = 0; l < nl; l++) {
    tidal_mutable_antichain_init(&t->pointstamps[l], t->depth, a);
    tidal_mutable_antichain_init(&t->implications[l], t->depth, a);
    tidal_change_batch_init(&t->pend[l], t->depth, a);
  }
  for (uint32_t o = 0; o < t->scope_outputs; o++)
    tidal_change_batch_init(&t->out_changes[o], t->depth, a);
  rc = build_projections(t, err);
  if (rc < 0) goto fail;
  *out = t;
  return 0;
fail:
  tidal_tracker_free(t);
  return rc;
fail_layout:
  tidal__free(a, t, sizeof *t);
  return rc;
}
