/*
** json_write.c: tidal_view_row_json: one row of a view as a JSON value (the spec's serde
** convention), exact enough to read back to the same bytes.
**
** Invariants: 8..128-bit integers are printed exactly; floats with the fewest significant digits
** that read back (strtod / strtof) to the same bits, always with a '.' or an exponent; non-finite
** floats as the strings "NaN", "inf", "-inf"; strings escape '"', '\\' and control characters
** (U+0000 as \u0000) and pass other UTF-8 through; bytes that are not UTF-8 (possible only in
** trusted builder views) become U+FFFD. On failure `out` is truncated back to its length at entry.
*/
#include "columnar/columnar_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef unsigned __int128 u128;

static int put(tidal_buffer *o, const char *s, size_t n) { return tidal__append(o, s, n); }
#define PUTS(o, lit_) put((o), (lit_), sizeof(lit_) - 1)

static int put_u128(tidal_buffer *o, u128 v, bool neg) {
  char tmp[48];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + (unsigned)(v % 10));
    v /= 10;
  } while (v);
  if (neg) tmp[--i] = '-';
  return put(o, tmp + i, sizeof tmp - i);
}

static int put_u64(tidal_buffer *o, uint64_t v) {
  char tmp[24];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return put(o, tmp + i, sizeof tmp - i);
}

static int put_float(tidal_buffer *o, double d, bool is32) {
  if (isnan(d)) return PUTS(o, "\"NaN\"");
  if (isinf(d)) return d > 0 ? PUTS(o, "\"inf\"") : PUTS(o, "\"-inf\"");
  /*
  ** The fewest significant digits that read back to the same value: rounding to p+1 digits is
  ** never farther from d than rounding to p digits, so "reads back" is monotone in p and a
  ** binary search over 1..17 (f32: 1..9, which always suffice) needs at most 5 conversions.
  */
  /* "%.17g" needs at most 24 bytes plus ".0"; the size only quiets gcc's -Wformat-truncation,
     which cannot see that the precision stays within 1..17 at -O0. */
  char tmp[320];
  int lo = 1, hi = is32 ? 9 : 17;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    snprintf(tmp, sizeof tmp, "%.*g", mid, d);
    if (is32 ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) hi = mid;
    else lo = mid + 1;
  }
  int n = snprintf(tmp, sizeof tmp, "%.*g", hi, d);
  /* -0.0 == 0.0 compares equal; "%g" keeps the sign, so the text is still exact. */
  if (!strpbrk(tmp, ".eE")) {
    tmp[n++] = '.';
    tmp[n++] = '0';
  }
  return put(o, tmp, (size_t)n);
}

static int put_string(tidal_buffer *o, const uint8_t *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  TIDAL_RETURN_IF_ERROR(tidal_buffer_reserve(o, n + 2));
  TIDAL_RETURN_IF_ERROR(PUTS(o, "\""));
  size_t run = 0, i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      i++;
      continue;
    }
    size_t m = 1;
    if (c >= 0x80) {
      /* Valid UTF-8 passes through; anything else becomes U+FFFD. */
      size_t need = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
      bool ok = need < 4 && i + need < n;
      uint32_t cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
      for (size_t j = 1; ok && j <= need; j++) {
        if ((s[i + j] & 0xC0) != 0x80) ok = false;
        else cp = (cp << 6) | (s[i + j] & 0x3F);
      }
      if (ok) {
        uint32_t min = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
        ok = cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
      }
      if (ok) {
        i += need + 1;
        continue;
      }
    }
    TIDAL_RETURN_IF_ERROR(put(o, (const char *)s + run, i - run));
    char esc[6] = {'\\', 0, 0, 0, 0, 0};
    size_t en = 2;
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    default:
      if (c >= 0x80) {
        TIDAL_RETURN_IF_ERROR(put(o, "\xEF\xBF\xBD", 3));
        en = 0;
      } else {
        esc[1] = 'u';
        esc[2] = '0';
        esc[3] = '0';
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        en = 6;
      }
    }
    if (en) TIDAL_RETURN_IF_ERROR(put(o, esc, en));
    i += m;
    run = i;
  }
  TIDAL_RETURN_IF_ERROR(put(o, (const char *)s + run, n - run));
  return PUTS(o, "\"");
}

static int put_name(tidal_buffer *o, const char *name) {
  TIDAL_RETURN_IF_ERROR(PUTS(o, "\""));
  TIDAL_RETURN_IF_ERROR(put(o, name, strlen(name)));
  return PUTS(o, "\"");
}

static int row(tidal_buffer *o, const tidal_batch_view *v, const tidal_type *t, uint64_t i);

static int fields(tidal_buffer *o, const tidal_batch_view *v, const tidal_type *t, uint64_t i) {
  bool named = t->kind == TIDAL_KIND_STRUCT;
  TIDAL_RETURN_IF_ERROR(named ? PUTS(o, "{") : PUTS(o, "["));
  for (uint32_t c = 0; c < t->nchildren; c++) {
    if (c) TIDAL_RETURN_IF_ERROR(PUTS(o, ","));
    if (named) {
      TIDAL_RETURN_IF_ERROR(put_name(o, t->names[c]));
      TIDAL_RETURN_IF_ERROR(PUTS(o, ":"));
    }
    TIDAL_RETURN_IF_ERROR(row(o, v, t->children[c], i));
  }
  return named ? PUTS(o, "}") : PUTS(o, "]");
}

static int row(tidal_buffer *o, const tidal_batch_view *v, const tidal_type *t, uint64_t i) {
  size_t k = t->first_slice;
  const uint8_t *d = (const uint8_t *)v->slices[k].data;
  switch (t->kind) {
  case TIDAL_KIND_U8: return put_u64(o, d[i]);
  case TIDAL_KIND_U16: return put_u64(o, ((const uint16_t *)d)[i]);
  case TIDAL_KIND_U32: return put_u64(o, ((const uint32_t *)d)[i]);
  case TIDAL_KIND_U64:
  case TIDAL_KIND_USIZE: return put_u64(o, ((const uint64_t *)d)[i]);
  case TIDAL_KIND_I8:
  case TIDAL_KIND_I16:
  case TIDAL_KIND_I32:
  case TIDAL_KIND_I64:
  case TIDAL_KIND_ISIZE: {
    int64_t x = t->elem_size == 1   ? ((const int8_t *)d)[i]
                : t->elem_size == 2 ? ((const int16_t *)d)[i]
                : t->elem_size == 4 ? ((const int32_t *)d)[i]
                                    : ((const int64_t *)d)[i];
    return put_u128(o, x < 0 ? (u128)0 - (u128)(__int128)x : (u128)x, x < 0);
  }
  case TIDAL_KIND_U128:
  case TIDAL_KIND_I128: {
    u128 x;
    memcpy(&x, d + 16 * i, 16);
    bool neg = t->kind == TIDAL_KIND_I128 && (x >> 127);
    return put_u128(o, neg ? (u128)0 - x : x, neg);
  }
  case TIDAL_KIND_F32: return put_float(o, ((const float *)d)[i], true);
  case TIDAL_KIND_F64: return put_float(o, ((const double *)d)[i], false);
  case TIDAL_KIND_CHAR: {
    uint32_t c = ((const uint32_t *)d)[i];
    uint8_t u[4];
    size_t m;
    if (c < 0x80) u[0] = (uint8_t)c, m = 1;
    else if (c < 0x800) u[0] = (uint8_t)(0xC0 | (c >> 6)), u[1] = (uint8_t)(0x80 | (c & 0x3F)), m = 2;
    else if (c < 0x10000)
      u[0] = (uint8_t)(0xE0 | (c >> 12)), u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F)),
      u[2] = (uint8_t)(0x80 | (c & 0x3F)), m = 3;
    else
      u[0] = (uint8_t)(0xF0 | (c >> 18)), u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F)),
      u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F)), u[3] = (uint8_t)(0x80 | (c & 0x3F)), m = 4;
    return put_string(o, u, m);
  }
  case TIDAL_KIND_BOOL: return tidal__bit(v, k, i) ? PUTS(o, "true") : PUTS(o, "false");
  case TIDAL_KIND_UNIT: return PUTS(o, "null");
  case TIDAL_KIND_STRING: {
    uint64_t s, e;
    tidal__bounds_at(v, k, i, &s, &e);
    return put_string(o, tidal__bytes_at(v, k + 1, s), (size_t)(e - s));
  }
  case TIDAL_KIND_VEC: {
    uint64_t s, e;
    tidal__bounds_at(v, k, i, &s, &e);
    TIDAL_RETURN_IF_ERROR(PUTS(o, "["));
    for (uint64_t j = s; j < e; j++) {
      if (j > s) TIDAL_RETURN_IF_ERROR(PUTS(o, ","));
      TIDAL_RETURN_IF_ERROR(row(o, v, t->children[0], j));
    }
    return PUTS(o, "]");
  }
  case TIDAL_KIND_OPTION:
    if (!tidal__bit(v, k + 1, i)) return PUTS(o, "null");
    return row(o, v, t->children[0], tidal__rank(v, k, i));
  case TIDAL_KIND_RESULT: {
    uint64_t r = tidal__rank(v, k, i);
    bool ok = tidal__bit(v, k + 1, i);
    TIDAL_RETURN_IF_ERROR(ok ? PUTS(o, "{\"Ok\":") : PUTS(o, "{\"Err\":"));
    TIDAL_RETURN_IF_ERROR(row(o, v, t->children[ok ? 0 : 1], ok ? r : i - r));
    return PUTS(o, "}");
  }
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT: return fields(o, v, t, i);
  case TIDAL_KIND_ENUM: {
    uint32_t var;
    uint64_t idx;
    tidal__enum_at(v, t, i, &var, &idx);
    if (t->shapes[var] == TIDAL_VARIANT_UNIT) return put_name(o, t->names[var]);
    TIDAL_RETURN_IF_ERROR(PUTS(o, "{"));
    TIDAL_RETURN_IF_ERROR(put_name(o, t->names[var]));
    TIDAL_RETURN_IF_ERROR(PUTS(o, ":"));
    bool wrap = t->shapes[var] == TIDAL_VARIANT_NAMED && t->nfields[var] == 1;
    if (wrap) {
      TIDAL_RETURN_IF_ERROR(PUTS(o, "{"));
      TIDAL_RETURN_IF_ERROR(put_name(o, t->vname1[var]));
      TIDAL_RETURN_IF_ERROR(PUTS(o, ":"));
    }
    TIDAL_RETURN_IF_ERROR(row(o, v, t->children[var], idx));
    if (wrap) TIDAL_RETURN_IF_ERROR(PUTS(o, "}"));
    return PUTS(o, "}");
  }
  case TIDAL_KIND_UNIT_ENUM: return put_name(o, t->names[d[i]]);
  default: return TIDAL_EINVAL;
  }
}

int tidal_view_row_json(const tidal_batch_view *v, size_t r, tidal_buffer *out) {
  if (r >= v->rows) return TIDAL_ERANGE;
  size_t start = out->len;
  int rc = row(out, v, v->schema->root, r);
  if (rc < 0) out->len = start;
  return rc;
}
