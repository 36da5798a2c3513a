/* progress_core_test.c: times, summaries, antichains, change batches and the mutable antichain,
   each checked against a brute-force reference on random inputs (spec §8.1-§8.3). */
#include "harness/test.h"
#include "progress/progress_int.h" /* the sort template, tested directly below */

/* ---- helpers ---------------------------------------------------------------------------- */

static tidal_time rand_time(uint64_t *rng, uint32_t depth, uint64_t range) {
  tidal_time t = tidal_time_minimum();
  for (uint32_t i = 0; i < depth; i++) t.c[i] = tidal_test_rand(rng) % range;
  return t;
}

/* Brute force: is t minimal among the times in `set` (n of them) that satisfy keep[]? */
static bool is_minimal(const tidal_time *set, const bool *keep, size_t n, size_t k,
                       uint32_t depth) {
  for (size_t j = 0; j < n; j++)
    if (keep[j] && j != k && tidal_time_lt(&set[j], &set[k], depth)) return false;
  return true;
}

/* Does antichain a equal the minimal elements of { set[k] : keep[k] } (set has distinct times)? */
static bool antichain_is_minimal_of(const tidal_antichain *a, const tidal_time *set,
                                    const bool *keep, size_t n) {
  size_t expected = 0;
  for (size_t k = 0; k < n; k++) {
    if (!keep[k] || !is_minimal(set, keep, n, k, a->depth)) continue;
    expected++;
    bool found = false;
    for (size_t i = 0; i < a->len; i++) found |= tidal_time_eq(&a->elems[i], &set[k], a->depth);
    if (!found) return false;
  }
  return expected == a->len;
}

/* ---- times ------------------------------------------------------------------------------ */

TEST(time_orders_agree) {
  uint64_t rng = 1;
  for (uint32_t depth = 1; depth <= TIDAL_TIME_MAX_DEPTH; depth++) {
    for (int it = 0; it < 20000; it++) {
      tidal_time a = rand_time(&rng, depth, 4), b = rand_time(&rng, depth, 4);
      bool le = true;
      for (uint32_t i = 0; i < depth; i++) le &= a.c[i] <= b.c[i];
      CHECK(tidal_time_le(&a, &b, depth) == le);
      CHECK(tidal_time_lt(&a, &b, depth) == (le && memcmp(&a, &b, sizeof a) != 0));
      /* The total order is a linear extension of the partial order, and antisymmetric. */
      if (le) CHECK(tidal_time_cmp(&a, &b, depth) <= 0);
      CHECK((tidal_time_cmp(&a, &b, depth) == 0) == tidal_time_eq(&a, &b, depth));
      CHECK(tidal_time_cmp(&a, &b, depth) == -tidal_time_cmp(&b, &a, depth));
      tidal_time m = tidal_time_meet(&a, &b, depth), j = tidal_time_join(&a, &b, depth);
      CHECK(tidal_time_le(&m, &a, depth) && tidal_time_le(&m, &b, depth));
      CHECK(tidal_time_le(&a, &j, depth) && tidal_time_le(&b, &j, depth));
      tidal_time mn = tidal_time_min(&a, &b, depth);
      CHECK(tidal_time_cmp(&mn, &a, depth) <= 0 && tidal_time_cmp(&mn, &b, depth) <= 0);
    }
  }
  tidal_time x = tidal_time_u64(UINT64_MAX), z = tidal_time_minimum();
  CHECK(tidal_time_le(&z, &x, 1) && !tidal_time_le(&x, &z, 1));
  tidal_time p = tidal_time_product(3, 9), in = tidal_time_to_inner(&x, 1);
  CHECK_EQ_U64(in.c[0], UINT64_MAX);
  CHECK_EQ_U64(in.c[1], 0);
  tidal_time out = tidal_time_to_outer(&p, 2);
  CHECK(tidal_time_eq(&out, &(tidal_time){{3, 0, 0, 0}}, TIDAL_TIME_MAX_DEPTH));
}

/* ---- summaries (§8.3) ------------------------------------------------------------------- */

static uint64_t rand_coord(uint64_t *rng) {
  switch (tidal_test_rand(rng) % 4) {
  case 0: return 0;
  case 1: return tidal_test_rand(rng) % 5;
  case 2: return UINT64_MAX - tidal_test_rand(rng) % 5;
  default: return tidal_test_rand(rng) >> (tidal_test_rand(rng) % 64);
  }
}

TEST(summary_laws) {
  uint64_t rng = 2;
  for (uint32_t depth = 1; depth <= 3; depth++) {
    for (int it = 0; it < 30000; it++) {
      tidal_summary s1 = tidal_summary_identity(), s2 = s1, s3 = s1;
      tidal_time t1 = tidal_time_minimum(), t2;
      for (uint32_t i = 0; i < depth; i++) {
        s1.c[i] = rand_coord(&rng);
        s2.c[i] = rand_coord(&rng);
        s3.c[i] = rand_coord(&rng);
        t1.c[i] = rand_coord(&rng);
      }
      t2 = t1;
      for (uint32_t i = 0; i < depth; i++)
        if (tidal_test_rand(&rng) & 1) t2.c[i] = rand_coord(&rng);
      tidal_time r, r2;
      /* Identity. */
      tidal_summary id = tidal_summary_identity();
      CHECK(tidal_summary_apply(&id, &t1, depth, &r) && tidal_time_eq(&r, &t1, depth));
      /* NONE exactly on overflow, and s(t) >= t; strict iff s(t) > t. */
      bool overflow = false;
      for (uint32_t i = 0; i < depth; i++) overflow |= t1.c[i] > UINT64_MAX - s1.c[i];
      bool ok1 = tidal_summary_apply(&s1, &t1, depth, &r);
      CHECK(ok1 == !overflow);
      if (ok1) {
        CHECK(tidal_time_le(&t1, &r, depth));
        CHECK(tidal_time_lt(&t1, &r, depth) == tidal_summary_is_strict(&s1, depth));
      }
      /* compose == applying in sequence (both NONE, or equal). */
      tidal_summary c12;
      bool okc = tidal_summary_compose(&s1, &s2, depth, &c12);
      bool seq = ok1 && tidal_summary_apply(&s2, &r, depth, &r2);
      if (okc) {
        tidal_time rc;
        bool okr = tidal_summary_apply(&c12, &t1, depth, &rc);
        CHECK(okr == seq);
        if (okr) CHECK(tidal_time_eq(&rc, &r2, depth));
      } else {
        CHECK(!seq); /* a composition that overflows admits no time */
      }
      /* Associativity, when defined. */
      tidal_summary c23, l, rr;
      if (okc && tidal_summary_compose(&s2, &s3, depth, &c23)) {
        bool okl = tidal_summary_compose(&c12, &s3, depth, &l);
        bool okr = tidal_summary_compose(&s1, &c23, depth, &rr);
        CHECK(okl == okr);
        if (okl) CHECK(tidal_summary_eq(&l, &rr, depth));
      }
      /* Monotone in the time: t1 <= j => s(t1) <= s(j) when s(j) is defined. */
      tidal_time j = tidal_time_join(&t1, &t2, depth), sj;
      if (tidal_summary_apply(&s1, &j, depth, &sj)) {
        CHECK(ok1);
        CHECK(tidal_time_le(&r, &sj, depth));
      }
      /* Monotone in the summary: s1 <= s1 v s2. */
      tidal_summary sup = s1;
      for (uint32_t i = 0; i < depth; i++) sup.c[i] = s1.c[i] > s2.c[i] ? s1.c[i] : s2.c[i];
      CHECK(tidal_summary_le(&s1, &sup, depth));
      tidal_time rs;
      if (tidal_summary_apply(&sup, &t1, depth, &rs)) {
        CHECK(ok1);
        CHECK(tidal_time_le(&r, &rs, depth));
      }
      /* summarize: apply(to_outer(s), t) <= to_outer(apply(s, to_inner(t))). */
      if (depth >= 2) {
        tidal_summary so = tidal_summary_to_outer(&s1, depth);
        tidal_time to = tidal_time_to_outer(&t1, depth), ti = tidal_time_to_inner(&to, depth - 1);
        tidal_time a, b;
        if (tidal_summary_apply(&s1, &ti, depth, &b)) {
          CHECK(tidal_summary_apply(&so, &to, depth - 1, &a));
          tidal_time bo = tidal_time_to_outer(&b, depth);
          CHECK(tidal_time_le(&a, &bo, depth - 1));
        }
      }
    }
  }
  tidal_summary loop = tidal_summary_add(1, 1);
  tidal_time t = tidal_time_product(5, UINT64_MAX), r;
  CHECK(!tidal_summary_apply(&loop, &t, 2, &r)); /* feedback overflow: NONE */
}

/* ---- antichains ------------------------------------------------------------------------- */

TEST(antichain_insert_matches_brute_force) {
  uint64_t rng = 3;
  for (int round = 0; round < 400; round++) {
    uint32_t depth = 1 + round % 3;
    tidal_antichain a, b;
    tidal_antichain_init(&a, depth, NULL);
    tidal_antichain_init(&b, depth, NULL);
    tidal_time set[64];
    bool keep[64];
    size_t n = 0;
    int steps = 1 + (int)(tidal_test_rand(&rng) % 40);
    for (int s = 0; s < steps; s++) {
      tidal_time t = rand_time(&rng, depth, 6);
      bool dup = false;
      for (size_t k = 0; k < n; k++) dup |= tidal_time_eq(&set[k], &t, depth);
      bool expect_insert = !tidal_antichain_less_equal(&a, &t);
      bool ins;
      CHECK_OK(tidal_antichain_insert(&a, &t, &ins, NULL));
      CHECK(ins == expect_insert);
      if (!dup) {
        set[n] = t;
        keep[n++] = true;
      }
      CHECK(antichain_is_minimal_of(&a, set, keep, n));
      for (size_t i = 0; i < a.len; i++)
        for (size_t j = 0; j < a.len; j++)
          if (i != j) CHECK(!tidal_time_le(&a.elems[i], &a.elems[j], depth));
    }
    /* less_equal / less_than / le against brute force. */
    for (int s = 0; s < 8; s++) {
      tidal_time t = rand_time(&rng, depth, 7);
      CHECK_OK(tidal_antichain_insert(&b, &t, NULL, NULL));
    }
    for (int q = 0; q < 30; q++) {
      tidal_time t = rand_time(&rng, depth, 7);
      bool le = false, lt = false;
      for (size_t k = 0; k < n; k++) {
        le |= tidal_time_le(&set[k], &t, depth);
        lt |= tidal_time_lt(&set[k], &t, depth);
      }
      CHECK(tidal_antichain_less_equal(&a, &t) == le);
      CHECK(tidal_antichain_less_than(&a, &t) == lt);
    }
    bool ab = true;
    for (size_t j = 0; j < b.len; j++) ab &= tidal_antichain_less_equal(&a, &b.elems[j]);
    CHECK(tidal_antichain_le(&a, &b) == ab);
    tidal_antichain c;
    tidal_antichain_init(&c, depth, NULL);
    CHECK_OK(tidal_antichain_copy(&c, &a, NULL));
    CHECK(tidal_antichain_equal(&c, &a) && tidal_antichain_le(&c, &a) && tidal_antichain_le(&a, &c));
    tidal_antichain_clear(&c);
    CHECK(tidal_antichain_le(&a, &c)); /* the empty antichain is the top */
    CHECK(a.len == 0 || !tidal_antichain_le(&c, &a));
    tidal_antichain_reset(&c);
    tidal_antichain_reset(&a);
    tidal_antichain_reset(&b);
  }
}

TEST(summary_antichain_insert) {
  uint64_t rng = 4;
  for (int round = 0; round < 200; round++) {
    tidal_summary_antichain a;
    tidal_summary_antichain_init(&a, 2, NULL);
    tidal_summary all[40];
    int n = 1 + (int)(tidal_test_rand(&rng) % 40);
    for (int i = 0; i < n; i++) {
      all[i] = tidal_summary_identity();
      all[i].c[0] = tidal_test_rand(&rng) % 4;
      all[i].c[1] = tidal_test_rand(&rng) % 4;
      CHECK_OK(tidal_summary_antichain_insert(&a, &all[i], NULL, NULL));
    }
    /* Every inserted summary is dominated by an element; every element is minimal. */
    for (int i = 0; i < n; i++) {
      bool dom = false;
      for (size_t k = 0; k < a.len; k++) dom |= tidal_summary_le(&a.elems[k], &all[i], 2);
      CHECK(dom);
      for (size_t k = 0; k < a.len; k++)
        CHECK(!(tidal_summary_le(&all[i], &a.elems[k], 2) &&
                !tidal_summary_eq(&all[i], &a.elems[k], 2)));
    }
    tidal_summary_antichain_reset(&a);
  }
}

/* ---- change batches (§8.1) -------------------------------------------------------------- */

/* Reference: counts indexed by a dense key for depth-2 times with coordinates < 8. */
#define KEYS 64
static size_t key_of(const tidal_time *t) { return (size_t)(t->c[0] * 8 + t->c[1]); }

static void check_batch_matches(tidal_change_batch *b, const int64_t *ref) {
  tidal_change_batch_compact(b);
  int64_t seen[KEYS] = {0};
  for (size_t i = 0; i < b->len; i++) {
    CHECK(b->updates[i].diff != 0); /* no zeros after compaction */
    if (i) CHECK(tidal_time_cmp(&b->updates[i - 1].time, &b->updates[i].time, 2) < 0);
    seen[key_of(&b->updates[i].time)] = b->updates[i].diff;
  }
  for (size_t k = 0; k < KEYS; k++) CHECK_EQ_INT(seen[k], ref[k]);
}

TEST(change_batch_matches_reference) {
  uint64_t rng = 5;
  for (int round = 0; round < 300; round++) {
    tidal_change_batch b, other;
    tidal_change_batch_init(&b, 2, NULL);
    tidal_change_batch_init(&other, 2, NULL);
    int64_t ref[KEYS] = {0}, ref_other[KEYS] = {0};
    int steps = (int)(tidal_test_rand(&rng) % 400);
    uint64_t range = 1 + tidal_test_rand(&rng) % 8;
    for (int s = 0; s < steps; s++) {
      tidal_time t = rand_time(&rng, 2, range);
      int64_t d = (int64_t)(tidal_test_rand(&rng) % 7) - 3;
      CHECK_OK(tidal_change_batch_update(&b, &t, d, NULL));
      ref[key_of(&t)] += d;
      CHECK_EQ_INT(tidal_change_batch_count(&b, &t), ref[key_of(&t)]);
      /* Lazy compaction bounds the length by about twice the distinct keys. */
      CHECK(b.len <= 2 * KEYS + 34);
      switch (tidal_test_rand(&rng) % 50) {
      case 0: check_batch_matches(&b, ref); break;
      case 1: /* drain keeps sums */
        CHECK_OK(tidal_change_batch_drain_into(&b, &other, NULL));
        for (size_t k = 0; k < KEYS; k++) ref_other[k] += ref[k], ref[k] = 0;
        CHECK(b.len == 0);
        check_batch_matches(&other, ref_other);
        break;
      case 2: /* extend keeps src */
        CHECK_OK(tidal_change_batch_extend(&other, &b, NULL));
        for (size_t k = 0; k < KEYS; k++) ref_other[k] += ref[k];
        check_batch_matches(&other, ref_other);
        check_batch_matches(&b, ref);
        break;
      }
    }
    check_batch_matches(&b, ref);
    bool empty = true;
    for (size_t k = 0; k < KEYS; k++) empty &= ref[k] == 0;
    CHECK(tidal_change_batch_is_empty(&b) == empty);
    tidal_change_batch_reset(&b);
    tidal_change_batch_reset(&other);
  }
}

TEST(change_batch_drops_lone_zero) {
  tidal_change_batch b;
  tidal_change_batch_init(&b, 1, NULL);
  tidal_time t = tidal_time_u64(7);
  CHECK_OK(tidal_change_batch_update(&b, &t, 0, NULL));
  CHECK(tidal_change_batch_is_empty(&b));
  CHECK_EQ_INT(b.len, 0);
  CHECK_OK(tidal_change_batch_update(&b, &t, 5, NULL));
  CHECK_OK(tidal_change_batch_update(&b, &t, -5, NULL));
  tidal_change_batch_compact(&b);
  CHECK_EQ_INT(b.len, 0);
  tidal_change_batch_reset(&b);
  tidal_change_batch_reset(NULL);
}

TEST(progress_batch_matches_reference) {
  uint64_t rng = 6;
  for (int round = 0; round < 200; round++) {
    tidal_progress_batch b;
    tidal_progress_batch_init(&b, 1, NULL);
    /* Key space: node < 3, port < 2, is_source, time < 4: 48 keys. */
    int64_t ref[48] = {0};
    int steps = (int)(tidal_test_rand(&rng) % 300);
    for (int s = 0; s < steps; s++) {
      uint64_t r = tidal_test_rand(&rng);
      tidal_location loc = {(uint32_t)(r % 3), (uint32_t)(r / 3 % 2), (r / 6 % 2) != 0};
      tidal_time t = tidal_time_u64(r / 12 % 4);
      int64_t d = (int64_t)(r / 48 % 5) - 2;
      CHECK_OK(tidal_progress_batch_update(&b, loc, &t, d, NULL));
      ref[((loc.node * 2 + loc.port) * 2 + loc.is_source) * 4 + t.c[0]] += d;
    }
    tidal_progress_batch_compact(&b);
    int64_t seen[48] = {0};
    for (size_t i = 0; i < b.len; i++) {
      const tidal_progress_update *u = &b.updates[i];
      CHECK(u->diff != 0);
      if (i) {
        int c = tidal_location_cmp(&b.updates[i - 1].loc, &u->loc);
        CHECK(c < 0 || (c == 0 && b.updates[i - 1].time.c[0] < u->time.c[0]));
      }
      seen[((u->loc.node * 2 + u->loc.port) * 2 + u->loc.is_source) * 4 + u->time.c[0]] = u->diff;
    }
    for (int k = 0; k < 48; k++) CHECK_EQ_INT(seen[k], ref[k]);
    tidal_progress_batch dst;
    tidal_progress_batch_init(&dst, 1, NULL);
    CHECK_OK(tidal_progress_batch_drain_into(&b, &dst, NULL));
    CHECK(tidal_progress_batch_is_empty(&b));
    tidal_progress_batch_compact(&dst);
    int64_t seen2[48] = {0};
    for (size_t i = 0; i < dst.len; i++) {
      const tidal_progress_update *u = &dst.updates[i];
      seen2[((u->loc.node * 2 + u->loc.port) * 2 + u->loc.is_source) * 4 + u->time.c[0]] = u->diff;
    }
    for (int k = 0; k < 48; k++) CHECK_EQ_INT(seen2[k], ref[k]);
    tidal_progress_batch_reset(&b);
    tidal_progress_batch_reset(&dst);
  }
}

/* ---- mutable antichain (§8.2) ----------------------------------------------------------- */

TEST(mutable_antichain_matches_brute_force) {
  uint64_t rng = 7;
  for (int round = 0; round < 300; round++) {
    uint32_t depth = round % 5 == 0 ? 1 : 2;
    uint64_t range = 2 + tidal_test_rand(&rng) % 5; /* coordinates < range <= 6 */
    tidal_mutable_antichain m;
    tidal_mutable_antichain_init(&m, depth, NULL);
    /* Reference counts over every time of the grid (dense, distinct). */
    tidal_time grid[36];
    int64_t count[36] = {0};
    size_t n = 0;
    for (uint64_t a = 0; a < range; a++)
      for (uint64_t b = 0; b < (depth == 2 ? range : 1); b++)
        grid[n++] = depth == 2 ? tidal_time_product(a, b) : tidal_time_u64(a);
    tidal_change_batch acc; /* running sum of every emitted change: must equal +1 per element */
    tidal_change_batch_init(&acc, depth, NULL);
    tidal_antichain prev;
    tidal_antichain_init(&prev, depth, NULL);
    int steps = 1 + (int)(tidal_test_rand(&rng) % 120);
    for (int s = 0; s < steps; s++) {
      size_t group = tidal_test_rand(&rng) % 4 == 0 ? 1 + tidal_test_rand(&rng) % 5 : 1;
      tidal_time_diff ups[5];
      for (size_t g = 0; g < group; g++) {
        size_t k = tidal_test_rand(&rng) % n;
        int64_t d = (int64_t)(tidal_test_rand(&rng) % 7) - 3;
        ups[g].time = grid[k];
        ups[g].diff = d;
        count[k] += d;
      }
      if (group == 1)
        CHECK_OK(tidal_mutable_antichain_update(&m, &ups[0].time, ups[0].diff, NULL));
      else
        CHECK_OK(tidal_mutable_antichain_update_all(&m, ups, group, NULL));
      /* F == minimal times with positive count. */
      bool keep[36];
      for (size_t k = 0; k < n; k++) keep[k] = count[k] > 0;
      CHECK(antichain_is_minimal_of(&m.frontier, grid, keep, n));
      for (size_t k = 0; k < n; k++)
        CHECK_EQ_INT(tidal_mutable_antichain_count(&m, &grid[k]), count[k]);
      /* This step's changes == new F - old F. */
      tidal_change_batch_compact(&m.changes);
      for (size_t k = 0; k < n; k++) {
        bool in_new = false, in_old = false;
        for (size_t i = 0; i < m.frontier.len; i++)
          in_new |= tidal_time_eq(&m.frontier.elems[i], &grid[k], depth);
        for (size_t i = 0; i < prev.len; i++)
          in_old |= tidal_time_eq(&prev.elems[i], &grid[k], depth);
        CHECK_EQ_INT(tidal_change_batch_count(&m.changes, &grid[k]), (int)in_new - (int)in_old);
      }
      CHECK_OK(tidal_change_batch_drain_into(&m.changes, &acc, NULL));
      CHECK_OK(tidal_antichain_copy(&prev, &m.frontier, NULL));
    }
    tidal_change_batch_compact(&acc);
    CHECK_EQ_INT(acc.len, m.frontier.len);
    for (size_t i = 0; i < acc.len; i++) {
      CHECK_EQ_INT(acc.updates[i].diff, 1);
      CHECK(tidal_mutable_antichain_less_equal(&m, &acc.updates[i].time));
    }
    tidal_change_batch_reset(&acc);
    tidal_antichain_reset(&prev);
    tidal_mutable_antichain_reset(&m);
  }
}

/* ---- OOM injection ---------------------------------------------------------------------- */

static int oom_structures(void *ud, const tidal_allocator *alloc) {
  (void)ud;
  int rc = 0;
  tidal_change_batch b;
  tidal_progress_batch p;
  tidal_antichain a;
  tidal_summary_antichain sa;
  tidal_mutable_antichain m;
  tidal_change_batch_init(&b, 2, alloc);
  tidal_progress_batch_init(&p, 2, alloc);
  tidal_antichain_init(&a, 2, alloc);
  tidal_summary_antichain_init(&sa, 2, alloc);
  tidal_mutable_antichain_init(&m, 2, alloc);
  for (uint64_t i = 0; i < 60 && rc == 0; i++) {
    tidal_time t = tidal_time_product(i % 7, 6 - i % 7);
    tidal_summary s = tidal_summary_add(i % 2, i % 5);
    rc = tidal_change_batch_update(&b, &t, 1, NULL);
    if (!rc) rc = tidal_progress_batch_update(&p, tidal_location_source(1, 0), &t, 1, NULL);
    if (!rc) rc = tidal_antichain_insert(&a, &t, NULL, NULL);
    if (!rc) rc = tidal_summary_antichain_insert(&sa, &s, NULL, NULL);
    if (!rc) rc = tidal_mutable_antichain_update(&m, &t, (i % 3) ? 1 : -1, NULL);
  }
  tidal_change_batch_reset(&b);
  tidal_progress_batch_reset(&p);
  tidal_antichain_reset(&a);
  tidal_summary_antichain_reset(&sa);
  tidal_mutable_antichain_reset(&m);
  return rc;
}

TEST(oom_structures) { CHECK(tidal_test_oom_sweep(oom_structures, NULL) > 5); }

/* Compaction sorts in place with an introsort; feed it the patterns that break naive quicksorts
   (sorted, reversed, all equal, two interleaved runs, organ pipe, few distinct keys). */
TEST(change_batch_compaction_patterns) {
  uint64_t rng = 8;
  for (int pattern = 0; pattern < 6; pattern++) {
    for (size_t n = 1; n <= 5000; n = n * 3 + 1) {
      tidal_change_batch b;
      tidal_change_batch_init(&b, 1, NULL);
      size_t keys = 2 * n + 8; /* every k below is < keys */
      int64_t *ref = calloc(keys, sizeof *ref);
      for (size_t i = 0; i < n; i++) {
        uint64_t k;
        switch (pattern) {
        case 0: k = i; break;
        case 1: k = n - i; break;
        case 2: k = 7; break;
        case 3: k = i < n / 2 ? 2 * i : 2 * (i - n / 2) + 1; break;
        case 4: k = i < n / 2 ? i : n - i; break;
        default: k = tidal_test_rand(&rng) % 5; break;
        }
        int64_t d = (int64_t)(tidal_test_rand(&rng) % 3) + 1;
        tidal_time t = tidal_time_u64(k);
        CHECK_OK(tidal_change_batch_update(&b, &t, d, NULL));
        ref[k] += d;
      }
      tidal_change_batch_compact(&b);
      size_t nz = 0;
      for (size_t k = 0; k < keys; k++) nz += ref[k] != 0;
      if (b.len != nz) TEST_FAIL("pattern %d, n %zu: %zu entries, expected %zu", pattern, n, b.len, nz);
      for (size_t i = 0; i < b.len; i++) {
        if (i) CHECK(b.updates[i - 1].time.c[0] < b.updates[i].time.c[0]);
        CHECK_EQ_INT(b.updates[i].diff, ref[b.updates[i].time.c[0]]);
      }
      free(ref);
      tidal_change_batch_reset(&b);
    }
  }
}

/* The sort template's fallbacks (heapsort when the quicksort budget runs out) are rarely reached
   through batches; drive every path directly. */
typedef struct skey {
  uint64_t k;
  uint64_t tag;
} skey;
#define SKEY_LESS(a, b, d) ((void)(d), (a)->k < (b)->k)
TIDAL__DEFINE_SORT(sort_skeys, skey, SKEY_LESS)

TEST(sort_template_all_paths) {
  uint64_t rng = 9;
  for (int it = 0; it < 300; it++) {
    size_t n = tidal_test_rand(&rng) % 600;
    skey *v = malloc((n + 1) * sizeof *v);
    uint64_t range = 1 + tidal_test_rand(&rng) % 1000, sum = 0;
    for (size_t i = 0; i < n; i++) {
      v[i].k = tidal_test_rand(&rng) % range;
      v[i].tag = i;
      sum += v[i].k * 31 + 7;
    }
    switch (it % 3) {
    case 0: sort_skeys(v, n, 1); break;
    case 1: sort_skeys_heapsort(v, n, 1); break;
    default: sort_skeys_intro(v, n, 1, (int)(tidal_test_rand(&rng) % 3)); break; /* tiny budget */
    }
    for (size_t i = 0; i < n; i++) {
      if (i) CHECK(v[i - 1].k <= v[i].k);
      sum -= v[i].k * 31 + 7; /* a permutation keeps the multiset */
    }
    CHECK_EQ_U64(sum, 0);
    free(v);
  }
}
