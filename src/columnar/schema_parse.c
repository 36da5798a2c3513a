/*
** schema_parse.c: the schema text parser (recursive descent) that builds a type tree in a
** schema's arena.
**
** Grammar (whitespace allowed between any two tokens):
**   type    := prim | "vec" "<" type ">" | "option" "<" type ">"
**            | "result" "<" type "," type ">" | "(" ")" | "(" type ")" | "(" type "," [types] ")"
**            | "{" fields "}" | "enum" "{" variant ("," variant)* [","] "}"
**   fields  := field ("," field)* [","]          field := ident ":" type
**   variant := ident | ident "(" type ("," type)* [","] ")" | ident "{" fields "}"
** `()` is unit; `(A)` is A; `(A,)` is a 1-tuple. Field and variant names are unique per node.
** Invariant: on error nothing escapes (the arena dies with the schema) and the message says
** "at byte N: expected X, found Y".
*/
#include "columnar/columnar_int.h"

#include <stdio.h>

typedef struct list list;

typedef struct parser {
  tidal_schema *s;     /* arena owner */
  const char *p;       /* text */
  size_t len;          /* bytes of text */
  size_t pos;          /* next byte */
  int depth;           /* current nesting */
  tidal_error *err;    /* detail */
  list *pool[2 * (TIDAL__SCHEMA_MAX_DEPTH + 2)]; /* scratch lists, two per depth, freed at the end */
} parser;

static const struct {
  const char *name;
  tidal_kind kind;
  uint32_t size;
} prims[] = {
    {"u8", TIDAL_KIND_U8, 1},        {"u16", TIDAL_KIND_U16, 2},     {"u32", TIDAL_KIND_U32, 4},
    {"u64", TIDAL_KIND_U64, 8},      {"i8", TIDAL_KIND_I8, 1},       {"i16", TIDAL_KIND_I16, 2},
    {"i32", TIDAL_KIND_I32, 4},      {"i64", TIDAL_KIND_I64, 8},     {"f32", TIDAL_KIND_F32, 4},
    {"f64", TIDAL_KIND_F64, 8},      {"usize", TIDAL_KIND_USIZE, 8}, {"isize", TIDAL_KIND_ISIZE, 8},
    {"char", TIDAL_KIND_CHAR, 4},    {"u128", TIDAL_KIND_U128, 16},  {"i128", TIDAL_KIND_I128, 16},
    {"bool", TIDAL_KIND_BOOL, 0},    {"unit", TIDAL_KIND_UNIT, 0},   {"string", TIDAL_KIND_STRING, 0},
};

static void ws(parser *ps) {
  while (ps->pos < ps->len) {
    char c = ps->p[ps->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ps->pos++;
  }
}

static bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

/* Report "expected X, found <what is at pos>". */
static int expected(parser *ps, const char *what) {
  if (ps->pos >= ps->len)
    return tidal_error_set(ps->err, TIDAL_ESCHEMA, "at byte %zu: expected %s, found end of input",
                           ps->pos, what);
  size_t n = 1;
  if (is_ident_start(ps->p[ps->pos]))
    while (ps->pos + n < ps->len && is_ident(ps->p[ps->pos + n]) && n < 40) n++;
  unsigned char c = (unsigned char)ps->p[ps->pos];
  if (c < 0x20 || c >= 0x7f)
    return tidal_error_set(ps->err, TIDAL_ESCHEMA, "at byte %zu: expected %s, found byte 0x%02x",
                           ps->pos, what, c);
  return tidal_error_set(ps->err, TIDAL_ESCHEMA, "at byte %zu: expected %s, found '%.*s'", ps->pos,
                         what, (int)n, ps->p + ps->pos);
}

/* Consume character c (after whitespace) or fail. */
static int eat(parser *ps, char c, const char *what) {
  ws(ps);
  if (ps->pos < ps->len && ps->p[ps->pos] == c) {
    ps->pos++;
    return 0;
  }
  return expected(ps, what);
}

static bool peek(parser *ps, char c) {
  ws(ps);
  return ps->pos < ps->len && ps->p[ps->pos] == c;
}

/* An identifier copied into the arena. */
static int ident(parser *ps, const char *what, const char **out, size_t *at) {
  ws(ps);
  if (ps->pos >= ps->len || !is_ident_start(ps->p[ps->pos])) return expected(ps, what);
  size_t start = ps->pos;
  while (ps->pos < ps->len && is_ident(ps->p[ps->pos])) ps->pos++;
  size_t n = ps->pos - start;
  char *name = (char *)tidal__arena_alloc(ps->s, n + 1);
  if (!name) return TIDAL_ENOMEM;
  memcpy(name, ps->p + start, n);
  if (at) *at = start;
  *out = name;
  return 0;
}

static tidal_type *node(parser *ps, tidal_kind k, uint32_t n) {
  tidal_type *t = (tidal_type *)tidal__arena_alloc(ps->s, sizeof *t);
  if (!t) return NULL;
  t->kind = k;
  t->nchildren = n;
  if (n) {
    t->children = (tidal_type **)tidal__arena_alloc(ps->s, n * sizeof *t->children);
    if (!t->children) return NULL;
  }
  return t;
}

/* A growable list of (node, name, position) while parsing a composite. */
struct list {
  tidal_type *t[TIDAL__MAX_VARIANTS + 1];
  const char *name[TIDAL__MAX_VARIANTS + 1];
  uint8_t shape[TIDAL__MAX_VARIANTS + 1];
  uint32_t nfields[TIDAL__MAX_VARIANTS + 1];
  const char *vname1[TIDAL__MAX_VARIANTS + 1];
  uint32_t n;
};

/*
** A scratch list for a composite at the current depth (slot 0: its members; slot 1: an enum
** variant's fields). Reused by every composite at that depth, so the scratch memory is bounded
** by the nesting, not by the length of the text; freed when the parse ends.
*/
static list *get_list(parser *ps, int slot) {
  list **l = &ps->pool[2 * ps->depth + slot];
  if (!*l) *l = (list *)tidal__alloc(&ps->s->alloc, sizeof(list));
  if (*l) (*l)->n = 0;
  return *l;
}

static int parse_type(parser *ps, tidal_type **out);

static int dup_name(parser *ps, const list *l, const char *name, size_t at, const char *what) {
  for (uint32_t i = 0; i < l->n; i++)
    if (strcmp(l->name[i], name) == 0)
      return tidal_error_set(ps->err, TIDAL_ESCHEMA,
                             "at byte %zu: expected a new %s name, found duplicate '%s'", at, what,
                             name);
  return 0;
}

static int list_push(parser *ps, list *l, const char *what) {
  if (l->n >= TIDAL__MAX_VARIANTS)
    return tidal_error_set(ps->err, TIDAL_ESCHEMA, "at byte %zu: expected at most %d %ss, found more",
                           ps->pos, TIDAL__MAX_VARIANTS, what);
  l->n++;
  return 0;
}

/* Copy a list into a node's arrays. */
static int list_node(parser *ps, list *l, tidal_kind k, bool names, tidal_type **out) {
  tidal_type *t = node(ps, k, l->n);
  if (!t) return TIDAL_ENOMEM;
  if (k != TIDAL_KIND_UNIT_ENUM) memcpy(t->children, l->t, l->n * sizeof *t->children);
  if (names) {
    t->names = (const char **)tidal__arena_alloc(ps->s, l->n * sizeof *t->names);
    if (!t->names) return TIDAL_ENOMEM;
    memcpy(t->names, l->name, l->n * sizeof *t->names);
  }
  *out = t;
  return 0;
}

/* `{a: A, b: B}` after the '{'; stops before '}'. */
static int parse_fields(parser *ps, list *l) {
  for (;;) {
    const char *name;
    size_t at;
    TIDAL_RETURN_IF_ERROR(ident(ps, "a field name", &name, &at));
    TIDAL_RETURN_IF_ERROR(dup_name(ps, l, name, at, "field"));
    TIDAL_RETURN_IF_ERROR(eat(ps, ':', "':'"));
    TIDAL_RETURN_IF_ERROR(list_push(ps, l, "field"));
    l->name[l->n - 1] = name;
    TIDAL_RETURN_IF_ERROR(parse_type(ps, &l->t[l->n - 1]));
    if (peek(ps, '}')) return 0;
    TIDAL_RETURN_IF_ERROR(eat(ps, ',', "',' or '}'"));
    if (peek(ps, '}')) return 0;
  }
}

/* `(A, B, ...)` after the '('; consumes ')'. Sets *trailing when a ',' preceded ')'. */
static int parse_types(parser *ps, list *l, bool *trailing) {
  *trailing = false;
  for (;;) {
    TIDAL_RETURN_IF_ERROR(list_push(ps, l, "field"));
    l->name[l->n - 1] = NULL;
    TIDAL_RETURN_IF_ERROR(parse_type(ps, &l->t[l->n - 1]));
    if (peek(ps, ')')) break;
    TIDAL_RETURN_IF_ERROR(eat(ps, ',', "',' or ')'"));
    if (peek(ps, ')')) {
      *trailing = true;
      break;
    }
  }
  ps->pos++;
  return 0;
}

static int parse_enum(parser *ps, tidal_type **out) {
  TIDAL_RETURN_IF_ERROR(eat(ps, '{', "'{'"));
  list *l = get_list(ps, 0);
  if (!l) return TIDAL_ENOMEM;
  bool any_data = false;
  for (;;) {
    const char *name;
    size_t at;
    TIDAL_RETURN_IF_ERROR(ident(ps, "a variant name", &name, &at));
    TIDAL_RETURN_IF_ERROR(dup_name(ps, l, name, at, "variant"));
    TIDAL_RETURN_IF_ERROR(list_push(ps, l, "variant"));
    uint32_t i = l->n - 1;
    l->name[i] = name;
    l->vname1[i] = NULL;
    if (peek(ps, '(')) {
      ps->pos++;
      list *f = get_list(ps, 1);
      if (!f) return TIDAL_ENOMEM;
      bool trailing;
      if (peek(ps, ')')) return expected(ps, "a type");
      TIDAL_RETURN_IF_ERROR(parse_types(ps, f, &trailing));
      l->shape[i] = TIDAL_VARIANT_TUPLE;
      l->nfields[i] = f->n;
      if (f->n == 1) l->t[i] = f->t[0];
      else TIDAL_RETURN_IF_ERROR(list_node(ps, f, TIDAL_KIND_TUPLE, false, &l->t[i]));
      any_data = true;
    } else if (peek(ps, '{')) {
      ps->pos++;
      list *f = get_list(ps, 1);
      if (!f) return TIDAL_ENOMEM;
      TIDAL_RETURN_IF_ERROR(parse_fields(ps, f));
      ps->pos++; /* '}' */
      l->shape[i] = TIDAL_VARIANT_NAMED;
      l->nfields[i] = f->n;
      if (f->n == 1) {
        l->t[i] = f->t[0];
        l->vname1[i] = f->name[0];
      } else {
        TIDAL_RETURN_IF_ERROR(list_node(ps, f, TIDAL_KIND_STRUCT, true, &l->t[i]));
      }
      any_data = true;
    } else {
      l->shape[i] = TIDAL_VARIANT_UNIT;
      l->nfields[i] = 0;
      l->t[i] = node(ps, TIDAL_KIND_UNIT, 0);
      if (!l->t[i]) return TIDAL_ENOMEM;
    }
    if (peek(ps, '}')) break;
    TIDAL_RETURN_IF_ERROR(eat(ps, ',', "',' or '}'"));
    if (peek(ps, '}')) break;
  }
  ps->pos++;
  tidal_type *t;
  TIDAL_RETURN_IF_ERROR(
      list_node(ps, l, any_data ? TIDAL_KIND_ENUM : TIDAL_KIND_UNIT_ENUM, true, &t));
  t->shapes = (uint8_t *)tidal__arena_alloc(ps->s, l->n);
  t->nfields = (uint32_t *)tidal__arena_alloc(ps->s, l->n * sizeof(uint32_t));
  t->vname1 = (const char **)tidal__arena_alloc(ps->s, l->n * sizeof(char *));
  if (!t->shapes || !t->nfields || !t->vname1) return TIDAL_ENOMEM;
  memcpy(t->shapes, l->shape, l->n);
  memcpy(t->nfields, l->nfields, l->n * sizeof(uint32_t));
  memcpy(t->vname1, l->vname1, l->n * sizeof(char *));
  *out = t;
  return 0;
}

static int parse_type_inner(parser *ps, tidal_type **out) {
  ws(ps);
  if (ps->pos >= ps->len) return expected(ps, "a type");
  char c = ps->p[ps->pos];
  if (c == '(') {
    ps->pos++;
    if (peek(ps, ')')) {
      ps->pos++;
      *out = node(ps, TIDAL_KIND_UNIT, 0);
      return *out ? 0 : TIDAL_ENOMEM;
    }
    list *l = get_list(ps, 0);
    if (!l) return TIDAL_ENOMEM;
    bool trailing;
    TIDAL_RETURN_IF_ERROR(parse_types(ps, l, &trailing));
    if (l->n == 1 && !trailing) {
      *out = l->t[0];
      return 0;
    }
    return list_node(ps, l, TIDAL_KIND_TUPLE, false, out);
  }
  if (c == '{') {
    ps->pos++;
    list *l = get_list(ps, 0);
    if (!l) return TIDAL_ENOMEM;
    TIDAL_RETURN_IF_ERROR(parse_fields(ps, l));
    ps->pos++;
    return list_node(ps, l, TIDAL_KIND_STRUCT, true, out);
  }
  if (!is_ident_start(c)) return expected(ps, "a type");
  size_t start = ps->pos, n = 0;
  while (start + n < ps->len && is_ident(ps->p[start + n])) n++;
#define KW(s) (n == sizeof(s) - 1 && memcmp(ps->p + start, s, n) == 0)
  for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++) {
    if (strlen(prims[i].name) == n && memcmp(ps->p + start, prims[i].name, n) == 0) {
      ps->pos += n;
      *out = node(ps, prims[i].kind, 0);
      if (!*out) return TIDAL_ENOMEM;
      (*out)->elem_size = prims[i].size;
      return 0;
    }
  }
  if (KW("vec") || KW("option")) {
    ps->pos += n;
    tidal_type *t = node(ps, KW("vec") ? TIDAL_KIND_VEC : TIDAL_KIND_OPTION, 1);
    if (!t) return TIDAL_ENOMEM;
    TIDAL_RETURN_IF_ERROR(eat(ps, '<', "'<'"));
    TIDAL_RETURN_IF_ERROR(parse_type(ps, &t->children[0]));
    TIDAL_RETURN_IF_ERROR(eat(ps, '>', "'>'"));
    *out = t;
    return 0;
  }
  if (KW("result")) {
    ps->pos += n;
    tidal_type *t = node(ps, TIDAL_KIND_RESULT, 2);
    if (!t) return TIDAL_ENOMEM;
    TIDAL_RETURN_IF_ERROR(eat(ps, '<', "'<'"));
    TIDAL_RETURN_IF_ERROR(parse_type(ps, &t->children[0]));
    TIDAL_RETURN_IF_ERROR(eat(ps, ',', "','"));
    TIDAL_RETURN_IF_ERROR(parse_type(ps, &t->children[1]));
    TIDAL_RETURN_IF_ERROR(eat(ps, '>', "'>'"));
    *out = t;
    return 0;
  }
  if (KW("enum")) {
    ps->pos += n;
    return parse_enum(ps, out);
  }
#undef KW
  return expected(ps, "a type");
}

static int parse_type(parser *ps, tidal_type **out) {
  if (++ps->depth > TIDAL__SCHEMA_MAX_DEPTH) {
    ws(ps);
    return tidal_error_set(ps->err, TIDAL_ESCHEMA,
                           "at byte %zu: expected at most %d levels of nesting, found more",
                           ps->pos, TIDAL__SCHEMA_MAX_DEPTH);
  }
  int rc = parse_type_inner(ps, out);
  ps->depth--;
  return rc;
}

int tidal__schema_parse_tree(tidal_schema *s, const char *text, size_t len, tidal_error *err) {
  parser ps = {s, text, len, 0, 0, err, {0}};
  int rc = parse_type(&ps, &s->root);
  if (rc == 0) {
    ws(&ps);
    if (ps.pos != len) rc = expected(&ps, "end of input");
  }
  for (size_t i = 0; i < sizeof ps.pool / sizeof ps.pool[0]; i++)
    tidal__free(&s->alloc, ps.pool[i], sizeof(list));
  return rc;
}
