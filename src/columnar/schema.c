/*
** schema.c: the schema object: its arena, slice plan, canonical text, accessors and atomic
** reference count.
**
** Invariant: a schema is immutable once tidal_schema_parse returns it; the plan lists, for every
** node in pre-order, the slices of §2 of the spec; refs counts the owners and the last unref frees
** the whole arena.
*/
#include "columnar/columnar_int.h"

#include <stdio.h>

#define ARENA_MIN 4096

void *tidal__arena_alloc(tidal_schema *s, size_t n) {
  n = (n + 15) & ~(size_t)15;
  tidal__arena_block *b = s->arena;
  if (!b || b->size - b->used < n) {
    size_t hdr = (sizeof(tidal__arena_block) + 15) & ~(size_t)15;
    size_t size = n + hdr < ARENA_MIN ? ARENA_MIN : n + hdr;
    tidal__arena_block *nb = (tidal__arena_block *)tidal__alloc(&s->alloc, size);
    if (!nb) return NULL;
    nb->next = b;
    nb->size = size;
    nb->used = hdr;
    s->arena = b = nb;
  }
  void *p = (uint8_t *)b + b->used;
  b->used += n;
  memset(p, 0, n);
  return p;
}

void tidal__schema_destroy(tidal_schema *s) {
  tidal__arena_block *b = s->arena;
  while (b) {
    tidal__arena_block *next = b->next;
    tidal__free(&s->alloc, b, b->size);
    b = next;
  }
  tidal_allocator a = s->alloc;
  tidal__free(&a, s, sizeof *s);
}

const char *tidal__kind_name(tidal_kind k) {
  static const char *const names[] = {
      "u8",   "u16",  "u32",   "u64",   "i8",    "i16",    "i32",   "i64",    "f32",
      "f64",  "usize", "isize", "char", "u128",  "i128",   "bool",  "unit",   "string",
      "vec",  "option", "result", "tuple", "struct", "enum", "enum"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* ---- slice plan ----------------------------------------------------------------------------- */

static void add(tidal_schema *s, size_t *n, tidal_slice_role role, uint32_t size, const tidal_type *t) {
  if (s->slices) {
    s->slices[*n].role = role;
    s->slices[*n].elem_size = size;
    s->slices[*n].owner = t;
  }
  (*n)++;
}

/* Assign slices to t and its children (counting only while s->slices is NULL). */
static void plan(tidal_schema *s, tidal_type *t, size_t *n) {
  t->first_slice = *n;
  uint32_t depth = 0;
  switch (t->kind) {
  case TIDAL_KIND_BOOL:
    add(s, n, TIDAL_SLICE_BITS_WORDS, 8, t);
    add(s, n, TIDAL_SLICE_BITS_TAIL, 8, t);
    break;
  case TIDAL_KIND_UNIT: add(s, n, TIDAL_SLICE_UNIT_COUNT, 8, t); break;
  case TIDAL_KIND_STRING:
    add(s, n, TIDAL_SLICE_BOUNDS, 8, t);
    add(s, n, TIDAL_SLICE_BYTES, 1, t);
    break;
  case TIDAL_KIND_VEC: add(s, n, TIDAL_SLICE_BOUNDS, 8, t); break;
  case TIDAL_KIND_OPTION:
  case TIDAL_KIND_RESULT:
    add(s, n, TIDAL_SLICE_RS_COUNTS, 8, t);
    add(s, n, TIDAL_SLICE_BITS_WORDS, 8, t);
    add(s, n, TIDAL_SLICE_BITS_TAIL, 8, t);
    break;
  case TIDAL_KIND_UNIT_ENUM: add(s, n, TIDAL_SLICE_UNIT_TAGS, 1, t); break;
  case TIDAL_KIND_TUPLE:
  case TIDAL_KIND_STRUCT:
  case TIDAL_KIND_ENUM: break;
  default: add(s, n, TIDAL_SLICE_VALUES, t->elem_size, t); break;
  }
  if (t->kind != TIDAL_KIND_UNIT_ENUM) {
    for (uint32_t i = 0; i < t->nchildren; i++) {
      plan(s, t->children[i], n);
      if (t->children[i]->depth > depth) depth = t->children[i]->depth;
    }
  }
  if (t->kind == TIDAL_KIND_ENUM) {
    add(s, n, TIDAL_SLICE_VARIANT, 1, t);
    add(s, n, TIDAL_SLICE_OFFSET, 8, t);
  }
  t->nslices = *n - t->first_slice;
  t->depth = depth + 1;
}

/* ---- canonical text ------------------------------------------------------------------------- */

static int put(tidal_buffer *o, const char *str) { return tidal_buffer_append(o, str, strlen(str)); }

static int text(tidal_buffer *o, const tidal_type *t);

static int text_list(tidal_buffer *o, const tidal_type *t, bool names) {
  for (uint32_t i = 0; i < t->nchildren; i++) {
    if (i) TIDAL_RETURN_IF_ERROR(put(o, ", "));
    if (names) {
      TIDAL_RETURN_IF_ERROR(put(o, t->names[i]));
      TIDAL_RETURN_IF_ERROR(put(o, ": "));
    }
    TIDAL_RETURN_IF_ERROR(text(o, t->children[i]));
  }
  return 0;
}

static int text(tidal_buffer *o, const tidal_type *t) {
  switch (t->kind) {
  case TIDAL_KIND_VEC:
  case TIDAL_KIND_OPTION:
    TIDAL_RETURN_IF_ERROR(put(o, t->kind == TIDAL_KIND_VEC ? "vec<" : "option<"));
    TIDAL_RETURN_IF_ERROR(text(o, t->children[0]));
    return put(o, ">");
  case TIDAL_KIND_RESULT:
    TIDAL_RETURN_IF_ERROR(put(o, "result<"));
    TIDAL_RETURN_IF_ERROR(text_list(o, t, false));
    return put(o, ">");
  case TIDAL_KIND_TUPLE:
    TIDAL_RETURN_IF_ERROR(put(o, "("));
    TIDAL_RETURN_IF_ERROR(text_list(o, t, false));
    return put(o, t->nchildren == 1 ? ",)" : ")");
  case TIDAL_KIND_STRUCT:
    TIDAL_RETURN_IF_ERROR(put(o, "{"));
    TIDAL_RETURN_IF_ERROR(text_list(o, t, true));
    return put(o, "}");
  case TIDAL_KIND_ENUM:
  case TIDAL_KIND_UNIT_ENUM:
    TIDAL_RETURN_IF_ERROR(put(o, "enum{"));
    for (uint32_t i = 0; i < t->nchildren; i++) {
      if (i) TIDAL_RETURN_IF_ERROR(put(o, ", "));
      TIDAL_RETURN_IF_ERROR(put(o, t->names[i]));
      if (t->shapes[i] == TIDAL_VARIANT_UNIT) continue;
      const tidal_type *c = t->children[i];
      bool named = t->shapes[i] == TIDAL_VARIANT_NAMED;
      TIDAL_RETURN_IF_ERROR(put(o, named ? "{" : "("));
      if (t->nfields[i] == 1) {
        if (named) {
          TIDAL_RETURN_IF_ERROR(put(o, t->vname1[i]));
          TIDAL_RETURN_IF_ERROR(put(o, ": "));
        }
        TIDAL_RETURN_IF_ERROR(text(o, c));
      } else {
        TIDAL_RETURN_IF_ERROR(text_list(o, c, named));
      }
      TIDAL_RETURN_IF_ERROR(put(o, named ? "}" : ")"));
    }
    return put(o, "}");
  default: return put(o, tidal__kind_name(t->kind));
  }
}

int tidal__schema_finish(tidal_schema *s) {
  size_t n = 0;
  plan(s, s->root, &n);
  s->nslices = n;
  s->slices = (tidal_slice_info *)tidal__arena_alloc(s, n * sizeof *s->slices);
  if (!s->slices) return TIDAL_ENOMEM;
  n = 0;
  plan(s, s->root, &n);
  size_t ni = 0;
  for (size_t k = 0; k < n; k++) {
    tidal_slice_role r = s->slices[k].role;
    if (r == TIDAL_SLICE_BITS_TAIL || r == TIDAL_SLICE_UNIT_COUNT || r == TIDAL_SLICE_OFFSET) ni++;
  }
  s->ninplace = ni;
  if (ni) {
    s->inplace = (uint32_t *)tidal__arena_alloc(s, ni * sizeof *s->inplace);
    if (!s->inplace) return TIDAL_ENOMEM;
    ni = 0;
    for (size_t k = 0; k < n; k++) {
      tidal_slice_role r = s->slices[k].role;
      if (r == TIDAL_SLICE_BITS_TAIL || r == TIDAL_SLICE_UNIT_COUNT || r == TIDAL_SLICE_OFFSET)
        s->inplace[ni++] = (uint32_t)k;
    }
  }
  const tidal_type *r = s->root;
  s->str_i64 = (r->kind == TIDAL_KIND_TUPLE || r->kind == TIDAL_KIND_STRUCT) && r->nchildren == 2 &&
               r->children[0]->kind == TIDAL_KIND_STRING && r->children[1]->kind == TIDAL_KIND_I64;
  tidal_buffer o;
  tidal_buffer_init(&o, &s->alloc);
  int rc = text(&o, s->root);
  if (rc == 0) {
    s->text = (char *)tidal__arena_alloc(s, o.len + 1);
    if (!s->text) rc = TIDAL_ENOMEM;
    else memcpy(s->text, o.data, o.len);
  }
  tidal_buffer_reset(&o);
  return rc;
}

/* ---- public --------------------------------------------------------------------------------- */

int tidal_schema_parse(const char *text_, size_t len, const tidal_allocator *a, tidal_schema **out,
                       tidal_error *err) {
  *out = NULL;
  a = tidal__allocator_or_default(a);
  tidal_schema *s = (tidal_schema *)tidal__calloc(a, sizeof *s);
  if (!s) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory parsing a schema");
  s->alloc = *a;
  atomic_init(&s->refs, 1);
  int rc = tidal__schema_parse_tree(s, text_, len, err);
  if (rc == 0) rc = tidal__schema_finish(s);
  if (rc < 0) {
    if (rc == TIDAL_ENOMEM) tidal_error_set(err, TIDAL_ENOMEM, "out of memory parsing a schema");
    tidal__schema_destroy(s);
    return rc;
  }
  *out = s;
  return 0;
}

tidal_schema *tidal_schema_ref(tidal_schema *s) {
  atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
  return s;
}

void tidal_schema_unref(tidal_schema *s) {
  if (!s) return;
  if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) tidal__schema_destroy(s);
}

const tidal_type *tidal_schema_root(const tidal_schema *s) { return s->root; }
size_t tidal_schema_slice_count(const tidal_schema *s) { return s->nslices; }
const tidal_slice_info *tidal_schema_slice(const tidal_schema *s, size_t k) {
  return k < s->nslices ? &s->slices[k] : NULL;
}
const char *tidal_schema_text(const tidal_schema *s) { return s->text; }
bool tidal_schema_equal(const tidal_schema *a, const tidal_schema *b) {
  return a == b || strcmp(a->text, b->text) == 0;
}

tidal_kind tidal_type_kind(const tidal_type *t) { return t->kind; }
size_t tidal_type_child_count(const tidal_type *t) { return t->nchildren; }
const tidal_type *tidal_type_child(const tidal_type *t, size_t i) {
  return i < t->nchildren && t->children ? t->children[i] : NULL;
}
const char *tidal_type_child_name(const tidal_type *t, size_t i) {
  return i < t->nchildren && t->names ? t->names[i] : NULL;
}
tidal_variant_shape tidal_type_variant_shape(const tidal_type *t, size_t i) {
  return t->shapes && i < t->nchildren ? (tidal_variant_shape)t->shapes[i] : TIDAL_VARIANT_UNIT;
}
size_t tidal_type_variant_field_count(const tidal_type *t, size_t i) {
  return t->nfields && i < t->nchildren ? t->nfields[i] : 0;
}
const char *tidal_type_variant_field_name(const tidal_type *t, size_t i, size_t j) {
  if (!t->shapes || i >= t->nchildren || t->shapes[i] != TIDAL_VARIANT_NAMED || j >= t->nfields[i])
    return NULL;
  return t->nfields[i] == 1 ? t->vname1[i] : t->children[i]->names[j];
}
size_t tidal_type_first_slice(const tidal_type *t) { return t->first_slice; }
size_t tidal_type_slice_count(const tidal_type *t) { return t->nslices; }
