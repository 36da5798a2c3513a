/*
** columnar_gen.h: random schemas and rows for the columnar property, corruption tests (and the
** fuzz corpus), plus a type-directed canonical form of JSON rows. Header-only test support
** (static functions), shared by tests/columnar_prop_test.c and tests/columnar_corrupt_test.c.
**
** - gen_schema() writes random schema text over every kind (nesting depth <= 4, enums mixing
**   unit, tuple and named variants).
** - gen_row() walks the *parsed* schema's type tree and, for one random row, writes its JSON (the
**   spec's serde convention: struct keys in random order, strings with random escapes) and, if a
**   builder is given, pushes the same row through the cursor API.
** - canon() reads a JSON row under a schema and writes a canonical text: integers by value, floats
**   by their exact bits at the schema's width, strings by their decoded bytes, struct fields in
**   declaration order. Two JSON texts denote the same row iff their canonical texts are equal.
**
** Invariant: generated rows are representable losslessly in JSON: an option's payload is never
** itself null-like (no option<option<T>> or option<unit>, where serde's JSON is ambiguous), and
** non-finite floats use tidal's spelling ("NaN", "inf", "-inf" as JSON strings).
*/
#ifndef TIDAL_TESTS_COLUMNAR_GEN_H
#define TIDAL_TESTS_COLUMNAR_GEN_H

#include "harness/test.h"
#include "tidal/columnar.h"

#include <math.h>
#include <stdarg.h>

/* ---- a tiny growable string ------------------------------------------------------------------ */

typedef struct {
  char *p;
  size_t len, cap;
} gstr;

static void gs_reserve(gstr *s, size_t n) {
  if (s->len + n + 1 <= s->cap) return;
  size_t cap = s->cap ? s->cap : 64;
  while (cap < s->len + n + 1) cap *= 2;
  s->p = realloc(s->p, cap);
  if (!s->p) abort();
  s->cap = cap;
}
static void gs_put(gstr *s, const void *p, size_t n) {
  gs_reserve(s, n);
  memcpy(s->p + s->len, p, n);
  s->len += n;
  s->p[s->len] = 0;
}
static void gs_puts(gstr *s, const char *z) { gs_put(s, z, strlen(z)); }
__attribute__((format(printf, 2, 3))) static void gs_printf(gstr *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  gs_reserve(s, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  s->len += (size_t)n;
}
static void gs_clear(gstr *s) {
  s->len = 0;
  if (s->p) s->p[0] = 0;
}
static void gs_free(gstr *s) {
  free(s->p);
  memset(s, 0, sizeof *s);
}

static uint64_t grand(uint64_t *rng, uint64_t n) { return n ? tidal_test_rand(rng) % n : 0; }

/* ---- schemas --------------------------------------------------------------------------------- */

static const char *const gen_prims[] = {"u8",  "u16",   "u32",   "u64",  "i8",   "i16",
                                        "i32", "i64",   "f32",   "f64",  "usize", "isize",
                                        "char", "u128", "i128", "bool", "unit", "string"};
#define GEN_NPRIMS (sizeof gen_prims / sizeof gen_prims[0])

static void gen_type(uint64_t *rng, int depth, bool in_option, gstr *out);

static void gen_name(uint64_t *rng, char prefix, size_t i, gstr *out) {
  /* Names are unique by index; some get longer tails (and underscores) for variety. */
  if (grand(rng, 4) == 0) gs_printf(out, "%c%zu_x%u", prefix, i, (unsigned)grand(rng, 100));
  else gs_printf(out, "%c%zu", prefix, i);
}

static void gen_fields(uint64_t *rng, int depth, size_t n, bool named, gstr *out) {
  for (size_t i = 0; i < n; i++) {
    if (i) gs_puts(out, ", ");
    if (named) {
      gen_name(rng, 'f', i, out);
      gs_puts(out, ": ");
    }
    gen_type(rng, depth - 1, false, out);
  }
}

/* Random type text of nesting depth at most `depth` (0: a primitive). */
static void gen_type(uint64_t *rng, int depth, bool in_option, gstr *out) {
  int choice = depth <= 0 ? 0 : (int)grand(rng, 16);
  if (choice < 7) { /* a primitive, about half the time even when nesting is allowed */
    const char *p;
    do p = gen_prims[grand(rng, GEN_NPRIMS)];
    while (in_option && !strcmp(p, "unit"));
    gs_puts(out, p);
    return;
  }
  switch (choice) {
    case 7: gs_puts(out, "vec<"); gen_type(rng, depth - 1, false, out); gs_puts(out, ">"); return;
    case 8:
      if (in_option) { gs_puts(out, "string"); return; }
      gs_puts(out, "option<"); gen_type(rng, depth - 1, true, out); gs_puts(out, ">"); return;
    case 9:
      gs_puts(out, "result<"); gen_type(rng, depth - 1, false, out); gs_puts(out, ", ");
      gen_type(rng, depth - 1, false, out); gs_puts(out, ">"); return;
    case 10:
      gs_puts(out, "("); gen_fields(rng, depth, 2 + grand(rng, 3), false, out); gs_puts(out, ")");
      return;
    case 11: case 12:
      gs_puts(out, "{"); gen_fields(rng, depth, 1 + grand(rng, 4), true, out); gs_puts(out, "}");
      return;
    case 13: { /* all-unit enum */
      size_t n = 1 + grand(rng, 5);
      gs_puts(out, "enum{");
      for (size_t i = 0; i < n; i++) {
        if (i) gs_puts(out, ", ");
        gen_name(rng, 'V', i, out);
      }
      gs_puts(out, "}");
      return;
    }
    default: { /* enum with data: unit, tuple and named variants mixed, at least one with data */
      size_t n = 1 + grand(rng, 5), data_at = grand(rng, n);
      gs_puts(out, "enum{");
      for (size_t i = 0; i < n; i++) {
        if (i) gs_puts(out, ", ");
        gen_name(rng, 'V', i, out);
        int shape = (int)grand(rng, 3);
        if (i == data_at && shape == 0) shape = 1;
        if (shape == 1) {
          gs_puts(out, "("); gen_fields(rng, depth, 1 + grand(rng, 3), false, out); gs_puts(out, ")");
        } else if (shape == 2) {
          gs_puts(out, "{"); gen_fields(rng, depth, 1 + grand(rng, 3), true, out); gs_puts(out, "}");
        }
      }
      gs_puts(out, "}");
      return;
    }
  }
}

static void gen_schema(uint64_t *rng, gstr *out) {
  gs_clear(out);
  gen_type(rng, (int)grand(rng, 5), false, out);
}

/* ---- rows ------------------------------------------------------------------------------------ */

/* Push status: the first failing builder call is remembered with where it happened. */
typedef struct {
  tidal_builder *b; /* NULL: JSON only */
  int rc;
  const char *what;
} gen_ctx;

#define GPUSH(ctx, call)                                 \
  do {                                                   \
    if ((ctx)->b && (ctx)->rc == 0) {                    \
      int gpush_rc_ = (call);                            \
      if (gpush_rc_ < 0) {                               \
        (ctx)->rc = gpush_rc_;                           \
        (ctx)->what = #call;                             \
      }                                                  \
    }                                                    \
  } while (0)

static uint64_t gen_uint(uint64_t *rng, unsigned bits) {
  uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
  switch (grand(rng, 6)) {
    case 0: return 0;
    case 1: return mask;
    case 2: return grand(rng, 10);
    default: return tidal_test_rand(rng) & mask;
  }
}

static int64_t gen_int(uint64_t *rng, unsigned bits) {
  int64_t min = bits == 64 ? INT64_MIN : -(1ll << (bits - 1)), max = bits == 64 ? INT64_MAX : (1ll << (bits - 1)) - 1;
  switch (grand(rng, 7)) {
    case 0: return 0;
    case 1: return min;
    case 2: return max;
    case 3: return -(int64_t)grand(rng, 10);
    default: {
      uint64_t u = tidal_test_rand(rng);
      if (bits == 64) return (int64_t)u;
      int64_t v = (int64_t)(u & ((1ull << bits) - 1));
      return v > max ? v - (1ll << bits) : v;
    }
  }
}

static void put_u128(gstr *out, unsigned __int128 v) {
  char tmp[48];
  size_t i = sizeof tmp;
  tmp[--i] = 0;
  do {
    tmp[--i] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  gs_puts(out, tmp + i);
}

/* Append a Unicode scalar as UTF-8 to buf; returns the number of bytes. */
static size_t utf8_put(uint32_t c, char *buf) {
  if (c < 0x80) { buf[0] = (char)c; return 1; }
  if (c < 0x800) { buf[0] = (char)(0xc0 | c >> 6); buf[1] = (char)(0x80 | (c & 63)); return 2; }
  if (c < 0x10000) {
    buf[0] = (char)(0xe0 | c >> 12); buf[1] = (char)(0x80 | (c >> 6 & 63));
    buf[2] = (char)(0x80 | (c & 63)); return 3;
  }
  buf[0] = (char)(0xf0 | c >> 18); buf[1] = (char)(0x80 | (c >> 12 & 63));
  buf[2] = (char)(0x80 | (c >> 6 & 63)); buf[3] = (char)(0x80 | (c & 63)); return 4;
}

static uint32_t gen_scalar(uint64_t *rng) {
  switch (grand(rng, 6)) {
    case 0: return (uint32_t)grand(rng, 0x20);            /* control, NUL included */
    case 1: case 2: return 0x20 + (uint32_t)grand(rng, 0x5f); /* printable ASCII */
    case 3: return 0x80 + (uint32_t)grand(rng, 0x780);    /* 2 bytes */
    case 4: { uint32_t c; do c = 0x800 + (uint32_t)grand(rng, 0xf800); while (c >= 0xd800 && c < 0xe000); return c; }
    default: return 0x10000 + (uint32_t)grand(rng, 0x100000); /* astral */
  }
}

/* A scalar as JSON string content: raw UTF-8 or an escape, at random (but always valid JSON). */
static void json_scalar(uint64_t *rng, uint32_t c, gstr *out) {
  char buf[8];
  if (c == '"' || c == '\\') { gs_printf(out, "\\%c", (char)c); return; }
  if (c == '\n' && grand(rng, 2)) { gs_puts(out, "\\n"); return; }
  if (c == '/' && grand(rng, 2)) { gs_puts(out, "\\/"); return; }
  if (c < 0x20 || grand(rng, 5) == 0) {
    if (c >= 0x10000) {
      uint32_t v = c - 0x10000;
      gs_printf(out, "\\u%04x\\u%04X", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    } else {
      gs_printf(out, grand(rng, 2) ? "\\u%04x" : "\\u%04X", c);
    }
    return;
  }
  gs_put(out, buf, utf8_put(c, buf));
}

static void gen_value(uint64_t *rng, const tidal_type *t, int depth, gen_ctx *cx, gstr *out);

static void gen_struct_fields(uint64_t *rng, const tidal_type *t, int depth, gen_ctx *cx,
                              gstr *out) {
  /* The cursor takes fields in declaration order; the JSON writes them in a random order (serde
     accepts any), so fields are generated in order into separate strings first. */
  size_t n = tidal_type_child_count(t);
  gstr parts[16];
  size_t order[16];
  for (size_t i = 0; i < n; i++) {
    memset(&parts[i], 0, sizeof parts[i]);
    gen_value(rng, tidal_type_child(t, i), depth + 1, cx, &parts[i]);
    order[i] = i;
  }
  for (size_t i = n; i > 1; i--) {
    size_t j = grand(rng, i), tmp = order[i - 1];
    order[i - 1] = order[j];
    order[j] = tmp;
  }
  gs_puts(out, "{");
  for (size_t k = 0; k < n; k++) {
    size_t i = order[k];
    gs_printf(out, "%s\"%s\":%s", k ? "," : "", tidal_type_child_name(t, i), parts[i].p);
    gs_free(&parts[i]);
  }
  gs_puts(out, "}");
}

static void gen_value(uint64_t *rng, const tidal_type *t, int depth, gen_ctx *cx, gstr *out) {
  switch (tidal_type_kind(t)) {
    case TIDAL_KIND_U8: case TIDAL_KIND_U16: case TIDAL_KIND_U32: case TIDAL_KIND_U64:
    case TIDAL_KIND_USIZE: {
      static const unsigned bits[] = {8, 16, 32, 64};
      tidal_kind k = tidal_type_kind(t);
      uint64_t v = gen_uint(rng, k == TIDAL_KIND_USIZE ? 64 : bits[k - TIDAL_KIND_U8]);
      gs_printf(out, "%" PRIu64, v);
      GPUSH(cx, tidal_builder_push_u64(cx->b, v));
      return;
    }
    case TIDAL_KIND_I8: case TIDAL_KIND_I16: case TIDAL_KIND_I32: case TIDAL_KIND_I64:
    case TIDAL_KIND_ISIZE: {
      static const unsigned bits[] = {8, 16, 32, 64};
      tidal_kind k = tidal_type_kind(t);
      int64_t v = gen_int(rng, k == TIDAL_KIND_ISIZE ? 64 : bits[k - TIDAL_KIND_I8]);
      gs_printf(out, "%" PRId64, v);
      GPUSH(cx, tidal_builder_push_i64(cx->b, v));
      return;
    }
    case TIDAL_KIND_F32: {
      static const float special[] = {0.0f, -0.0f, 1.5f, 1e-45f, 3.4028235e38f, -1.0f, 0.1f, 16777217.0f};
      float f;
      if (grand(rng, 40) == 0) {
        static const char *const spell[] = {"\"NaN\"", "\"inf\"", "\"-inf\""};
        static const float val[] = {NAN, INFINITY, -INFINITY};
        size_t i = grand(rng, 3);
        gs_puts(out, spell[i]);
        GPUSH(cx, tidal_builder_push_f64(cx->b, (double)val[i]));
        return;
      }
      if (grand(rng, 3) == 0) f = special[grand(rng, 8)];
      else {
        uint32_t bits;
        do bits = (uint32_t)tidal_test_rand(rng);
        while ((bits & 0x7f800000u) == 0x7f800000u);
        memcpy(&f, &bits, 4);
      }
      gs_printf(out, "%.9g", (double)f);
      GPUSH(cx, tidal_builder_push_f64(cx->b, (double)f));
      return;
    }
    case TIDAL_KIND_F64: {
      static const double special[] = {0.0, -0.0, 1.5, 5e-324, 1.7976931348623157e308, -1.0, 0.1, 1e21};
      double d;
      if (grand(rng, 40) == 0) {
        static const char *const spell[] = {"\"NaN\"", "\"inf\"", "\"-inf\""};
        static const double val[] = {NAN, INFINITY, -INFINITY};
        size_t i = grand(rng, 3);
        gs_puts(out, spell[i]);
        GPUSH(cx, tidal_builder_push_f64(cx->b, val[i]));
        return;
      }
      if (grand(rng, 3) == 0) d = special[grand(rng, 8)];
      else {
        uint64_t bits;
        do bits = tidal_test_rand(rng);
        while ((bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
        memcpy(&d, &bits, 8);
      }
      gs_printf(out, "%.17g", d);
      GPUSH(cx, tidal_builder_push_f64(cx->b, d));
      return;
    }
    case TIDAL_KIND_CHAR: {
      uint32_t c = gen_scalar(rng);
      gs_puts(out, "\"");
      json_scalar(rng, c, out);
      gs_puts(out, "\"");
      GPUSH(cx, tidal_builder_push_char(cx->b, c));
      return;
    }
    case TIDAL_KIND_U128: case TIDAL_KIND_I128: {
      uint64_t lo = gen_uint(rng, 64), hi = grand(rng, 3) ? gen_uint(rng, 64) : 0;
      unsigned __int128 u = (unsigned __int128)hi << 64 | lo;
      if (tidal_type_kind(t) == TIDAL_KIND_I128 && (hi >> 63)) {
        gs_puts(out, "-");
        put_u128(out, -u);
      } else {
        put_u128(out, u);
      }
      GPUSH(cx, tidal_builder_push_u128(cx->b, lo, hi));
      return;
    }
    case TIDAL_KIND_BOOL: {
      bool v = grand(rng, 2);
      gs_puts(out, v ? "true" : "false");
      GPUSH(cx, tidal_builder_push_bool(cx->b, v));
      return;
    }
    case TIDAL_KIND_UNIT:
      gs_puts(out, "null");
      GPUSH(cx, tidal_builder_push_unit(cx->b));
      return;
    case TIDAL_KIND_STRING: {
      size_t n = grand(rng, 4) == 0 ? 0 : grand(rng, 12);
      char raw[12 * 4];
      size_t rn = 0;
      gs_puts(out, "\"");
      for (size_t i = 0; i < n; i++) {
        uint32_t c = gen_scalar(rng);
        json_scalar(rng, c, out);
        rn += utf8_put(c, raw + rn);
      }
      gs_puts(out, "\"");
      GPUSH(cx, tidal_builder_push_string(cx->b, raw, rn));
      return;
    }
    case TIDAL_KIND_VEC: {
      size_t n = grand(rng, depth >= 2 ? 3 : 6);
      GPUSH(cx, tidal_builder_begin_vec(cx->b));
      gs_puts(out, "[");
      for (size_t i = 0; i < n; i++) {
        if (i) gs_puts(out, ", ");
        gen_value(rng, tidal_type_child(t, 0), depth + 1, cx, out);
      }
      gs_puts(out, "]");
      GPUSH(cx, tidal_builder_end_vec(cx->b));
      return;
    }
    case TIDAL_KIND_OPTION:
      if (grand(rng, 3) == 0) {
        gs_puts(out, "null");
        GPUSH(cx, tidal_builder_push_none(cx->b));
      } else {
        GPUSH(cx, tidal_builder_begin_some(cx->b));
        gen_value(rng, tidal_type_child(t, 0), depth + 1, cx, out);
      }
      return;
    case TIDAL_KIND_RESULT: {
      bool ok = grand(rng, 2);
      GPUSH(cx, ok ? tidal_builder_begin_ok(cx->b) : tidal_builder_begin_err(cx->b));
      gs_puts(out, ok ? "{\"Ok\":" : "{\"Err\": ");
      gen_value(rng, tidal_type_child(t, ok ? 0 : 1), depth + 1, cx, out);
      gs_puts(out, "}");
      return;
    }
    case TIDAL_KIND_TUPLE: {
      gs_puts(out, "[");
      for (size_t i = 0; i < tidal_type_child_count(t); i++) {
        if (i) gs_puts(out, ",");
        gen_value(rng, tidal_type_child(t, i), depth + 1, cx, out);
      }
      gs_puts(out, "]");
      return;
    }
    case TIDAL_KIND_STRUCT:
      gen_struct_fields(rng, t, depth, cx, out);
      return;
    case TIDAL_KIND_UNIT_ENUM: {
      size_t i = grand(rng, tidal_type_child_count(t));
      GPUSH(cx, tidal_builder_begin_variant(cx->b, (uint32_t)i));
      gs_printf(out, "\"%s\"", tidal_type_child_name(t, i));
      return;
    }
    case TIDAL_KIND_ENUM: {
      size_t i = grand(rng, tidal_type_child_count(t));
      const char *name = tidal_type_child_name(t, i);
      const tidal_type *payload = tidal_type_child(t, i);
      GPUSH(cx, tidal_builder_begin_variant(cx->b, (uint32_t)i));
      switch (tidal_type_variant_shape(t, i)) {
        case TIDAL_VARIANT_UNIT:
          gs_printf(out, "\"%s\"", name); /* begin_variant pushed the unit payload */
          return;
        case TIDAL_VARIANT_TUPLE:
          gs_printf(out, "{\"%s\":", name);
          gen_value(rng, payload, depth + 1, cx, out); /* one field: itself; more: a tuple */
          gs_puts(out, "}");
          return;
        case TIDAL_VARIANT_NAMED:
          gs_printf(out, "{\"%s\":", name);
          if (tidal_type_variant_field_count(t, i) == 1) {
            gs_printf(out, "{\"%s\":", tidal_type_variant_field_name(t, i, 0));
            gen_value(rng, payload, depth + 1, cx, out);
            gs_puts(out, "}");
          } else {
            gen_struct_fields(rng, payload, depth, cx, out);
          }
          gs_puts(out, "}");
          return;
      }
      return;
    }
  }
}

/* One random row: its JSON into `json` (cleared first); pushed into cx->b too when non-NULL. */
static void gen_row(uint64_t *rng, const tidal_schema *s, gen_ctx *cx, gstr *json) {
  gs_clear(json);
  gen_value(rng, tidal_schema_root(s), 0, cx, json);
}

/* ---- canonical form of a JSON row -------------------------------------------------------------- */

typedef struct {
  const char *p, *end;
  char why[160];
} jin;

static bool jfail(jin *in, const char *what) {
  if (!in->why[0]) snprintf(in->why, sizeof in->why, "%s at '%.20s'", what, in->p);
  return false;
}
static void jws(jin *in) {
  while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
    in->p++;
}
static bool jlit(jin *in, const char *lit) {
  jws(in);
  size_t n = strlen(lit);
  if ((size_t)(in->end - in->p) >= n && !memcmp(in->p, lit, n)) {
    in->p += n;
    return true;
  }
  return false;
}

static int hexv(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A JSON string, decoded to UTF-8 bytes (surrogate pairs joined). */
static bool jstring(jin *in, gstr *bytes) {
  jws(in);
  if (in->p >= in->end || *in->p != '"') return jfail(in, "expected string");
  in->p++;
  while (in->p < in->end && *in->p != '"') {
    unsigned char c = (unsigned char)*in->p++;
    if (c != '\\') { gs_put(bytes, &c, 1); continue; }
    if (in->p >= in->end) return jfail(in, "bad escape");
    char e = *in->p++;
    const char *simple = strchr("\"\\/bfnrt", e);
    if (simple && e) {
      static const char map[] = "\"\\/\b\f\n\r\t";
      gs_put(bytes, &map[simple - "\"\\/bfnrt"], 1);
      continue;
    }
    if (e != 'u' || in->end - in->p < 4) return jfail(in, "bad escape");
    uint32_t u = 0;
    for (int i = 0; i < 4; i++) {
      int h = hexv(in->p[i]);
      if (h < 0) return jfail(in, "bad \\u");
      u = u << 4 | (uint32_t)h;
    }
    in->p += 4;
    if (u >= 0xd800 && u < 0xdc00 && in->end - in->p >= 6 && in->p[0] == '\\' && in->p[1] == 'u') {
      uint32_t lo = 0;
      for (int i = 0; i < 4; i++) lo = lo << 4 | (uint32_t)(hexv(in->p[2 + i]) & 15);
      if (lo >= 0xdc00 && lo < 0xe000) {
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        in->p += 6;
      }
    }
    char buf[4];
    gs_put(bytes, buf, utf8_put(u, buf));
  }
  if (in->p >= in->end) return jfail(in, "unterminated string");
  in->p++;
  return true;
}

static bool jnumber(jin *in, char *tok, size_t cap) {
  jws(in);
  size_t n = 0;
  while (in->p + n < in->end && strchr("+-0123456789.eE", in->p[n]) && in->p[n]) n++;
  if (n == 0 || n >= cap) return jfail(in, "expected number");
  memcpy(tok, in->p, n);
  tok[n] = 0;
  in->p += n;
  return true;
}

static void canon_bytes(const gstr *b, gstr *out) {
  gs_puts(out, "\"");
  for (size_t i = 0; i < b->len; i++) {
    unsigned char c = (unsigned char)b->p[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') gs_put(out, &c, 1);
    else gs_printf(out, "\\x%02x", c);
  }
  gs_puts(out, "\"");
}

static bool canon_value(jin *in, const tidal_type *t, gstr *out);

/* Non-finite floats, which JSON cannot spell: tidal writes the strings "NaN", "inf", "-inf" (and
   also reads "Infinity", "-Infinity"). All NaNs are one value here: JSON keeps no payload. */
static bool canon_nonfinite(jin *in, gstr *out) {
  static const char *const spell[][2] = {{"\"NaN\"", "NaN"}, {"\"inf\"", "+inf"},
                                         {"\"-inf\"", "-inf"}, {"\"Infinity\"", "+inf"},
                                         {"\"-Infinity\"", "-inf"}};
  for (size_t i = 0; i < sizeof spell / sizeof spell[0]; i++)
    if (jlit(in, spell[i][0])) {
      gs_puts(out, spell[i][1]);
      return true;
    }
  return false;
}

/* An object whose keys are `t`'s field names (any order, each once), in declaration order. */
static bool canon_fields(jin *in, const tidal_type *t, gstr *out) {
  size_t n = tidal_type_child_count(t);
  gstr parts[16];
  bool seen[16] = {0}, ok = true;
  memset(parts, 0, sizeof parts);
  if (!jlit(in, "{")) return jfail(in, "expected object");
  for (size_t k = 0; k < n && ok; k++) {
    if (k && !jlit(in, ",")) { ok = jfail(in, "expected ','"); break; }
    gstr key = {0};
    ok = jstring(in, &key) && jlit(in, ":");
    size_t i = 0;
    while (ok && i < n && strcmp(key.p ? key.p : "", tidal_type_child_name(t, i))) i++;
    gs_free(&key);
    if (ok && (i == n || seen[i])) ok = jfail(in, "unknown or repeated field");
    if (ok) {
      seen[i] = true;
      ok = canon_value(in, tidal_type_child(t, i), &parts[i]);
    }
  }
  if (ok && !jlit(in, "}")) ok = jfail(in, "expected '}'");
  if (ok) {
    gs_puts(out, "{");
    for (size_t i = 0; i < n; i++) gs_printf(out, "%s%s", i ? "," : "", parts[i].p ? parts[i].p : "");
    gs_puts(out, "}");
  }
  for (size_t i = 0; i < n; i++) gs_free(&parts[i]);
  return ok;
}

static bool canon_value(jin *in, const tidal_type *t, gstr *out) {
  char tok[80];
  switch (tidal_type_kind(t)) {
    case TIDAL_KIND_U8: case TIDAL_KIND_U16: case TIDAL_KIND_U32: case TIDAL_KIND_U64:
    case TIDAL_KIND_USIZE: case TIDAL_KIND_I8: case TIDAL_KIND_I16: case TIDAL_KIND_I32:
    case TIDAL_KIND_I64: case TIDAL_KIND_ISIZE: case TIDAL_KIND_U128: case TIDAL_KIND_I128: {
      if (!jnumber(in, tok, sizeof tok)) return false;
      if (strpbrk(tok, ".eE+")) return jfail(in, "integer with fraction or exponent");
      const char *d = tok[0] == '-' ? tok + 1 : tok;
      if (!*d || (d[0] == '0' && d[1])) return jfail(in, "bad integer");
      if (!strcmp(d, "0")) d = tok + (tok[0] == '-'); /* -0 is 0 */
      gs_printf(out, "%s%s", tok[0] == '-' && strcmp(d, "0") ? "-" : "", d);
      return true;
    }
    case TIDAL_KIND_F32: {
      if (canon_nonfinite(in, out)) return true;
      if (!jnumber(in, tok, sizeof tok)) return false;
      float f = strtof(tok, NULL);
      uint32_t bits;
      memcpy(&bits, &f, 4);
      gs_printf(out, "f32:%08x", bits);
      return true;
    }
    case TIDAL_KIND_F64: {
      if (canon_nonfinite(in, out)) return true;
      if (!jnumber(in, tok, sizeof tok)) return false;
      double d = strtod(tok, NULL);
      uint64_t bits;
      memcpy(&bits, &d, 8);
      gs_printf(out, "f64:%016" PRIx64, bits);
      return true;
    }
    case TIDAL_KIND_CHAR: case TIDAL_KIND_STRING: {
      gstr b = {0};
      bool ok = jstring(in, &b);
      if (ok) canon_bytes(&b, out);
      gs_free(&b);
      return ok;
    }
    case TIDAL_KIND_BOOL:
      if (jlit(in, "true")) { gs_puts(out, "T"); return true; }
      if (jlit(in, "false")) { gs_puts(out, "F"); return true; }
      return jfail(in, "expected bool");
    case TIDAL_KIND_UNIT:
      if (jlit(in, "null")) { gs_puts(out, "()"); return true; }
      return jfail(in, "expected null");
    case TIDAL_KIND_VEC: {
      if (!jlit(in, "[")) return jfail(in, "expected '['");
      gs_puts(out, "[");
      if (jlit(in, "]")) { gs_puts(out, "]"); return true; }
      for (bool first = true;; first = false) {
        if (!first) gs_puts(out, ",");
        if (!canon_value(in, tidal_type_child(t, 0), out)) return false;
        if (jlit(in, "]")) break;
        if (!jlit(in, ",")) return jfail(in, "expected ','");
      }
      gs_puts(out, "]");
      return true;
    }
    case TIDAL_KIND_OPTION:
      if (jlit(in, "null")) { gs_puts(out, "None"); return true; }
      gs_puts(out, "Some(");
      if (!canon_value(in, tidal_type_child(t, 0), out)) return false;
      gs_puts(out, ")");
      return true;
    case TIDAL_KIND_RESULT: {
      bool ok = jlit(in, "{");
      gstr key = {0};
      ok = ok && jstring(in, &key) && jlit(in, ":");
      int which = ok && key.p && !strcmp(key.p, "Ok") ? 0 : ok && key.p && !strcmp(key.p, "Err") ? 1 : -1;
      gs_free(&key);
      if (which < 0) return jfail(in, "expected {\"Ok\"|\"Err\": ...}");
      gs_puts(out, which ? "Err(" : "Ok(");
      if (!canon_value(in, tidal_type_child(t, (size_t)which), out)) return false;
      gs_puts(out, ")");
      return jlit(in, "}") || jfail(in, "expected '}'");
    }
    case TIDAL_KIND_TUPLE: {
      if (!jlit(in, "[")) return jfail(in, "expected '['");
      gs_puts(out, "(");
      for (size_t i = 0; i < tidal_type_child_count(t); i++) {
        if (i && !jlit(in, ",")) return jfail(in, "expected ','");
        if (i) gs_puts(out, ",");
        if (!canon_value(in, tidal_type_child(t, i), out)) return false;
      }
      gs_puts(out, ")");
      return jlit(in, "]") || jfail(in, "expected ']'");
    }
    case TIDAL_KIND_STRUCT:
      return canon_fields(in, t, out);
    case TIDAL_KIND_UNIT_ENUM: case TIDAL_KIND_ENUM: {
      bool unit_form = (jws(in), in->p < in->end && *in->p == '"');
      if (!unit_form && !jlit(in, "{")) return jfail(in, "expected variant");
      gstr key = {0};
      if (!jstring(in, &key)) return false;
      size_t n = tidal_type_child_count(t), i = 0;
      while (i < n && strcmp(key.p ? key.p : "", tidal_type_child_name(t, i))) i++;
      gs_free(&key);
      if (i == n) return jfail(in, "unknown variant");
      gs_printf(out, "V%zu", i);
      bool is_unit = tidal_type_kind(t) == TIDAL_KIND_UNIT_ENUM ||
                     tidal_type_variant_shape(t, i) == TIDAL_VARIANT_UNIT;
      if (unit_form) return is_unit || jfail(in, "data variant written as a bare name");
      if (!jlit(in, ":")) return jfail(in, "expected ':'");
      if (is_unit) {
        if (!jlit(in, "null")) return jfail(in, "unit variant payload not null");
      } else {
        gs_puts(out, "(");
        const tidal_type *payload = tidal_type_child(t, i);
        bool ok;
        if (tidal_type_variant_shape(t, i) == TIDAL_VARIANT_NAMED &&
            tidal_type_variant_field_count(t, i) == 1) {
          gstr k2 = {0};
          ok = jlit(in, "{") && jstring(in, &k2) && jlit(in, ":");
          ok = ok && k2.p && !strcmp(k2.p, tidal_type_variant_field_name(t, i, 0));
          gs_free(&k2);
          ok = ok && canon_value(in, payload, out) && jlit(in, "}");
          if (!ok) return jfail(in, "bad one-field named variant");
        } else {
          ok = canon_value(in, payload, out);
          if (!ok) return false;
        }
        gs_puts(out, ")");
      }
      return jlit(in, "}") || jfail(in, "expected '}'");
    }
  }
  return jfail(in, "unknown kind");
}

/* Canonical text of one JSON row under schema s into out (cleared first). Returns false (with the
   reason in why[160]) when the text is not a row of that schema. */
static bool canon(const tidal_schema *s, const char *json, size_t len, gstr *out, char *why) {
  jin in = {json, json + len, {0}};
  gs_clear(out);
  bool ok = canon_value(&in, tidal_schema_root(s), out);
  jws(&in);
  if (ok && in.p != in.end) ok = jfail(&in, "trailing text");
  if (!ok) memcpy(why, in.why, sizeof in.why);
  return ok;
}

#endif /* TIDAL_TESTS_COLUMNAR_GEN_H */
