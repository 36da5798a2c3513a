/*
** operator_run.c: the WASM runner: one guest export bound to an input schema and a mode, turning
** input batches into output batches through one lazily created instance (spec/wasm-abi.md,
** "A call" and "Meaning of the output").
**
** Invariants:
** - The declared schemas were checked against the input schema and the mode when the runner was
**   made; at run time only the bytes and row counts remain to check.
** - The input's slices are encoded straight into guest memory at the address tidal_alloc gave
**   (one gather of memcpys, no host-side encode buffer).
** - Guest output is untrusted: its range was checked by the host layer (inside memory, 8-aligned)
**   and its bytes are validated in the declared output schema before anything indexes them; it is
**   copied (or, for a filter, read) before the runner returns, so no pointer into guest memory
**   outlives a call.
** - After any failure r->inst is NULL (the instance was freed): the next run makes a fresh one.
*/
#include "wasm/operator_int.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- modes ---------------------------------------------------------------------------------- */

static const char *const mode_names[] = {"map", "filter", "flat_map", "update"};

const char *tidal_wasm_mode_name(tidal_wasm_mode m) {
  return (unsigned)m < 4 ? mode_names[m] : "unknown";
}

int tidal_wasm_mode_parse(const char *text, tidal_wasm_mode *mode, const char **field,
                          tidal_error *err) {
  if (field) *field = NULL;
  if (!text) return tidal_error_set(err, TIDAL_EINVAL, "no mode given");
  if (!strcmp(text, "map")) *mode = TIDAL_WASM_MAP;
  else if (!strcmp(text, "filter")) *mode = TIDAL_WASM_FILTER;
  else if (!strcmp(text, "flat_map") || !strcmp(text, "batch")) *mode = TIDAL_WASM_FLAT_MAP;
  else if (!strcmp(text, "update")) *mode = TIDAL_WASM_UPDATE;
  else if (!strncmp(text, "update:", 7) && text[7]) {
    *mode = TIDAL_WASM_UPDATE;
    if (field) *field = text + 7;
  } else {
    return tidal_error_set(err, TIDAL_EINVAL,
                           "unknown mode '%s' (expected map, filter, flat_map, batch or "
                           "update:FIELD)",
                           text);
  }
  return 0;
}

void tidal_wasm_op_config_init(tidal_wasm_op_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->mode = TIDAL_WASM_MAP;
}

/* ---- schema checks -------------------------------------------------------------------------- */

static bool is_int(tidal_kind k) {
  return (k >= TIDAL_KIND_U8 && k <= TIDAL_KIND_I64) || k == TIDAL_KIND_USIZE ||
         k == TIDAL_KIND_ISIZE || k == TIDAL_KIND_U128 || k == TIDAL_KIND_I128;
}

/* The same integer width with the other signedness (u64 <-> i64, usize <-> isize, ...). */
static bool other_sign(tidal_kind a, tidal_kind b) {
  if (!is_int(a) || !is_int(b) || a == b) return false;
  if (a >= TIDAL_KIND_U8 && a <= TIDAL_KIND_I64 && b >= TIDAL_KIND_U8 && b <= TIDAL_KIND_I64)
    return (a - TIDAL_KIND_U8) % 4 == (b - TIDAL_KIND_U8) % 4;
  return (a == TIDAL_KIND_USIZE && b == TIDAL_KIND_ISIZE) ||
         (a == TIDAL_KIND_ISIZE && b == TIDAL_KIND_USIZE) ||
         (a == TIDAL_KIND_U128 && b == TIDAL_KIND_I128) ||
         (a == TIDAL_KIND_I128 && b == TIDAL_KIND_U128);
}

static bool name_eq(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return !strcmp(a, b);
}

/* Structural equality of two type nodes (kinds, children, names, variant shapes). */
static bool type_equal(const tidal_type *a, const tidal_type *b) {
  tidal_kind k = tidal_type_kind(a);
  if (k != tidal_type_kind(b)) return false;
  size_t n = tidal_type_child_count(a);
  if (n != tidal_type_child_count(b)) return false;
  for (size_t i = 0; i < n; i++) {
    if (!name_eq(tidal_type_child_name(a, i), tidal_type_child_name(b, i))) return false;
    if (k == TIDAL_KIND_ENUM || k == TIDAL_KIND_UNIT_ENUM) {
      if (tidal_type_variant_shape(a, i) != tidal_type_variant_shape(b, i)) return false;
      size_t nf = tidal_type_variant_field_count(a, i);
      if (nf != tidal_type_variant_field_count(b, i)) return false;
      for (size_t j = 0; j < nf; j++)
        if (!name_eq(tidal_type_variant_field_name(a, i, j), tidal_type_variant_field_name(b, i, j)))
          return false;
    }
    if (!type_equal(tidal_type_child(a, i), tidal_type_child(b, i))) return false;
  }
  return true;
}

static const char *kind_text(tidal_kind k) {
  static const char *const names[] = {"u8",   "u16",   "u32",  "u64",  "i8",     "i16",
                                      "i32",  "i64",   "f32",  "f64",  "usize",  "isize",
                                      "char", "u128",  "i128", "bool", "()",     "string",
                                      "vec",  "option", "result", "tuple", "struct", "enum",
                                      "enum"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* Parse the guest's declared schema text (its own words: quoted in errors). */
static int parse_declared(tidal_wasm_runner *r, const char *text, const char *which,
                          tidal_schema **out, tidal_error *err) {
  tidal_error e2;
  int rc = tidal_schema_parse(text, strlen(text), r->alloc, out, &e2);
  if (rc < 0)
    return tidal_error_set(err, rc, "%s: the %s schema '%s' declared by the module does not "
                                    "parse: %s",
                           r->label, which, text, e2.msg);
  return 0;
}

/* Resolve cfg->update_field against the input root: sets r->field, r->field_first, r->field_n. */
static int resolve_field(tidal_wasm_runner *r, const char *field, tidal_error *err) {
  const tidal_type *root = tidal_schema_root(r->in_schema);
  tidal_kind k = tidal_type_kind(root);
  const char *in_text = tidal_schema_text(r->in_schema);
  if (!field || !*field)
    return tidal_error_set(err, TIDAL_EINVAL, "%s: mode update needs a field (update:NAME or "
                                              "update:POSITION)",
                           r->label);
  if (k != TIDAL_KIND_TUPLE && k != TIDAL_KIND_STRUCT)
    return tidal_error_set(err, TIDAL_EINVAL, "%s: mode update needs a tuple or struct stream, "
                                              "not %s",
                           r->label, in_text);
  size_t n = tidal_type_child_count(root), idx = n;
  char *end;
  unsigned long pos = strtoul(field, &end, 10);
  if (*end == '\0' && field[0] >= '0' && field[0] <= '9') {
    if (pos < n) idx = (size_t)pos;
  } else {
    for (size_t i = 0; i < n; i++) {
      const char *nm = tidal_type_child_name(root, i);
      if (nm && !strcmp(nm, field)) idx = i;
    }
  }
  if (idx == n)
    return tidal_error_set(err, TIDAL_EINVAL, "%s: the stream %s has no field '%s' to update",
                           r->label, in_text, field);
  const tidal_type *ft = tidal_type_child(root, idx);
  r->field = idx;
  r->field_first = tidal_type_first_slice(ft);
  r->field_n = tidal_type_slice_count(ft);
  return 0;
}

/* Check the declared schemas against the stream and the mode; sets r->out_schema and friends. */
static int check_schemas(tidal_wasm_runner *r, const tidal_wasm_operator *op, const char *field,
                         tidal_error *err) {
  const char *in_text = tidal_schema_text(r->in_schema);
  TIDAL_RETURN_IF_ERROR(parse_declared(r, op->input_schema, "input", &r->guest_in, err));
  TIDAL_RETURN_IF_ERROR(parse_declared(r, op->output_schema, "output", &r->guest_out, err));
  if (!tidal_schema_equal(r->guest_in, r->in_schema))
    return tidal_error_set(err, TIDAL_EMISMATCH,
                           "%s: schema mismatch: the stream carries %s but export '%s' declares "
                           "input %s (%s: %s -> %s)",
                           r->label, in_text, op->name, tidal_schema_text(r->guest_in), op->name,
                           op->input_schema, op->output_schema);
  const tidal_type *out_root = tidal_schema_root(r->guest_out);
  switch (r->mode) {
  case TIDAL_WASM_MAP:
  case TIDAL_WASM_FLAT_MAP:
    r->out_schema = tidal_schema_ref(r->guest_out);
    return 0;
  case TIDAL_WASM_FILTER:
    if (tidal_type_kind(out_root) != TIDAL_KIND_BOOL)
      return tidal_error_set(err, TIDAL_EMISMATCH,
                             "%s: schema mismatch: mode filter needs output bool but export '%s' "
                             "declares %s -> %s",
                             r->label, op->name, op->input_schema, op->output_schema);
    r->out_schema = tidal_schema_ref(r->in_schema);
    return 0;
  case TIDAL_WASM_UPDATE: {
    TIDAL_RETURN_IF_ERROR(resolve_field(r, field, err));
    const tidal_type *root = tidal_schema_root(r->in_schema);
    const tidal_type *ft = tidal_type_child(root, r->field);
    const char *fname = tidal_type_child_name(root, r->field);
    char fdesc[128];
    if (fname) snprintf(fdesc, sizeof fdesc, "field '%s'", fname);
    else snprintf(fdesc, sizeof fdesc, "field %zu", r->field);
    bool ok = type_equal(ft, out_root) ||
              (tidal_type_child_count(ft) == 0 &&
               other_sign(tidal_type_kind(ft), tidal_type_kind(out_root)));
    if (!ok)
      return tidal_error_set(err, TIDAL_EMISMATCH,
                             "%s: schema mismatch: export '%s' outputs %s but %s of the stream %s "
                             "has another type (%s)",
                             r->label, op->name, tidal_schema_text(r->guest_out), fdesc, in_text,
                             kind_text(tidal_type_kind(ft)));
    r->out_schema = tidal_schema_ref(r->in_schema);
    return 0;
  }
  }
  return tidal_error_set(err, TIDAL_EINVAL, "%s: unknown mode %d", r->label, (int)r->mode);
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static char *dupstr(const tidal_allocator *a, const char *s, size_t n) {
  char *p = tidal__alloc(a, n + 1);
  if (p) {
    if (n) memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

void tidal_wasm_runner_free(tidal_wasm_runner *r) {
  if (!r) return;
  const tidal_allocator *a = r->alloc;
  tidal_wasm_instance_free(r->inst);
  tidal_builder_free(r->builder);
  tidal__out_pool_close(r->pool);
  tidal_schema_unref(r->guest_in);
  tidal_schema_unref(r->guest_out);
  tidal_schema_unref(r->out_schema);
  tidal_schema_unref(r->in_schema);
  tidal__free(a, r->keep, r->keep_cap * sizeof(uint32_t));
  if (r->init) tidal__free(a, r->init, r->init_len + 1);
  if (r->label) tidal__free(a, r->label, strlen(r->label) + 1);
  tidal__free(a, r, sizeof *r);
}

int tidal_wasm_runner_new(tidal_wasm_module *module, const char *export_name,
                          const tidal_schema *in_schema, const tidal_wasm_op_config *cfg,
                          const char *name, const tidal_allocator *alloc, tidal_wasm_runner **out,
                          tidal_error *err) {
  *out = NULL;
  if (!module || !export_name || !in_schema || !cfg)
    return tidal_error_set(err, TIDAL_EINVAL, "wasm runner: NULL module, export, schema or config");
  if ((unsigned)cfg->mode > TIDAL_WASM_UPDATE)
    return tidal_error_set(err, TIDAL_EINVAL, "wasm runner: unknown mode %d", (int)cfg->mode);
  alloc = tidal__allocator_or_default(alloc);
  tidal_wasm_runner *r = tidal__calloc(alloc, sizeof *r);
  if (!r) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  r->alloc = alloc;
  r->module = module;
  r->mode = cfg->mode;
  r->deadline_ms = cfg->deadline_ms;
  r->in_schema = tidal_schema_ref((tidal_schema *)in_schema);
  const tidal_wasm_module_info *info = tidal_wasm_module_inspect(module);
  int rc;
  /* The label every message starts with: operator, module, export. */
  char label[512];
  snprintf(label, sizeof label, "wasm operator '%s%s' (module '%s', export '%s', mode %s)",
           name ? "" : "wasm:", name ? name : export_name, info->name, export_name,
           tidal_wasm_mode_name(cfg->mode));
  r->label = dupstr(alloc, label, strlen(label));
  size_t init_len = cfg->init ? (cfg->init_len == SIZE_MAX ? strlen(cfg->init) : cfg->init_len) : 0;
  r->init_len = init_len;
  r->init = dupstr(alloc, cfg->init ? cfg->init : "", init_len);
  if (!r->label || !r->init) {
    rc = tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
    goto fail;
  }
  tidal_error e2;
  rc = tidal_wasm_module_find_operator(module, export_name, &r->op, &e2);
  if (rc < 0) {
    rc = tidal_error_set(err, rc, "%s: %s", r->label, e2.msg);
    goto fail;
  }
  rc = check_schemas(r, &info->operators[r->op], cfg->update_field, err);
  if (rc < 0) goto fail;
  if (r->mode == TIDAL_WASM_MAP || r->mode == TIDAL_WASM_FLAT_MAP) {
    rc = tidal__out_pool_new(alloc, &r->pool);
    if (rc < 0) {
      rc = tidal_error_set(err, rc, "out of memory");
      goto fail;
    }
  }
  if (r->mode == TIDAL_WASM_FILTER) {
    rc = tidal_builder_new(r->in_schema, alloc, &r->builder);
    if (rc < 0) {
      rc = tidal_error_set(err, rc, "out of memory");
      goto fail;
    }
  }
  *out = r;
  return 0;
fail:
  tidal_wasm_runner_free(r);
  return rc;
}

const tidal_schema *tidal_wasm_runner_output_schema(const tidal_wasm_runner *r) {
  return r->out_schema;
}

void tidal_wasm_runner_get_stats(const tidal_wasm_runner *r, tidal_wasm_runner_stats *stats) {
  *stats = r->stats;
}

/* ---- failures ------------------------------------------------------------------------------- */

/* The host layer's messages start with "module 'NAME': "; the label already names the module. */
static const char *strip_module(const tidal_wasm_runner *r, const char *msg) {
  const char *mname = tidal_wasm_module_inspect(r->module)->name;
  size_t n = strlen(mname);
  if (!strncmp(msg, "module '", 8) && !strncmp(msg + 8, mname, n) && !strncmp(msg + 8 + n, "': ", 3))
    return msg + 8 + n + 3;
  return msg;
}

/* Discard the instance and report `inner` (or the code's text) with the label and time. */
static int fail_call(tidal_wasm_runner *r, uint64_t time, int rc, const tidal_error *inner,
                     tidal_error *err) {
  tidal_wasm_instance_free(r->inst);
  r->inst = NULL;
  r->stats.errors++;
  const char *why = inner && inner->msg[0] ? strip_module(r, inner->msg) : tidal_strerror(rc);
  return tidal_error_set(err, rc, "%s at time %llu: %s", r->label, (unsigned long long)time, why);
}

/* ---- a call --------------------------------------------------------------------------------- */

static int ensure_instance(tidal_wasm_runner *r, tidal_error *e) {
  if (r->inst) return 0;
  TIDAL_RETURN_IF_ERROR(tidal_wasm_instance_new(r->module, r->init, r->init_len, &r->inst, e));
  if (r->deadline_ms) tidal_wasm_instance_set_deadline(r->inst, r->deadline_ms);
  r->stats.instances++;
  return 0;
}

/* Steps 1-3 of "A call" up to the checked result range. `write(ud, dst, len)` fills the input. */
typedef int (*write_fn)(const void *ud, uint8_t *dst, size_t len);

static int call_guest(tidal_wasm_runner *r, size_t len, write_fn write, const void *ud,
                      const uint8_t **data, uint32_t *out_len, tidal_error *e) {
  if (len > UINT32_MAX)
    return tidal_error_set(e, TIDAL_ERANGE, "the input encoding has %zu bytes, more than a wasm32 "
                                            "guest can address",
                           len);
  TIDAL_RETURN_IF_ERROR(ensure_instance(r, e));
  uint32_t addr, oaddr = 0, olen = 0;
  TIDAL_RETURN_IF_ERROR(tidal_wasm_instance_alloc(r->inst, (uint32_t)len, &addr, e));
  uint8_t *base;
  size_t size;
  tidal_wasm_instance_memory(r->inst, &base, &size);
  /* tidal_wasm_instance_alloc checked [addr, addr+len) against the memory. */
  TIDAL_RETURN_IF_ERROR(write(ud, base + addr, len));
  TIDAL_RETURN_IF_ERROR(tidal_wasm_instance_call(r->inst, r->op, addr, (uint32_t)len, &oaddr,
                                                 &olen, e));
  TIDAL_RETURN_IF_ERROR(tidal_wasm_instance_range(r->inst, oaddr, olen, "result", data, e));
  *out_len = olen;
  r->stats.bytes_in += len;
  r->stats.bytes_out += olen;
  return 0;
}

static int write_batch(const void *ud, uint8_t *dst, size_t len) {
  return tidal_batch_encode_into((const tidal_batch *)ud, dst, &len);
}

typedef struct raw_in {
  const void *p;
  size_t n;
} raw_in;

static int write_raw(const void *ud, uint8_t *dst, size_t len) {
  const raw_in *in = ud;
  (void)len;
  if (in->n) memcpy(dst, in->p, in->n);
  return 0;
}

static int rows_error(const tidal_wasm_runner *r, size_t got, size_t want, tidal_error *e) {
  return tidal_error_set(e, TIDAL_EGUEST,
                         "the output has %zu rows but the input had %zu (mode %s requires the "
                         "same number of rows)",
                         got, want, tidal_wasm_mode_name(r->mode));
}

/* Filter: the kept rows of `in`, from the validated bool column in guest memory. */
static int filter_output(tidal_wasm_runner *r, tidal_batch *in, const tidal_batch_view *bits,
                         tidal_batch **out, tidal_error *e) {
  size_t rows = tidal_batch_rows(in);
  if (rows > UINT32_MAX)
    return tidal_error_set(e, TIDAL_ERANGE, "a filter batch may have at most 2^32-1 rows");
  if (r->keep_cap < rows) {
    uint32_t *k = tidal__realloc(r->alloc, r->keep, r->keep_cap * sizeof(uint32_t),
                                 rows * sizeof(uint32_t));
    if (!k) return tidal_error_set(e, TIDAL_ENOMEM, "out of memory");
    r->keep = k;
    r->keep_cap = rows;
  }
  const uint64_t *words = bits->slices[0].data;
  const uint64_t *tail = bits->slices[1].data; /* [partial word, bits in it] */
  size_t nwords = bits->slices[0].len, n = 0;
  for (size_t w = 0; w <= nwords; w++) {
    uint64_t word = w < nwords ? words[w] : tail[0];
    size_t limit = w < nwords ? 64 : (size_t)tail[1];
    if (limit < 64) word &= ((uint64_t)1 << limit) - 1;
    while (word) {
      r->keep[n++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(word));
      word &= word - 1;
    }
  }
  if (n == rows) {
    *out = tidal_batch_ref(in);
    return 0;
  }
  if (n == 0) return 0;
  int rc = tidal_builder_push_rows(r->builder, tidal_batch_view_of(in), r->keep, n);
  if (rc == 0) rc = tidal_batch_from_builder(r->builder, out);
  if (rc < 0) {
    tidal_builder_clear(r->builder);
    return tidal_error_set(e, rc, "building the filtered batch: %s", tidal_strerror(rc));
  }
  return 0;
}

static void release_bytes(void *ud, void *bytes, size_t len) {
  tidal__free((const tidal_allocator *)ud, bytes, len);
}

/* Column update: the input's slices with the field's replaced by the guest's (validated). */
static int update_output(tidal_wasm_runner *r, tidal_batch *in, const tidal_batch_view *col,
                         tidal_batch **out, tidal_error *e) {
  const tidal_batch_view *v = tidal_batch_view_of(in);
  size_t n = v->nslices, len = 8 * (n + 1);
  for (size_t k = 0; k < n; k++) {
    const tidal_slice *s = k >= r->field_first && k < r->field_first + r->field_n
                               ? &col->slices[k - r->field_first]
                               : &v->slices[k];
    len += tidal__round8(s->len * tidal_schema_slice(r->in_schema, k)->elem_size);
  }
  uint8_t *buf = tidal__alloc(r->alloc, len);
  if (!buf) return tidal_error_set(e, TIDAL_ENOMEM, "out of memory");
  uint64_t pos = 8 * (n + 1);
  memcpy(buf, &pos, 8);
  for (size_t k = 0; k < n; k++) {
    const tidal_slice *s = k >= r->field_first && k < r->field_first + r->field_n
                               ? &col->slices[k - r->field_first]
                               : &v->slices[k];
    size_t nb = s->len * tidal_schema_slice(r->in_schema, k)->elem_size;
    if (nb) memcpy(buf + pos, s->data, nb);
    uint64_t end = pos + nb;
    memcpy(buf + 8 * (k + 1), &end, 8);
    size_t padded = tidal__round8(nb);
    if (padded > nb) memset(buf + end, 0, padded - nb);
    pos += padded;
  }
  /* The parts were valid on their own; from_bytes validates the whole once more (cheap next to
     the call) rather than trusting this function's arithmetic. It owns buf on every path. */
  tidal_error e2;
  int rc = tidal_batch_from_bytes(r->in_schema, buf, len, release_bytes, (void *)r->alloc,
                                  r->alloc, out, &e2);
  if (rc < 0) return tidal_error_set(e, rc, "assembling the updated batch: %s", e2.msg);
  return 0;
}

/* Map / flat_map: the guest's output copied into a pooled buffer, validated, wrapped. */
static int copy_out(tidal_wasm_runner *r, const uint8_t *data, uint32_t olen, tidal_batch **out,
                    tidal_error *ev) {
  uint8_t *buf = NULL;
  if (olen) {
    buf = tidal__out_pool_get(r->pool, olen);
    if (!buf) return tidal_error_set(ev, TIDAL_ENOMEM, "out of memory copying %u bytes", olen);
    memcpy(buf, data, olen);
  }
  /* tidal_batch_from_bytes owns buf on every path (releases it to the pool on failure). */
  return tidal_batch_from_bytes(r->guest_out, buf, olen, buf ? tidal__out_pool_put : NULL,
                                r->pool, r->alloc, out, ev);
}

int tidal_wasm_runner_run(tidal_wasm_runner *r, uint64_t time, tidal_batch *in, tidal_batch **out,
                          tidal_error *err) {
  *out = NULL;
  tidal_error e;
  e.msg[0] = '\0';
  int rc;
  const tidal_schema *bs = tidal_batch_schema(in);
  if (bs != r->in_schema && !tidal_schema_equal(bs, r->in_schema)) {
    rc = tidal_error_set(&e, TIDAL_EMISMATCH, "batch of schema %s given to an operator of %s",
                         tidal_schema_text(bs), tidal_schema_text(r->in_schema));
    return fail_call(r, time, rc, &e, err);
  }
  size_t rows = tidal_batch_rows(in);
  const uint8_t *data;
  uint32_t olen = 0; /* set by call_guest on success; gcc -O3 cannot see that */
  rc = call_guest(r, tidal_batch_encoded_len(in), write_batch, in, &data, &olen, &e);
  if (rc < 0) return fail_call(r, time, rc, &e, err);
  tidal_batch_view view;
  tidal_error ev;
  switch (r->mode) {
  case TIDAL_WASM_MAP:
  case TIDAL_WASM_FLAT_MAP:
    /* One copy out of guest memory into a reused buffer of the pool, validated there (host
       memory: the guest cannot change it). The batch owns the buffer and gives it back. */
    rc = copy_out(r, data, olen, out, &ev);
    if (rc < 0) {
      rc = tidal_error_set(&e, rc, "the output is not a valid encoding of %s: %s",
                           tidal_schema_text(r->guest_out), ev.msg);
      break;
    }
    if (r->mode == TIDAL_WASM_MAP && tidal_batch_rows(*out) != rows)
      rc = rows_error(r, tidal_batch_rows(*out), rows, &e);
    break;
  case TIDAL_WASM_FILTER:
  case TIDAL_WASM_UPDATE:
    /* Viewed in place: validated, read, and dropped before the next call into the instance. */
    rc = tidal_view_init(&view, r->guest_out, data, olen, r->alloc, &ev);
    if (rc < 0) {
      rc = tidal_error_set(&e, rc, "the output is not a valid encoding of %s: %s",
                           tidal_schema_text(r->guest_out), ev.msg);
      break;
    }
    if (view.rows != rows) rc = rows_error(r, view.rows, rows, &e);
    else if (r->mode == TIDAL_WASM_FILTER) rc = filter_output(r, in, &view, out, &e);
    else rc = update_output(r, in, &view, out, &e);
    tidal_view_reset(&view);
    break;
  }
  if (rc < 0) {
    tidal_batch_unref(*out);
    *out = NULL;
    return fail_call(r, time, rc, &e, err);
  }
  if (*out && tidal_batch_rows(*out) == 0) {
    tidal_batch_unref(*out);
    *out = NULL;
  }
  r->stats.calls++;
  r->stats.rows_in += rows;
  r->stats.rows_out += *out ? tidal_batch_rows(*out) : 0;
  return 0;
}

int tidal_wasm_runner_call_bytes(tidal_wasm_runner *r, const void *bytes, size_t len,
                                 uint8_t **out_bytes, size_t *out_len, tidal_error *err) {
  *out_bytes = NULL;
  *out_len = 0;
  tidal_error e;
  e.msg[0] = '\0';
  raw_in in = {bytes, len};
  const uint8_t *data;
  uint32_t olen = 0; /* as above */
  int rc = call_guest(r, len, write_raw, &in, &data, &olen, &e);
  if (rc < 0) return fail_call(r, 0, rc, &e, err);
  uint8_t *copy = tidal__alloc(r->alloc, olen ? olen : 1);
  if (!copy) return fail_call(r, 0, tidal_error_set(&e, TIDAL_ENOMEM, "out of memory"), &e, err);
  if (olen) memcpy(copy, data, olen);
  *out_bytes = copy;
  *out_len = olen;
  r->stats.calls++;
  return 0;
}

void tidal_wasm_runner_free_bytes(tidal_wasm_runner *r, uint8_t *bytes, size_t len) {
  if (bytes) tidal__free(r->alloc, bytes, len ? len : 1);
}
