/*
** module.c: the check of an untrusted .wasm binary against the WebAssembly binary format and the
** tidal guest ABI, done before any tool (wasm-validate, wasm2c, cc) sees the bytes.
**
** It decodes every section and every instruction of every function body with bounds checks, and
** refuses: not wasm, truncated input (naming the byte offset), sections out of order, imports
** other than tidal.log(i32, i32), SIMD (v128 types or 0xfd opcodes), threads/atomics, exception
** handling, multiple or 64-bit or shared memories, memories above 65535 pages, and missing or
** mistyped required exports (memory, tidal_abi_1, tidal_describe, tidal_alloc; tidal_init and
** tidal_last_error when present).
**
** Invariant: the reader never indexes `bytes` at or past `end`; every failure names an offset.
** This is not a full validator (no operand-stack typing): wasm-validate and wasm2c do that next.
*/
#include "wasm/wasm_int.h"

#include <stdio.h>

/* A bounded cursor over the module bytes. */
typedef struct {
  const uint8_t *base; /* start of the module (offsets in messages are relative to it) */
  const uint8_t *p;    /* next byte */
  const uint8_t *end;  /* one past the last byte of the current region */
  tidal_error *err;
} rd;

typedef struct {
  uint32_t n_params, n_results;
  uint8_t params[2];  /* the first two parameter types (enough to classify our signatures) */
  uint8_t result;     /* the first result type */
} ftype;

#define VT_I32 0x7f
#define VT_I64 0x7e
#define VT_F32 0x7d
#define VT_F64 0x7c
#define VT_V128 0x7b
#define VT_FUNCREF 0x70
#define VT_EXTERNREF 0x6f

static size_t off(const rd *r) { return (size_t)(r->p - r->base); }

static int bad(rd *r, const char *fmt, const char *what) {
  char buf[256];
  snprintf(buf, sizeof buf, fmt, what);
  tidal_error_set(r->err, TIDAL_EWASM, "invalid module at byte offset %zu: %s", off(r), buf);
  return TIDAL_EWASM;
}

static int truncated(rd *r, const char *what) {
  tidal_error_set(r->err, TIDAL_EWASM,
                         "truncated module: %s at byte offset %zu runs past the end of its "
                         "%s (which ends at byte offset %zu)",
                         what, off(r), r->end == r->base ? "file" : "section or body",
                         (size_t)(r->end - r->base));
  return TIDAL_EWASM;
}

static int u8(rd *r, uint8_t *out, const char *what) {
  if (r->p >= r->end) return truncated(r, what);
  *out = *r->p++;
  return 0;
}

/* Unsigned LEB128 of at most `bits` bits. */
static int uleb(rd *r, unsigned bits, uint64_t *out, const char *what) {
  uint64_t v = 0;
  unsigned shift = 0;
  const uint8_t *start = r->p;
  for (;;) {
    if (r->p >= r->end) return truncated(r, what);
    uint8_t b = *r->p++;
    if (shift >= bits || (shift + 7 > bits && (b & 0x7f) >> (bits - shift) != 0)) {
      r->p = start;
      return bad(r, "%s: integer too large or overlong", what);
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  *out = v;
  return 0;
}

static int u32v(rd *r, uint32_t *out, const char *what) {
  uint64_t v;
  TIDAL_RETURN_IF_ERROR(uleb(r, 32, &v, what));
  *out = (uint32_t)v;
  return 0;
}

/* Signed LEB128: only its length and bounds matter here. */
static int sleb(rd *r, unsigned bits, const char *what) {
  unsigned n = 0, max = (bits + 6) / 7;
  for (;;) {
    if (r->p >= r->end) return truncated(r, what);
    uint8_t b = *r->p++;
    if (++n > max) return bad(r, "%s: integer too long", what);
    if (!(b & 0x80)) return 0;
  }
}

static int skip(rd *r, uint64_t n, const char *what) {
  if (n > (uint64_t)(r->end - r->p)) return truncated(r, what);
  r->p += n;
  return 0;
}

static int name(rd *r, const uint8_t **s, uint32_t *n, const char *what) {
  TIDAL_RETURN_IF_ERROR(u32v(r, n, what));
  *s = r->p;
  return skip(r, *n, what);
}

static int valtype(rd *r, uint8_t *t, const char *what) {
  TIDAL_RETURN_IF_ERROR(u8(r, t, what));
  switch (*t) {
    case VT_I32: case VT_I64: case VT_F32: case VT_F64: case VT_FUNCREF: case VT_EXTERNREF:
      return 0;
    case VT_V128:
      r->p--;
      return bad(r, "%s is v128: SIMD is not supported (build the guest without -msimd128)", what);
    default:
      r->p--;
      return bad(r, "%s: unknown value type", what);
  }
}

static int limits(rd *r, uint32_t *min, uint32_t *max, bool is_mem) {
  uint8_t flags;
  TIDAL_RETURN_IF_ERROR(u8(r, &flags, "limits"));
  if (flags > 1) {
    r->p--;
    if (is_mem && (flags & 2)) return bad(r, "%s", "shared memory (threads) is not supported");
    if (is_mem && (flags & 4)) return bad(r, "%s", "64-bit memory is not supported");
    return bad(r, "%s", "invalid limits flags");
  }
  TIDAL_RETURN_IF_ERROR(u32v(r, min, "limits minimum"));
  *max = UINT32_MAX;
  if (flags == 1) {
    TIDAL_RETURN_IF_ERROR(u32v(r, max, "limits maximum"));
    if (*max < *min) return bad(r, "%s", "limits maximum is below the minimum");
  }
  if (is_mem && (*min > 65535 || (flags == 1 && *max > 65536)))
    return bad(r, "%s", "memory larger than 65535 pages");
  return 0;
}

/* A constant expression (global initializers, segment offsets): one instruction, then end. */
static int const_expr(rd *r) {
  for (;;) {
    uint8_t op;
    TIDAL_RETURN_IF_ERROR(u8(r, &op, "constant expression"));
    uint32_t idx;
    switch (op) {
      case 0x0b: return 0;
      case 0x41: TIDAL_RETURN_IF_ERROR(sleb(r, 32, "i32.const")); break;
      case 0x42: TIDAL_RETURN_IF_ERROR(sleb(r, 64, "i64.const")); break;
      case 0x43: TIDAL_RETURN_IF_ERROR(skip(r, 4, "f32.const")); break;
      case 0x44: TIDAL_RETURN_IF_ERROR(skip(r, 8, "f64.const")); break;
      case 0x23: TIDAL_RETURN_IF_ERROR(u32v(r, &idx, "global.get")); break;
      case 0xd0: TIDAL_RETURN_IF_ERROR(u8(r, &op, "ref.null type")); break;
      case 0xd2: TIDAL_RETURN_IF_ERROR(u32v(r, &idx, "ref.func")); break;
      case 0xfd:
        r->p--;
        return bad(r, "%s", "SIMD instruction in a constant expression: SIMD is not supported");
      default:
        r->p--;
        return bad(r, "%s", "unsupported instruction in a constant expression");
    }
  }
}

static int blocktype(rd *r) {
  if (r->p >= r->end) return truncated(r, "block type");
  uint8_t b = *r->p;
  if (b == 0x40) return r->p++, 0;
  if (b >= 0x6f && b <= 0x7f) {
    uint8_t t;
    return valtype(r, &t, "block result type");
  }
  return sleb(r, 33, "block type index");
}

static int memarg(rd *r) {
  uint32_t align, offset;
  TIDAL_RETURN_IF_ERROR(u32v(r, &align, "memory alignment"));
  if (align & 0x40) return bad(r, "%s", "multi-memory access is not supported");
  return u32v(r, &offset, "memory offset");
}

/* Decode every instruction of one body, so no SIMD/atomic/exception opcode can hide in it. */
static int body(rd *r) {
  uint32_t n_groups;
  TIDAL_RETURN_IF_ERROR(u32v(r, &n_groups, "local declarations"));
  for (uint32_t i = 0; i < n_groups; i++) {
    uint32_t count;
    uint8_t t;
    TIDAL_RETURN_IF_ERROR(u32v(r, &count, "local count"));
    TIDAL_RETURN_IF_ERROR(valtype(r, &t, "a local"));
  }
  while (r->p < r->end) {
    uint8_t op = *r->p++;
    uint32_t x, n;
    if (op >= 0x45 && op <= 0xc4) continue; /* numeric instructions without immediates */
    switch (op) {
      case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        break;
      case 0x02: case 0x03: case 0x04: TIDAL_RETURN_IF_ERROR(blocktype(r)); break;
      case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
      case 0x25: case 0x26: case 0xd2:
        TIDAL_RETURN_IF_ERROR(u32v(r, &x, "index immediate"));
        break;
      case 0x0e:
        TIDAL_RETURN_IF_ERROR(u32v(r, &n, "br_table size"));
        for (uint64_t i = 0; i <= n; i++) TIDAL_RETURN_IF_ERROR(u32v(r, &x, "br_table target"));
        break;
      case 0x11:
        TIDAL_RETURN_IF_ERROR(u32v(r, &x, "call_indirect type"));
        TIDAL_RETURN_IF_ERROR(u32v(r, &x, "call_indirect table"));
        break;
      case 0x1c:
        TIDAL_RETURN_IF_ERROR(u32v(r, &n, "select types"));
        for (uint32_t i = 0; i < n; i++) {
          uint8_t t;
          TIDAL_RETURN_IF_ERROR(valtype(r, &t, "select type"));
        }
        break;
      case 0x3f: case 0x40: {
        uint8_t m;
        TIDAL_RETURN_IF_ERROR(u8(r, &m, "memory index"));
        if (m != 0) return r->p--, bad(r, "%s", "multi-memory is not supported");
        break;
      }
      case 0x41: TIDAL_RETURN_IF_ERROR(sleb(r, 32, "i32.const")); break;
      case 0x42: TIDAL_RETURN_IF_ERROR(sleb(r, 64, "i64.const")); break;
      case 0x43: TIDAL_RETURN_IF_ERROR(skip(r, 4, "f32.const")); break;
      case 0x44: TIDAL_RETURN_IF_ERROR(skip(r, 8, "f64.const")); break;
      case 0xd0: TIDAL_RETURN_IF_ERROR(u8(r, &op, "ref.null type")); break;
      case 0xfc: {
        uint32_t sub;
        TIDAL_RETURN_IF_ERROR(u32v(r, &sub, "0xfc sub-opcode"));
        switch (sub) {
          case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: break;
          case 8: TIDAL_RETURN_IF_ERROR(u32v(r, &x, "memory.init segment")); /* fallthrough */
          case 11: TIDAL_RETURN_IF_ERROR(skip(r, 1, "memory index")); break;
          case 10: TIDAL_RETURN_IF_ERROR(skip(r, 2, "memory indices")); break;
          case 9: case 13: case 15: case 16: case 17:
            TIDAL_RETURN_IF_ERROR(u32v(r, &x, "index immediate"));
            break;
          case 12: case 14:
            TIDAL_RETURN_IF_ERROR(u32v(r, &x, "index immediate"));
            TIDAL_RETURN_IF_ERROR(u32v(r, &x, "index immediate"));
            break;
          default: return bad(r, "%s", "unknown 0xfc instruction");
        }
        break;
      }
      case 0xfd:
        r->p--;
        return bad(r, "%s", "SIMD instruction (0xfd prefix): SIMD is not supported "
                            "(build the guest without -msimd128)");
      case 0xfe:
        r->p--;
        return bad(r, "%s", "atomic instruction (0xfe prefix): threads are not supported");
      case 0x06: case 0x07: case 0x08: case 0x09: case 0x18: case 0x19:
        r->p--;
        return bad(r, "%s", "exception-handling instruction: not supported");
      case 0x12: case 0x13:
        r->p--;
        return bad(r, "%s", "tail call: not supported");
      default:
        if (op >= 0x28 && op <= 0x3e) {
          TIDAL_RETURN_IF_ERROR(memarg(r));
          break;
        }
        r->p--;
        {
          char what[32];
          snprintf(what, sizeof what, "0x%02x", op);
          return bad(r, "unknown opcode %s", what);
        }
    }
  }
  if (r->p == r->base || r->p[-1] != 0x0b) return bad(r, "%s", "function body does not end with 'end'");
  return 0;
}

static int sig_of(const ftype *t) {
  if (t->n_params == 0 && t->n_results == 0) return TIDAL__SIG_V_V;
  if (t->n_params == 0 && t->n_results == 1 && t->result == VT_I32) return TIDAL__SIG_V_I32;
  if (t->n_params == 1 && t->n_results == 1 && t->params[0] == VT_I32 && t->result == VT_I32)
    return TIDAL__SIG_I32_I32;
  if (t->n_params == 2 && t->n_results == 1 && t->params[0] == VT_I32 && t->params[1] == VT_I32) {
    if (t->result == VT_I32) return TIDAL__SIG_II_I32;
    if (t->result == VT_I64) return TIDAL__SIG_II_I64;
  }
  return TIDAL__SIG_OTHER;
}

static const char *sig_text(int sig) {
  switch (sig) {
    case TIDAL__SIG_V_V: return "() -> ()";
    case TIDAL__SIG_V_I32: return "() -> i32";
    case TIDAL__SIG_I32_I32: return "(i32) -> i32";
    case TIDAL__SIG_II_I32: return "(i32, i32) -> i32";
    case TIDAL__SIG_II_I64: return "(i32, i32) -> i64";
    default: return "another signature";
  }
}

/* Section ids in the order the format requires (datacount 12 sits between element and code). */
static int section_rank(uint8_t id) {
  static const int rank[14] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  return id < 14 ? rank[id] : -1;
}

static const char *section_name(uint8_t id) {
  static const char *const names[14] = {"custom", "type",   "import", "function", "table",
                                        "memory", "global", "export", "start",    "element",
                                        "code",   "data",   "data count", "tag"};
  return id < 14 ? names[id] : "unknown";
}

void tidal__wasm_info_reset(tidal__wasm_info *info) {
  if (!info || !info->alloc) return;
  for (size_t i = 0; i < info->n_exports; i++)
    tidal__free(info->alloc, info->exports[i].name, info->exports[i].name_len + 1);
  tidal__free(info->alloc, info->exports, info->n_exports * sizeof *info->exports);
  info->exports = NULL;
  info->n_exports = 0;
}

const tidal__wasm_export *tidal__wasm_info_find(const tidal__wasm_info *info, const char *nm) {
  size_t n = strlen(nm);
  for (size_t i = 0; i < info->n_exports; i++)
    if (info->exports[i].name_len == n && !memcmp(info->exports[i].name, nm, n))
      return &info->exports[i];
  return NULL;
}

typedef struct {
  const tidal_allocator *alloc;
  ftype *types;
  uint32_t n_types;
  uint32_t *func_types; /* type index of every function (imports first) */
  uint32_t n_funcs, n_imported_funcs;
  uint32_t n_memories;
  bool saw_code;
  uint32_t n_bodies;
  bool saw_datacount, saw_data; /* a data count section promises a data section */
  uint32_t datacount;
} state;

static int check_required(tidal__wasm_info *info, rd *r) {
  static const struct {
    const char *name;
    int sig;
    bool required;
  } req[] = {{"tidal_abi_1", TIDAL__SIG_V_V, true},
             {"tidal_describe", TIDAL__SIG_V_I32, true},
             {"tidal_alloc", TIDAL__SIG_I32_I32, true},
             {"tidal_init", TIDAL__SIG_II_I32, false},
             {"tidal_last_error", TIDAL__SIG_V_I32, false}};
  const tidal__wasm_export *mem = tidal__wasm_info_find(info, "memory");
  if (!mem || mem->kind != 2)
    return tidal_error_set(r->err, TIDAL_EWASM,
                           "module does not export its linear memory as 'memory' (required by the "
                           "tidal guest ABI)");
  for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
    const tidal__wasm_export *e = tidal__wasm_info_find(info, req[i].name);
    if (!e) {
      if (!req[i].required) continue;
      return tidal_error_set(r->err, TIDAL_EWASM,
                             "module lacks the required export '%s' %s (tidal guest ABI 1)",
                             req[i].name, sig_text(req[i].sig));
    }
    if (e->kind != 0 || e->sig != req[i].sig)
      return tidal_error_set(r->err, TIDAL_EWASM,
                             "export '%s' has the wrong signature: expected a function %s, found "
                             "%s",
                             req[i].name, sig_text(req[i].sig),
                             e->kind != 0 ? "a non-function export" : sig_text(e->sig));
  }
  return 0;
}

static int sections(rd *r, state *st, tidal__wasm_info *info) {
  int last_rank = 0;
  while (r->p < r->end) {
    const uint8_t *section_start = r->p;
    uint8_t id;
    uint32_t size;
    TIDAL_RETURN_IF_ERROR(u8(r, &id, "section id"));
    TIDAL_RETURN_IF_ERROR(u32v(r, &size, "section size"));
    if (size > (size_t)(r->end - r->p)) {
      return tidal_error_set(r->err, TIDAL_EWASM,
                             "truncated module: the %s section at byte offset %zu declares %u "
                             "bytes, but the file ends at byte offset %zu",
                             section_name(id), (size_t)(section_start - r->base), size,
                             (size_t)(r->end - r->base));
    }
    int rank = section_rank(id);
    if (rank < 0) {
      r->p = section_start;
      return bad(r, "%s", "unknown section id");
    }
    if (id == 13) {
      r->p = section_start;
      return bad(r, "%s", "tag section: exception handling is not supported");
    }
    if (id != 0) {
      if (rank <= last_rank) {
        r->p = section_start;
        return bad(r, "%s section is out of order or repeated", section_name(id));
      }
      last_rank = rank;
    }
    rd s = {r->base, r->p, r->p + size, r->err};
    uint32_t n;
    switch (id) {
      case 0: {
        const uint8_t *nm;
        uint32_t nl;
        TIDAL_RETURN_IF_ERROR(name(&s, &nm, &nl, "custom section name"));
        s.p = s.end;
        break;
      }
      case 1:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "type count"));
        if (n > (size_t)(s.end - s.p)) return truncated(&s, "type entries");
        st->types = tidal__calloc(st->alloc, (n ? n : 1) * sizeof *st->types);
        if (!st->types) return tidal_error_set(r->err, TIDAL_ENOMEM, "out of memory");
        st->n_types = n;
        for (uint32_t i = 0; i < n; i++) {
          uint8_t form, t;
          TIDAL_RETURN_IF_ERROR(u8(&s, &form, "type form"));
          if (form != 0x60) return s.p--, bad(&s, "%s", "type is not a function type");
          ftype *ft = &st->types[i];
          TIDAL_RETURN_IF_ERROR(u32v(&s, &ft->n_params, "parameter count"));
          for (uint32_t k = 0; k < ft->n_params; k++) {
            TIDAL_RETURN_IF_ERROR(valtype(&s, &t, "a parameter"));
            if (k < 2) ft->params[k] = t;
          }
          TIDAL_RETURN_IF_ERROR(u32v(&s, &ft->n_results, "result count"));
          for (uint32_t k = 0; k < ft->n_results; k++) {
            TIDAL_RETURN_IF_ERROR(valtype(&s, &t, "a result"));
            if (k == 0) ft->result = t;
          }
        }
        break;
      case 2:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "import count"));
        for (uint32_t i = 0; i < n; i++) {
          const uint8_t *mod, *fld;
          uint32_t ml, fl, ti;
          uint8_t kind;
          const uint8_t *at = s.p;
          TIDAL_RETURN_IF_ERROR(name(&s, &mod, &ml, "import module name"));
          TIDAL_RETURN_IF_ERROR(name(&s, &fld, &fl, "import field name"));
          TIDAL_RETURN_IF_ERROR(u8(&s, &kind, "import kind"));
          bool is_log = ml == 5 && !memcmp(mod, "tidal", 5) && fl == 3 && !memcmp(fld, "log", 3);
          if (!is_log || kind != 0 || info->imports_log) {
            char shown[160];
            snprintf(shown, sizeof shown, "%.*s.%.*s", (int)(ml > 60 ? 60 : ml), (const char *)mod,
                     (int)(fl > 60 ? 60 : fl), (const char *)fld);
            for (char *c = shown; *c; c++)
              if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
            return tidal_error_set(r->err, TIDAL_EWASM,
                                   "module imports '%s' (byte offset %zu): the only import a tidal "
                                   "guest may have is the function tidal.log(i32, i32)",
                                   shown, (size_t)(at - r->base));
          }
          TIDAL_RETURN_IF_ERROR(u32v(&s, &ti, "import type index"));
          if (ti >= st->n_types) return bad(&s, "%s", "import type index out of range");
          const ftype *ft = &st->types[ti];
          if (!(ft->n_params == 2 && ft->n_results == 0 && ft->params[0] == VT_I32 &&
                ft->params[1] == VT_I32))
            return tidal_error_set(r->err, TIDAL_EWASM,
                                   "module imports tidal.log with the wrong signature (byte "
                                   "offset %zu): expected (i32, i32) -> ()",
                                   (size_t)(at - r->base));
          info->imports_log = true;
          st->n_imported_funcs = 1;
        }
        break;
      case 3: {
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "function count"));
        if (n > (size_t)(s.end - s.p)) return truncated(&s, "function entries");
        uint32_t total = n + st->n_imported_funcs;
        st->func_types = tidal__alloc(st->alloc, (size_t)total * sizeof(uint32_t) + 4);
        if (!st->func_types) return tidal_error_set(r->err, TIDAL_ENOMEM, "out of memory");
        st->n_funcs = total;
        if (st->n_imported_funcs) st->func_types[0] = UINT32_MAX; /* tidal.log: never exported */
        for (uint32_t i = 0; i < n; i++) {
          uint32_t ti;
          TIDAL_RETURN_IF_ERROR(u32v(&s, &ti, "function type index"));
          if (ti >= st->n_types) return bad(&s, "%s", "function type index out of range");
          st->func_types[st->n_imported_funcs + i] = ti;
        }
        break;
      }
      case 4:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "table count"));
        for (uint32_t i = 0; i < n; i++) {
          uint8_t t;
          uint32_t mn, mx;
          TIDAL_RETURN_IF_ERROR(valtype(&s, &t, "a table element"));
          if (t != VT_FUNCREF && t != VT_EXTERNREF) return bad(&s, "%s", "table of a non-reference type");
          TIDAL_RETURN_IF_ERROR(limits(&s, &mn, &mx, false));
        }
        break;
      case 5:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "memory count"));
        if (n > 1)
          return bad(&s, "%s", "module declares several memories (multi-memory is not supported)");
        for (uint32_t i = 0; i < n; i++)
          TIDAL_RETURN_IF_ERROR(limits(&s, &info->mem_min, &info->mem_max, true));
        st->n_memories = n;
        break;
      case 6:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "global count"));
        for (uint32_t i = 0; i < n; i++) {
          uint8_t t, mut;
          TIDAL_RETURN_IF_ERROR(valtype(&s, &t, "a global"));
          TIDAL_RETURN_IF_ERROR(u8(&s, &mut, "global mutability"));
          if (mut > 1) return s.p--, bad(&s, "%s", "invalid global mutability");
          TIDAL_RETURN_IF_ERROR(const_expr(&s));
        }
        break;
      case 7:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "export count"));
        if (n > (size_t)(s.end - s.p)) return truncated(&s, "export entries");
        info->exports = tidal__calloc(st->alloc, (n ? n : 1) * sizeof *info->exports);
        if (!info->exports) return tidal_error_set(r->err, TIDAL_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < n; i++) {
          const uint8_t *nm;
          uint32_t nl;
          tidal__wasm_export *e = &info->exports[i];
          TIDAL_RETURN_IF_ERROR(name(&s, &nm, &nl, "export name"));
          TIDAL_RETURN_IF_ERROR(u8(&s, &e->kind, "export kind"));
          TIDAL_RETURN_IF_ERROR(u32v(&s, &e->index, "export index"));
          if (e->kind > 3) return bad(&s, "%s", "unknown export kind");
          e->name = tidal__alloc(st->alloc, (size_t)nl + 1);
          if (!e->name) return tidal_error_set(r->err, TIDAL_ENOMEM, "out of memory");
          memcpy(e->name, nm, nl);
          e->name[nl] = '\0';
          e->name_len = nl;
          info->n_exports = i + 1;
          if (memchr(nm, '\0', nl)) return bad(&s, "%s", "export name contains a NUL byte");
          for (uint32_t k = 0; k < i; k++)
            if (info->exports[k].name_len == nl && !memcmp(info->exports[k].name, nm, nl))
              return bad(&s, "%s", "duplicate export name");
        }
        break;
      case 8: {
        uint32_t f;
        TIDAL_RETURN_IF_ERROR(u32v(&s, &f, "start function"));
        break;
      }
      case 11:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "data segment count"));
        if (st->saw_datacount && n != st->datacount)
          return bad(&s, "%s", "data segment count differs from the data count section");
        st->saw_data = true;
        s.p = s.end; /* segments: see below */
        break;
      case 9:
        /* Element and data segments: offsets are constant expressions and payloads are bytes or
        ** function indices; wasm-validate and wasm2c check them, and nothing in them can be SIMD
        ** that the code check would miss. Skip by the section size. */
        s.p = s.end;
        break;
      case 10:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &n, "function body count"));
        if (n != (st->func_types ? st->n_funcs - st->n_imported_funcs : 0))
          return bad(&s, "%s", "code section count differs from the function section count");
        for (uint32_t i = 0; i < n; i++) {
          uint32_t bsize;
          TIDAL_RETURN_IF_ERROR(u32v(&s, &bsize, "function body size"));
          if (bsize > (size_t)(s.end - s.p)) return truncated(&s, "function body");
          rd b = {r->base, s.p, s.p + bsize, r->err};
          TIDAL_RETURN_IF_ERROR(body(&b));
          s.p += bsize;
        }
        st->saw_code = true;
        st->n_bodies = n;
        break;
      case 12:
        TIDAL_RETURN_IF_ERROR(u32v(&s, &st->datacount, "data count"));
        st->saw_datacount = true;
        break;
    }
    if (s.p != s.end) return bad(&s, "%s section has trailing bytes", section_name(id));
    r->p = s.end;
  }
  return 0;
}

int tidal__wasm_check(const uint8_t *bytes, size_t len, const tidal_allocator *alloc,
                      tidal__wasm_info *info, tidal_error *err) {
  memset(info, 0, sizeof *info);
  info->alloc = tidal__allocator_or_default(alloc);
  info->mem_max = UINT32_MAX;
  rd r = {bytes, bytes, bytes + len, err};
  if (len < 8 || memcmp(bytes, "\0asm", 4) != 0) {
    if (len >= 4 && !memcmp(bytes, "\0asm", 4))
      return tidal_error_set(err, TIDAL_EWASM,
                             "truncated module: the header needs 8 bytes, the file has %zu", len);
    return tidal_error_set(err, TIDAL_EWASM,
                           "not a WebAssembly module: the file does not start with the magic "
                           "bytes \\0asm (%zu bytes)", len);
  }
  if (bytes[4] != 1 || bytes[5] || bytes[6] || bytes[7])
    return tidal_error_set(err, TIDAL_EWASM,
                           "unsupported WebAssembly binary version %u (only version 1)",
                           (unsigned)bytes[4] | (unsigned)bytes[5] << 8 |
                               (unsigned)bytes[6] << 16 | (unsigned)bytes[7] << 24);
  r.p += 8;
  state st = {0};
  st.alloc = info->alloc;
  int rc = sections(&r, &st, info);
  if (!st.func_types) st.n_funcs = st.n_imported_funcs;
  if (rc == 0 && st.n_funcs > st.n_imported_funcs && !st.saw_code)
    rc = tidal_error_set(err, TIDAL_EWASM,
                         "truncated module: %u functions are declared but the code section is "
                         "missing (file ends at byte offset %zu)",
                         st.n_funcs - st.n_imported_funcs, len);
  if (rc == 0 && st.saw_datacount && st.datacount && !st.saw_data)
    rc = tidal_error_set(err, TIDAL_EWASM,
                         "truncated module: the data count section announces %u data segments but "
                         "the data section is missing (file ends at byte offset %zu)",
                         st.datacount, len);
  if (rc == 0 && st.n_memories == 0)
    rc = tidal_error_set(err, TIDAL_EWASM,
                         "module has no linear memory (the tidal guest ABI needs one, exported as "
                         "'memory')");
  if (rc == 0) {
    for (size_t i = 0; i < info->n_exports; i++) {
      tidal__wasm_export *e = &info->exports[i];
      if (e->kind == 0) {
        if (e->index >= st.n_funcs || e->index < st.n_imported_funcs) {
          e->sig = TIDAL__SIG_OTHER;
          if (e->index >= st.n_funcs) {
            rc = tidal_error_set(err, TIDAL_EWASM, "export '%s' names function %u, which does not exist",
                                 e->name, e->index);
            break;
          }
          continue;
        }
        e->sig = sig_of(&st.types[st.func_types[e->index]]);
      }
    }
  }
  if (rc == 0) rc = check_required(info, &r);
  tidal__free(st.alloc, st.types, (st.n_types ? st.n_types : 1) * sizeof *st.types);
  if (st.func_types)
    tidal__free(st.alloc, st.func_types, (size_t)st.n_funcs * sizeof(uint32_t) + 4);
  if (rc < 0) tidal__wasm_info_reset(info);
  return rc;
}

int tidal_wasm_check(const uint8_t *bytes, size_t len, tidal_error *err) {
  tidal__wasm_info info;
  if (!bytes && len) return tidal_error_set(err, TIDAL_EINVAL, "NULL module bytes");
  int rc = tidal__wasm_check(bytes ? bytes : (const uint8_t *)"", len, NULL, &info, err);
  tidal__wasm_info_reset(&info);
  return rc;
}
