/*
** json_read.c: tidal_builder_push_json: a small strict JSON parser driven by the schema, writing
** one row straight into the builder's slices (the spec's serde convention, docs/columnar.md).
**
** Invariants: the input is never read past `len`; recursion follows the schema (at most 64
** levels), never the input's own nesting; strings are decoded to UTF-8 with every escape
** (\uXXXX surrogate pairs, \u0000) and invalid UTF-8 or lone surrogates are errors; integers are
** exact up to 128 bits; on any error the builder is rolled back to its state before the call.
*/
#include "columnar/columnar_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct jp {
  const char *s;       /* the JSON text */
  size_t n;            /* its length */
  size_t pos;          /* next byte */
  tidal_builder *b;    /* the builder written to */
  tidal_error *err;    /* detail */
} jp;

static inline void ws(jp *p) {
  if (p->pos < p->n && (unsigned char)p->s[p->pos] > ' ') return; /* the common case: no space */
  while (p->pos < p->n) {
    char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

/* "at byte N: expected X, found Y". */
static int bad(jp *p, const char *what) {
  if (p->pos >= p->n)
    return tidal_error_set(p->err, TIDAL_EJSON, "at byte %zu: expected %s, found end of input",
                           p->pos, what);
  unsigned char c = (unsigned char)p->s[p->pos];
  if (c < 0x20 || c >= 0x7f)
    return tidal_error_set(p->err, TIDAL_EJSON, "at byte %zu: expected %s, found byte 0x%02x",
                           p->pos, what, c);
  size_t m = 1;
  while (m < 16 && p->pos + m < p->n && p->s[p->pos + m] != ',' && p->s[p->pos + m] != '}' &&
         p->s[p->pos + m] != ']' && p->s[p->pos + m] != ':' && (unsigned char)p->s[p->pos + m] >= 0x20)
    m++;
  return tidal_error_set(p->err, TIDAL_EJSON, "at byte %zu: expected %s, found '%.*s'", p->pos,
                         what, (int)m, p->s + p->pos);
}

static int oom(jp *p) {
  return tidal_error_set(p->err, TIDAL_ENOMEM, "at byte %zu: out of memory", p->pos);
}

#define lit(p, w) lit_n((p), (w), sizeof(w) - 1)

static inline bool is(jp *p, char c) {
  ws(p);
  return p->pos < p->n && p->s[p->pos] == c;
}

static int eat(jp *p, char c, const char *what) {
  if (!is(p, c)) return bad(p, what);
  p->pos++;
  return 0;
}

static bool lit_n(jp *p, const char *w, size_t m) {
  ws(p);
  if (p->n - p->pos >= m && memcmp(p->s + p->pos, w, m) == 0) {
    p->pos += m;
    return true;
  }
  return false;
}

/* ---- strings -------------------------------------------------------------------------------- */

static int hex4(jp *p, uint32_t *out) {
  if (p->n - p->pos < 4) return bad(p, "4 hex digits");
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->s[p->pos];
    uint32_t d;
    if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
    else return bad(p, "a hex digit");
    v = v * 16 + d;
    p->pos++;
  }
  *out = v;
  return 0;
}

static size_t utf8_put(uint8_t *o, uint32_t c) {
  if (c < 0x80) {
    o[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    o[0] = (uint8_t)(0xC0 | (c >> 6));
    o[1] = (uint8_t)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    o[0] = (uint8_t)(0xE0 | (c >> 12));
    o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    o[2] = (uint8_t)(0x80 | (c & 0x3F));
    return 3;
  }
  o[0] = (uint8_t)(0xF0 | (c >> 18));
  o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
  o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
  o[3] = (uint8_t)(0x80 | (c & 0x3F));
  return 4;
}

/* Length of the valid UTF-8 sequence at s[0..n) (n >= 1), 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n) {
  uint8_t b = s[0];
  size_t need;
  uint32_t cp, min;
  if ((b & 0xE0) == 0xC0) need = 1, cp = b & 0x1F, min = 0x80;
  else if ((b & 0xF0) == 0xE0) need = 2, cp = b & 0x0F, min = 0x800;
  else if ((b & 0xF8) == 0xF0) need = 3, cp = b & 0x07, min = 0x10000;
  else return 0;
  if (need >= n) return 0;
  for (size_t j = 1; j <= need; j++) {
    if ((s[j] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[j] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return need + 1;
}

/* Decode the JSON string at pos (after ws) and append its UTF-8 bytes to out (if non-NULL). */
static int string(jp *p, tidal_buffer *out) {
  if (!is(p, '"')) return bad(p, "a string");
  p->pos++;
  for (;;) {
    size_t run = p->pos;
    while (p->pos < p->n) {
      unsigned char c = (unsigned char)p->s[p->pos];
      if (c == '"' || c == '\\' || c < 0x20) break;
      if (c >= 0x80) {
        size_t m = utf8_seq((const uint8_t *)p->s + p->pos, p->n - p->pos);
        if (!m) return bad(p, "valid UTF-8");
        p->pos += m;
      } else {
        p->pos++;
      }
    }
    if (out && p->pos > run && tidal__append(out, p->s + run, p->pos - run) < 0) return oom(p);
    if (p->pos >= p->n) return bad(p, "'\"'");
    char c = p->s[p->pos];
    if (c == '"') {
      p->pos++;
      return 0;
    }
    if (c != '\\') return bad(p, "an escaped control character");
    p->pos++;
    if (p->pos >= p->n) return bad(p, "an escape");
    uint8_t tmp[4];
    size_t m = 1;
    switch (p->s[p->pos++]) {
    case '"': tmp[0] = '"'; break;
    case '\\': tmp[0] = '\\'; break;
    case '/': tmp[0] = '/'; break;
    case 'b': tmp[0] = '\b'; break;
    case 'f': tmp[0] = '\f'; break;
    case 'n': tmp[0] = '\n'; break;
    case 'r': tmp[0] = '\r'; break;
    case 't': tmp[0] = '\t'; break;
    case 'u': {
      uint32_t u;
      TIDAL_RETURN_IF_ERROR(hex4(p, &u));
      if (u >= 0xDC00 && u <= 0xDFFF) {
        p->pos -= 4;
        return bad(p, "a high surrogate before a low one");
      }
      if (u >= 0xD800 && u <= 0xDBFF) {
        uint32_t lo;
        if (p->n - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
          return bad(p, "a \\u low surrogate after a high surrogate");
        p->pos += 2;
        TIDAL_RETURN_IF_ERROR(hex4(p, &lo));
        if (lo < 0xDC00 || lo > 0xDFFF) {
          p->pos -= 4;
          return bad(p, "a low surrogate");
        }
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      m = utf8_put(tmp, u);
      break;
    }
    default: p->pos--; return bad(p, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
    }
    if (out && tidal__append(out, tmp, m) < 0) return oom(p);
  }
}

/* ---- numbers -------------------------------------------------------------------------------- */

/* Scan a JSON number at pos; [*start, pos) is its text; *integral when no fraction/exponent. */
static int number(jp *p, size_t *start, bool *integral) {
  ws(p);
  *start = p->pos;
  size_t i = p->pos;
  if (i < p->n && p->s[i] == '-') i++;
  if (i >= p->n || p->s[i] < '0' || p->s[i] > '9') return bad(p, "a number");
  if (p->s[i] == '0') i++;
  else
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
  *integral = true;
  if (i < p->n && p->s[i] == '.') {
    i++;
    if (i >= p->n || p->s[i] < '0' || p->s[i] > '9') {
      p->pos = i;
      return bad(p, "a digit after '.'");
    }
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
    *integral = false;
  }
  if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
    i++;
    if (i < p->n && (p->s[i] == '+' || p->s[i] == '-')) i++;
    if (i >= p->n || p->s[i] < '0' || p->s[i] > '9') {
      p->pos = i;
      return bad(p, "a digit in the exponent");
    }
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
    *integral = false;
  }
  p->pos = i;
  return 0;
}

typedef unsigned __int128 u128;

/* An integer that fits the node's kind, written little-endian. */
static int integer(jp *p, const tidal_type *t) {
  size_t start;
  bool integral;
  TIDAL_RETURN_IF_ERROR(number(p, &start, &integral));
  if (!integral) {
    p->pos = start;
    return bad(p, "an integer");
  }
  const char *s = p->s + start;
  size_t len = p->pos - start;
  bool neg = s[0] == '-';
  u128 v = 0, max128 = ~(u128)0;
  for (size_t i = neg; i < len; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max128 - d) / 10) goto range;
    v = v * 10 + d;
  }
  bool is_signed = t->kind == TIDAL_KIND_I8 || t->kind == TIDAL_KIND_I16 || t->kind == TIDAL_KIND_I32 ||
                   t->kind == TIDAL_KIND_I64 || t->kind == TIDAL_KIND_ISIZE || t->kind == TIDAL_KIND_I128;
  unsigned bits = t->elem_size * 8;
  u128 lim = bits == 128 ? max128 : (((u128)1 << bits) - 1);
  if (is_signed) {
    u128 half = (u128)1 << (bits - 1);
    if (neg ? v > half : v >= half) goto range;
    if (neg) v = (u128)0 - v;
  } else if ((neg && v != 0) || v > lim) {
    goto range;
  }
  uint8_t bytes[16];
  memcpy(bytes, &v, 16); /* little-endian: the low elem_size bytes are the value */
  if (tidal__w_fixed(p->b, t->first_slice, bytes, t->elem_size) < 0) return oom(p);
  return 0;
range:
  p->pos = start;
  return tidal_error_set(p->err, TIDAL_EJSON, "at byte %zu: expected a %s, found '%.*s' (out of range)",
                         start, tidal__kind_name(t->kind), (int)(len > 48 ? 48 : len), s);
}

static int floating(jp *p, const tidal_type *t) {
  ws(p);
  double d = 0;
  float f = 0;
  bool is32 = t->kind == TIDAL_KIND_F32;
  if (is(p, '"')) {
    /* Non-finite values travel as strings (JSON numbers cannot hold them). */
    size_t at = p->pos;
    tidal_buffer *sc = &p->b->scratch;
    sc->len = 0;
    TIDAL_RETURN_IF_ERROR(string(p, sc));
    const char *w = (const char *)sc->data;
    size_t m = sc->len;
#define IS(lit_) (m == sizeof(lit_) - 1 && memcmp(w, lit_, m) == 0)
    if (IS("NaN")) d = NAN;
    else if (IS("inf") || IS("Infinity")) d = INFINITY;
    else if (IS("-inf") || IS("-Infinity")) d = -INFINITY;
    else {
      p->pos = at;
      return bad(p, "a number (or \"NaN\", \"inf\", \"-inf\")");
    }
#undef IS
    f = (float)d;
  } else {
    size_t start;
    bool integral;
    TIDAL_RETURN_IF_ERROR(number(p, &start, &integral));
    size_t len = p->pos - start;
    tidal_buffer *sc = &p->b->scratch;
    sc->len = 0;
    if (tidal_buffer_reserve(sc, len + 1) < 0) return oom(p);
    memcpy(sc->data, p->s + start, len);
    sc->data[len] = 0;
    errno = 0;
    if (is32) f = strtof((const char *)sc->data, NULL);
    else d = strtod((const char *)sc->data, NULL);
    if (errno == ERANGE && (is32 ? isinf(f) : isinf(d))) {
      p->pos = start;
      return tidal_error_set(p->err, TIDAL_EJSON, "at byte %zu: expected a %s, found '%.*s' (out of range)",
                             start, tidal__kind_name(t->kind), (int)(len > 48 ? 48 : len), p->s + start);
    }
  }
  int rc = is32 ? tidal__w_fixed(p->b, t->first_slice, &f, 4) : tidal__w_fixed(p->b, t->first_slice, &d, 8);
  return rc < 0 ? oom(p) : 0;
}

/* ---- typed values --------------------------------------------------------------------------- */

static int value(jp *p, const tidal_type *t);

/* A key string compared with `name` (decoded into the scratch buffer). */
static int key(jp *p, size_t *at) {
  ws(p);
  *at = p->pos;
  tidal_buffer *sc = &p->b->scratch;
  sc->len = 0;
  TIDAL_RETURN_IF_ERROR(string(p, sc));
  return eat(p, ':', "':'");
}

static bool key_is(jp *p, const char *name) {
  tidal_buffer *sc = &p->b->scratch;
  return strlen(name) == sc->len && memcmp(sc->data, name, sc->len) == 0;
}

static int key_error(jp *p, size_t at, const char *what) {
  p->pos = at;
  return bad(p, what);
}

/*
** An object whose keys are exactly `names`, in any order. Values are parsed (and written) in the
** order they appear: sibling fields own disjoint slices, so the bytes do not depend on the order
** in which the fields are written, and no second pass over the text is needed.
*/
static int object(jp *p, const tidal_type *const *types, const char *const *names, uint32_t n) {
  uint64_t seen[TIDAL__MAX_VARIANTS / 64] = {0};
  uint32_t count = 0;
  TIDAL_RETURN_IF_ERROR(eat(p, '{', "'{'"));
  if (is(p, '}')) {
    p->pos++;
  } else {
    for (;;) {
      size_t at;
      TIDAL_RETURN_IF_ERROR(key(p, &at));
      /* The next field in declaration order is the usual case: try it first. */
      uint32_t i = count < n && key_is(p, names[count]) ? count : 0;
      while (i < n && !key_is(p, names[i])) i++;
      if (i == n) return key_error(p, at, "a field of the schema");
      if (seen[i / 64] >> (i % 64) & 1) return key_error(p, at, "each field once");
      seen[i / 64] |= UINT64_C(1) << (i % 64);
      count++;
      TIDAL_RETURN_IF_ERROR(value(p, types[i]));
      if (is(p, '}')) {
        p->pos++;
        break;
      }
      TIDAL_RETURN_IF_ERROR(eat(p, ',', "',' or '}'"));
    }
  }
  for (uint32_t i = 0; count < n && i < n; i++) {
    if (!(seen[i / 64] >> (i % 64) & 1))
      return tidal_error_set(p->err, TIDAL_EJSON, "at byte %zu: expected field '%s', found '}'",
                             p->pos - 1, names[i]);
  }
  return 0;
}

static int variant_name(jp *p, const tidal_type *t, size_t at, uint32_t *v) {
  for (uint32_t i = 0; i < t->nchildren; i++)
    if (key_is(p, t->names[i])) {
      *v = i;
      return 0;
    }
  return key_error(p, at, "a variant name of the schema");
}

static int enumeration(jp *p, const tidal_type *t) {
  ws(p);
  size_t at = p->pos;
  uint32_t v = 0;
  if (is(p, '"')) {
    tidal_buffer *sc = &p->b->scratch;
    sc->len = 0;
    TIDAL_RETURN_IF_ERROR(string(p, sc));
    TIDAL_RETURN_IF_ERROR(variant_name(p, t, at, &v));
    if (t->kind == TIDAL_KIND_ENUM && t->shapes[v] != TIDAL_VARIANT_UNIT)
      return key_error(p, at, "a unit variant (a data variant is {\"Name\": payload})");
    if (tidal__w_variant(p->b, t, v) < 0) return oom(p);
    if (t->kind == TIDAL_KIND_ENUM && tidal__w_unit(p->b, t->children[v]->first_slice) < 0) return oom(p);
    return 0;
  }
  if (t->kind == TIDAL_KIND_UNIT_ENUM) return bad(p, "a variant name string");
  TIDAL_RETURN_IF_ERROR(eat(p, '{', "a variant name or {\"Variant\": payload}"));
  TIDAL_RETURN_IF_ERROR(key(p, &at));
  TIDAL_RETURN_IF_ERROR(variant_name(p, t, at, &v));
  if (tidal__w_variant(p->b, t, v) < 0) return oom(p);
  const tidal_type *c = t->children[v];
  if (t->shapes[v] == TIDAL_VARIANT_UNIT) {
    if (!lit(p, "null")) return bad(p, "null (the payload of a unit variant)");
    if (tidal__w_unit(p->b, c->first_slice) < 0) return oom(p);
  } else if (t->shapes[v] == TIDAL_VARIANT_NAMED && t->nfields[v] == 1) {
    const char *name = t->vname1[v];
    TIDAL_RETURN_IF_ERROR(object(p, &c, &name, 1));
  } else {
    TIDAL_RETURN_IF_ERROR(value(p, c));
  }
  return eat(p, '}', "'}' (one variant per enum value)");
}

static int value(jp *p, const tidal_type *t) {
  tidal_builder *b = p->b;
  size_t k = t->first_slice;
  switch (t->kind) {
  case TIDAL_KIND_F32:
  case TIDAL_KIND_F64: return floating(p, t);
  case TIDAL_KIND_BOOL:
    if (lit(p, "true")) return tidal__w_bit(b, k, true) < 0 ? oom(p) : 0;
    if (lit(p, "false")) return tidal__w_bit(b, k, false) < 0 ? oom(p) : 0;
    return bad(p, "true or false");
  case TIDAL_KIND_UNIT:
    if (!lit(p, "null")) return bad(p, "null (unit)");
    return tidal__w_unit(b, k);
  case TIDAL_KIND_CHAR: {
    ws(p);
    size_t at = p->pos;
    tidal_buffer *sc = &b->scratch;
    sc->len = 0;
    TIDAL_RETURN_IF_ERROR(string(p, sc));
    size_t m = sc->len ? utf8_seq(sc->data, sc->len) : 0;
    if (sc->len && sc->data[0] < 0x80) m = 1;
    if (sc->len == 0 || m != sc->len) return key_error(p, at, "a string of exactly one character");
    uint32_t c = sc->data[0];
    if (m > 1) {
      c = sc->data[0] & (m == 2 ? 0x1F : m == 3 ? 0x0F : 0x07);
      for (size_t j = 1; j < m; j++) c = (c << 6) | (sc->data[j] & 0x3F);
    }
    return tidal__w_fixed(b, k, &c, 4) < 0 ? oom(p) : 0;
  }
  case TIDAL_KIND_STRING:
    TIDAL_RETURN_IF_ERROR(string(p, &b->h.slices[k + 1]));
    return tidal__w_bound(b, k, b->h.slices[k + 1].len) < 0 ? oom(p) : 0;
  case TIDAL_KIND_VEC:
    TIDAL_RETURN_IF_ERROR(eat(p, '[', "'['"));
    if (is(p, ']')) {
      p->pos++;
    } else {
      for (;;) {
        TIDAL_RETURN_IF_ERROR(value(p, t->children[0]));
        if (is(p, ']')) {
          p->pos++;
          break;
        }
        TIDAL_RETURN_IF_ERROR(eat(p, ',', "',' or ']'"));
      }
    }
    return tidal__w_bound(b, k, tidal__builder_len(b, t->children[0])) < 0 ? oom(p) : 0;
  case TIDAL_KIND_OPTION:
    if (lit(p, "null")) return tidal__w_rs(b, k, false) < 0 ? oom(p) : 0;
    if (tidal__w_rs(b, k, true) < 0) return oom(p);
    return value(p, t->children[0]);
  case TIDAL_KIND_RESULT: {
    size_t at;
    TIDAL_RETURN_IF_ERROR(eat(p, '{', "{\"Ok\": v} or {\"Err\": e}"));
    TIDAL_RETURN_IF_ERROR(key(p, &at));
    bool ok = key_is(p, "Ok");
    if (!ok && !key_is(p, "Err")) return key_error(p, at, "\"Ok\" or \"Err\"");
    if (tidal__w_rs(b, k, ok) < 0) return oom(p);
    TIDAL_RETURN_IF_ERROR(value(p, t->children[ok ? 0 : 1]));
    return eat(p, '}', "'}'");
  }
  case TIDAL_KIND_TUPLE:
    TIDAL_RETURN_IF_ERROR(eat(p, '[', "'[' (a tuple)"));
    for (uint32_t i = 0; i < t->nchildren; i++) {
      if (i) TIDAL_RETURN_IF_ERROR(eat(p, ',', "',' (more tuple fields)"));
      TIDAL_RETURN_IF_ERROR(value(p, t->children[i]));
    }
    return eat(p, ']', "']' (end of the tuple)");
  case TIDAL_KIND_STRUCT:
    return object(p, (const tidal_type *const *)t->children, t->names, t->nchildren);
  case TIDAL_KIND_ENUM:
  case TIDAL_KIND_UNIT_ENUM: return enumeration(p, t);
  default: return integer(p, t);
  }
}

int tidal_builder_push_json(tidal_builder *b, const char *json, size_t len, tidal_error *err) {
  if (b->h.in_row) {
    snprintf(b->errmsg, sizeof b->errmsg, "push_json: a row is half pushed");
    return tidal_error_set(err, TIDAL_EMISMATCH, "push_json: a row is half pushed");
  }
  jp p = {json, len, 0, b, err};
  tidal__builder_snapshot(b);
  int rc = value(&p, b->schema->root);
  if (rc == 0) {
    ws(&p);
    if (p.pos != len) rc = bad(&p, "end of the row");
  }
  if (rc < 0) {
    if (rc == TIDAL_ENOMEM) tidal_error_set(err, TIDAL_ENOMEM, "at byte %zu: out of memory", p.pos);
    tidal__builder_rollback(b);
    snprintf(b->errmsg, sizeof b->errmsg, "push_json failed");
    return rc;
  }
  b->h.rows++;
  return 0;
}
