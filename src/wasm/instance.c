/*
** instance.c: loaded modules and their instances. A module is a checked .wasm, compiled (or
** found in the cache), dlopen'd, its glue table verified, its tidal_describe text read and
** parsed once. An instance is the module's instance struct (allocated through the engine's
** allocator), instantiated inside the trap guard, with a watchdog slot.
**
** Invariants:
** - Every entry into guest code (instantiate, tidal_init, tidal_describe, tidal_alloc,
**   tidal_last_error, operators) goes through tidal__rt_call; a trap, a timeout or a guest error
**   marks the instance dead, and a dead instance is never entered again (only freed).
** - Every (address, length) a guest hands back is checked against the memory's current size
**   (re-read after each call, since memory may grow and move) before the host touches it.
*/
#include "wasm/wasm_int.h"

#if TIDAL_ENABLE_WASM /* otherwise disabled.c provides TIDAL_ENOSYS stubs */

#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DESCRIBE_MAX (64u << 10) /* longest tidal_describe text accepted */
#define MESSAGE_MAX 300u         /* longest guest message quoted in an error */

typedef struct {
  void (*fn)(void); /* the (i32, i32) -> i64 export */
} op_entry;

struct tidal_wasm_module {
  tidal_wasm_engine *engine;       /* borrowed: must outlive the module */
  tidal_wasm_module_info info;     /* strings and arrays below are owned through it */
  tidal_wasm_operator *ops;        /* owned: ops_cap entries (info.n_operators used) */
  op_entry *op_fns;                /* owned: ops_cap entries */
  size_t ops_cap;                  /* entries allocated in ops and op_fns */
  char *import_name;               /* owned: "tidal.log" or NULL */
  const char *imports[1];          /* info.imports points here */
  void *dl;                        /* dlopen handle */
  const tidal__wasm_glue *glue;    /* inside dl */
  void (*fn_abi)(void), (*fn_describe)(void), (*fn_alloc)(void);
  void (*fn_init)(void), (*fn_last_error)(void); /* NULL if not exported */
};

struct tidal_wasm_instance {
  tidal_wasm_module *mod;          /* borrowed: must outlive the instance */
  void *z;                         /* owned: the wasm2c instance struct (glue->instance_size) */
  tidal__wasm_ctx ctx;             /* what the runtime sees during calls */
  tidal__wasm_slot slot;           /* watchdog slot (registered iff the engine has a watchdog) */
  bool registered;                 /* slot is on the engine's list */
  bool instantiated;               /* instantiate completed or trapped (free must run) */
  bool dead;                       /* trapped, timed out or failed: only free is allowed */
};

static const char *mod_name(const tidal_wasm_module *m) { return m->info.name; }

/* ---- guest strings ------------------------------------------------------------------------- */

/* Copy the NUL-terminated guest string at addr into out (at most cap-1 bytes; control bytes
** become '?'). Returns false if addr is outside memory or no NUL is found within max bytes. */
static bool guest_cstr(const tidal_wasm_instance *in, uint32_t addr, uint32_t max, char *out,
                       size_t cap, size_t *len_out) {
  const wasm_rt_memory_t *m = in->ctx.mem;
  if (addr >= m->size) return false;
  size_t avail = m->size - addr;
  if (avail > max) avail = max;
  const uint8_t *s = m->data + addr;
  const uint8_t *nul = memchr(s, 0, avail);
  if (!nul) return false;
  size_t n = (size_t)(nul - s);
  if (len_out) *len_out = n;
  if (out) {
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++) out[i] = (s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') ? '?' : (char)s[i];
    out[k] = '\0';
  }
  return true;
}

static int trap_error(tidal_wasm_instance *in, int code, const char *what, tidal_error *err) {
  in->dead = true;
  const tidal_wasm_module *m = in->mod;
  if (code == TIDAL__TRAP_TIMEOUT)
    return tidal_error_set(err, TIDAL_ETIMEDOUT,
                           "module '%s': %s: guest exceeded its %u ms deadline and was stopped "
                           "(instance discarded)",
                           mod_name(m), what, atomic_load(&in->slot.deadline_ms));
  if (code == TIDAL__TRAP_NOMEM || code == TIDAL__TRAP_THREAD)
    return tidal_error_set(err, TIDAL_ENOMEM, "module '%s': %s: %s", mod_name(m), what,
                           tidal__rt_trap_name(code));
  return tidal_error_set(err, TIDAL_ETRAP, "module '%s': %s trapped: %s (instance discarded)",
                         mod_name(m), what, tidal__rt_trap_name(code));
}

/* Run an export inside the guard; traps become errors naming `what`. */
static int guarded(tidal_wasm_instance *in, tidal__wasm_call_kind kind, void (*fn)(void), uint32_t a,
                   uint32_t b, uint64_t *ret, const char *what, tidal_error *err) {
  int code = tidal__rt_call(&in->ctx, kind, fn, in->z, a, b, ret);
  if (TIDAL_LIKELY(code == 0)) return 0;
  return trap_error(in, code, what, err);
}

/* The guest's own explanation (tidal_last_error), or "" if it has none or it is unreadable. */
static void last_error(tidal_wasm_instance *in, char *out, size_t cap) {
  out[0] = '\0';
  if (!in->mod->fn_last_error) return;
  uint64_t r = 0;
  if (tidal__rt_call(&in->ctx, TIDAL__CALL_V_I32, in->mod->fn_last_error, in->z, 0, 0, &r) != 0)
    return;
  if (!guest_cstr(in, (uint32_t)r, 4096, out, cap, NULL))
    snprintf(out, cap, "(tidal_last_error returned an invalid address %u)", (unsigned)r);
}

/* ---- the tidal.log import ------------------------------------------------------------------ */

/* Declared by every module that imports tidal.log; resolved against the host. */
__attribute__((visibility("default"))) void Z_tidalZ_log(void *ctx, uint32_t ptr, uint32_t len);

void Z_tidalZ_log(void *ctx, uint32_t ptr, uint32_t len) {
  int saved = tidal__rt_host_enter();
  tidal_wasm_instance *in = ctx;
  const wasm_rt_memory_t *m = in->ctx.mem;
  if ((uint64_t)ptr + len > m->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  tidal_wasm_engine *e = in->mod->engine;
  if (e->log) e->log(e->log_ud, mod_name(in->mod), (const char *)m->data + ptr, len);
  tidal__rt_host_leave(saved);
}

/* ---- instances ----------------------------------------------------------------------------- */

bool tidal_wasm_instance_dead(const tidal_wasm_instance *in) { return in->dead; }

void tidal_wasm_instance_set_deadline(tidal_wasm_instance *in, uint32_t ms) {
  uint32_t old = atomic_exchange(&in->slot.deadline_ms, ms);
  if (in->registered && ms < old) tidal__wasm_watchdog_poke(in->mod->engine);
}

void tidal_wasm_instance_memory(const tidal_wasm_instance *in, uint8_t **base, size_t *size) {
  *base = in->ctx.mem->data;
  *size = in->ctx.mem->size;
}

void tidal_wasm_instance_free(tidal_wasm_instance *in) {
  if (!in) return;
  const tidal_allocator *a = &in->mod->engine->alloc;
  if (in->registered) tidal__wasm_slot_unregister(in->mod->engine, &in->slot);
  if (in->instantiated) {
    /* Z_m_free releases memory and tables; it never traps. No watchdog slot for it. */
    tidal__wasm_ctx ctx = in->ctx;
    ctx.slot = NULL;
    uint64_t r;
    tidal__rt_call(&ctx, TIDAL__CALL_FREE, (void (*)(void))in->mod->glue->free, in->z, 0, 0, &r);
  }
  tidal__free(a, in->z, in->mod->glue->instance_size);
  tidal__free(a, in, sizeof *in);
}

int tidal_wasm_instance_range(const tidal_wasm_instance *in, uint32_t addr, uint32_t len,
                              const char *what, const uint8_t **data, tidal_error *err) {
  const wasm_rt_memory_t *m = in->ctx.mem;
  if ((uint64_t)addr + len > m->size)
    return tidal_error_set(err, TIDAL_ERANGE,
                           "module '%s': %s: range [%u, %llu) lies outside the guest memory of %u "
                           "bytes",
                           mod_name(in->mod), what ? what : "range", addr,
                           (unsigned long long)addr + len, m->size);
  if (addr % 8)
    return tidal_error_set(err, TIDAL_EGUEST,
                           "module '%s': %s: address %u is not 8-aligned (the ABI requires it)",
                           mod_name(in->mod), what ? what : "range", addr);
  *data = m->data + addr;
  return 0;
}

int tidal_wasm_instance_write(tidal_wasm_instance *in, uint32_t addr, const void *src, size_t len,
                              tidal_error *err) {
  const wasm_rt_memory_t *m = in->ctx.mem;
  if (len > m->size || addr > m->size - len)
    return tidal_error_set(err, TIDAL_ERANGE,
                           "module '%s': writing %zu bytes at %u: outside the guest memory of %u "
                           "bytes",
                           mod_name(in->mod), len, addr, m->size);
  if (len) memcpy(m->data + addr, src, len);
  return 0;
}

int tidal_wasm_instance_alloc(tidal_wasm_instance *in, uint32_t size, uint32_t *addr,
                              tidal_error *err) {
  if (in->dead)
    return tidal_error_set(err, TIDAL_ECANCELED, "module '%s': instance is dead (it failed before)",
                           mod_name(in->mod));
  uint64_t r = 0;
  TIDAL_RETURN_IF_ERROR(guarded(in, TIDAL__CALL_I32_I32, in->mod->fn_alloc, size, 0, &r,
                                "export 'tidal_alloc'", err));
  uint32_t p = (uint32_t)r;
  const uint8_t *unused;
  if (p == 0 && size != 0) {
    in->dead = true;
    return tidal_error_set(err, TIDAL_EGUEST, "module '%s': tidal_alloc(%u) returned 0 (out of "
                                              "guest memory?)",
                           mod_name(in->mod), size);
  }
  int rc = tidal_wasm_instance_range(in, p, size, "tidal_alloc result", &unused, err);
  if (rc < 0) {
    in->dead = true;
    return rc;
  }
  *addr = p;
  return 0;
}

int tidal_wasm_instance_call_raw(tidal_wasm_instance *in, size_t op, uint32_t ptr, uint32_t len,
                                 int64_t *result, tidal_error *err) {
  const tidal_wasm_module *m = in->mod;
  if (in->dead)
    return tidal_error_set(err, TIDAL_ECANCELED, "module '%s': instance is dead (it failed before)",
                           mod_name(m));
  if (op >= m->info.n_operators)
    return tidal_error_set(err, TIDAL_EINVAL, "module '%s': no operator #%zu", mod_name(m), op);
  uint64_t r = 0;
  int code = tidal__rt_call_op(&in->ctx, m->op_fns[op].fn, in->z, ptr, len, &r);
  if (TIDAL_UNLIKELY(code != 0)) {
    char what[160];
    snprintf(what, sizeof what, "operator '%s'", m->ops[op].name);
    return trap_error(in, code, what, err);
  }
  *result = (int64_t)r;
  return 0;
}

int tidal_wasm_instance_call(tidal_wasm_instance *in, size_t op, uint32_t ptr, uint32_t len,
                             uint32_t *out_addr, uint32_t *out_len, tidal_error *err) {
  int64_t r;
  TIDAL_RETURN_IF_ERROR(tidal_wasm_instance_call_raw(in, op, ptr, len, &r, err));
  const char *opname = in->mod->ops[op].name;
  if (r < 0) {
    char msg[MESSAGE_MAX];
    last_error(in, msg, sizeof msg);
    in->dead = true;
    return tidal_error_set(err, TIDAL_EGUEST,
                           "module '%s': operator '%s' reported an error (result %lld)%s%s",
                           mod_name(in->mod), opname, (long long)r, msg[0] ? ": " : "", msg);
  }
  uint32_t addr = (uint32_t)r, n = (uint32_t)((uint64_t)r >> 32);
  /* Fast path: a good range needs no message (formatting one cost ~300 ns per call). */
  if (TIDAL_LIKELY((uint64_t)addr + n <= in->ctx.mem->size && addr % 8 == 0)) {
    *out_addr = addr;
    *out_len = n;
    return 0;
  }
  const uint8_t *unused;
  char what[160];
  snprintf(what, sizeof what, "result of operator '%s'", opname);
  int rc = tidal_wasm_instance_range(in, addr, n, what, &unused, err);
  if (rc < 0) {
    in->dead = true;
    return rc;
  }
  *out_addr = addr;
  *out_len = n;
  return 0;
}

/* An instance without tidal_init (module load uses one to read tidal_describe). */
static int instance_make(tidal_wasm_module *m, tidal_wasm_instance **out, tidal_error *err) {
  tidal_wasm_engine *e = m->engine;
  const tidal_allocator *a = &e->alloc;
  *out = NULL;
  tidal_wasm_instance *in = tidal__calloc(a, sizeof *in);
  if (!in) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  in->mod = m;
  in->z = tidal__calloc(a, m->glue->instance_size);
  if (!in->z) {
    tidal__free(a, in, sizeof *in);
    return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  }
  in->ctx.mem = m->glue->memory(in->z);
  in->ctx.alloc = a;
  in->ctx.cap_pages = m->info.mem_cap_pages;
  in->ctx.import_ctx = in;
  atomic_init(&in->slot.seq, 0);
  atomic_init(&in->slot.kill_seq, UINT64_MAX);
  atomic_init(&in->slot.thread, 0);
  atomic_init(&in->slot.deadline_ms, e->deadline_ms);
  if (e->watchdog_running) {
    in->ctx.slot = &in->slot;
    tidal__wasm_slot_register(e, &in->slot);
    in->registered = true;
  }
  uint64_t r;
  in->instantiated = true; /* even a trapping instantiate may have allocated memory */
  int rc = guarded(in, TIDAL__CALL_INSTANTIATE, (void (*)(void))m->glue->instantiate, 0, 0, &r,
                   "instantiation", err);
  if (rc < 0) {
    tidal_wasm_instance_free(in);
    return rc;
  }
  *out = in;
  return 0;
}

int tidal_wasm_instance_new(tidal_wasm_module *m, const char *config, size_t len,
                            tidal_wasm_instance **out, tidal_error *err) {
  tidal_wasm_instance *in;
  TIDAL_RETURN_IF_ERROR(instance_make(m, &in, err));
  if (m->fn_init) {
    if (len > UINT32_MAX / 2) {
      tidal_wasm_instance_free(in);
      return tidal_error_set(err, TIDAL_EINVAL, "configuration string too long");
    }
    uint32_t p = 0;
    int rc = 0;
    if (len) {
      rc = tidal_wasm_instance_alloc(in, (uint32_t)len, &p, err);
      if (rc == 0) rc = tidal_wasm_instance_write(in, p, config, len, err);
    }
    uint64_t r = 0;
    if (rc == 0)
      rc = guarded(in, TIDAL__CALL_II_I32, m->fn_init, p, (uint32_t)len, &r, "export 'tidal_init'",
                   err);
    if (rc == 0 && (uint32_t)r != 0) {
      char msg[MESSAGE_MAX];
      last_error(in, msg, sizeof msg);
      rc = tidal_error_set(err, TIDAL_EGUEST, "module '%s': tidal_init failed (returned %d)%s%s",
                           mod_name(m), (int)(uint32_t)r, msg[0] ? ": " : "", msg);
    }
    if (rc < 0) {
      tidal_wasm_instance_free(in);
      return rc;
    }
  }
  *out = in;
  return 0;
}

/* ---- modules ------------------------------------------------------------------------------- */

static const tidal__wasm_glue_export *glue_find(const tidal__wasm_glue *g, const char *name,
                                                int sig) {
  for (unsigned i = 0; i < g->n_exports; i++)
    if (g->exports[i].name && !strcmp(g->exports[i].name, name) && (int)g->exports[i].sig == sig)
      return &g->exports[i];
  return NULL;
}

static char *trimmed_dup(const tidal_allocator *a, const char *s, size_t n) {
  while (n && (*s == ' ' || *s == '\t' || *s == '\r')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
  char *p = tidal__alloc(a, n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

/* Parse "NAME: INPUT -> OUTPUT" lines into m->ops / m->op_fns. */
static int parse_describe(tidal_wasm_module *m, const char *text, tidal_error *err) {
  const tidal_allocator *a = &m->engine->alloc;
  size_t lines = 0;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    for (size_t i = 0; i < n; i++)
      if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') {
        lines++;
        break;
      }
    p += n + (nl ? 1 : 0);
  }
  if (lines == 0)
    return tidal_error_set(err, TIDAL_EWASM, "module '%s': tidal_describe declares no operator",
                           mod_name(m));
  m->ops = tidal__calloc(a, lines * sizeof *m->ops);
  m->op_fns = tidal__calloc(a, lines * sizeof *m->op_fns);
  if (!m->ops || !m->op_fns) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  m->ops_cap = lines;
  size_t k = 0, lineno = 0;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    lineno++;
    const char *line = p;
    p += n + (nl ? 1 : 0);
    bool blank = true;
    for (size_t i = 0; i < n; i++)
      if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') blank = false;
    if (blank) continue;
    const char *colon = memchr(line, ':', n);
    const char *arrow = NULL;
    if (colon)
      for (const char *q = colon; q + 1 < line + n; q++)
        if (q[0] == '-' && q[1] == '>') {
          arrow = q;
          break;
        }
    tidal_wasm_operator *op = &m->ops[k];
    if (colon && arrow) {
      op->name = trimmed_dup(a, line, (size_t)(colon - line));
      op->input_schema = trimmed_dup(a, colon + 1, (size_t)(arrow - colon - 1));
      op->output_schema = trimmed_dup(a, arrow + 2, (size_t)(line + n - arrow - 2));
      k++; /* owned from here on, even if the checks below fail */
      if (!op->name || !op->input_schema || !op->output_schema)
        return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
    }
    if (!colon || !arrow || !op->name[0] || !op->input_schema[0] || !op->output_schema[0] ||
        strpbrk(op->name, " \t")) {
      return tidal_error_set(err, TIDAL_EWASM,
                             "module '%s': tidal_describe line %zu is not 'NAME: INPUT_SCHEMA -> "
                             "OUTPUT_SCHEMA': '%.*s'",
                             mod_name(m), lineno, (int)(n > 120 ? 120 : n), line);
    }
    for (size_t j = 0; j + 1 < k; j++)
      if (!strcmp(m->ops[j].name, op->name))
        return tidal_error_set(err, TIDAL_EWASM, "module '%s': tidal_describe names operator '%s' "
                                                 "twice",
                               mod_name(m), op->name);
    const tidal__wasm_glue_export *ge = glue_find(m->glue, op->name, TIDAL__SIG_II_I64);
    if (!ge)
      return tidal_error_set(err, TIDAL_EWASM,
                             "module '%s': tidal_describe names operator '%s', but the module "
                             "exports no function '%s' (i32, i32) -> i64",
                             mod_name(m), op->name, op->name);
    m->op_fns[k - 1].fn = ge->fn;
  }
  m->info.n_operators = k;
  return 0;
}

static void module_release(tidal_wasm_module *m) {
  const tidal_allocator *a = &m->engine->alloc;
  if (m->ops) {
    for (size_t i = 0; i < m->ops_cap; i++) {
      tidal__wasm_strfree(a, (char *)m->ops[i].name);
      tidal__wasm_strfree(a, (char *)m->ops[i].input_schema);
      tidal__wasm_strfree(a, (char *)m->ops[i].output_schema);
    }
    tidal__free(a, m->ops, m->ops_cap * sizeof *m->ops);
  }
  if (m->op_fns) tidal__free(a, m->op_fns, m->ops_cap * sizeof *m->op_fns);
  tidal__wasm_strfree(a, (char *)m->info.describe);
  tidal__wasm_strfree(a, (char *)m->info.name);
  tidal__wasm_strfree(a, (char *)m->info.cache_path);
  tidal__wasm_strfree(a, (char *)m->info.key);
  tidal__wasm_strfree(a, m->import_name);
  if (m->dl) dlclose(m->dl);
  tidal__free(a, m, sizeof *m);
}

void tidal_wasm_module_free(tidal_wasm_module *m) {
  if (m) module_release(m);
}

const tidal_wasm_module_info *tidal_wasm_module_inspect(const tidal_wasm_module *m) {
  return &m->info;
}

int tidal_wasm_module_find_operator(const tidal_wasm_module *m, const char *name, size_t *index,
                                    tidal_error *err) {
  for (size_t i = 0; i < m->info.n_operators; i++)
    if (!strcmp(m->ops[i].name, name)) {
      *index = i;
      return 0;
    }
  char list[256] = "";
  size_t used = 0;
  for (size_t i = 0; i < m->info.n_operators && used < sizeof list - 1; i++) {
    int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", m->ops[i].name);
    if (w < 0) break;
    used += (size_t)w;
  }
  return tidal_error_set(err, TIDAL_ENOENT, "module '%s' has no operator '%s' (it has: %s)",
                         mod_name(m), name, list);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* dlopen the cached object and verify its glue. */
static int open_so(tidal_wasm_module *m, const char *path, tidal_error *err) {
  m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!m->dl) {
    const char *e = dlerror();
    return tidal_error_set(err, TIDAL_ECOMPILE, "cannot load compiled module '%s': %s", path,
                           e ? e : "dlopen failed");
  }
  const tidal__wasm_glue *g = dlsym(m->dl, TIDAL__WASM_GLUE_SYMBOL);
  if (!g || g->abi != TIDAL__WASM_GLUE_ABI || g->struct_size != sizeof *g || g->memcheck != 1 ||
      !g->key || strcmp(g->key, m->info.key) != 0 || !g->instance_size) {
    dlclose(m->dl);
    m->dl = NULL;
    return tidal_error_set(err, TIDAL_ECOMPILE,
                           "compiled module '%s' is stale or foreign (glue table missing or "
                           "mismatched)",
                           path);
  }
  m->glue = g;
  return 0;
}

static pthread_mutex_t init_module_mu = PTHREAD_MUTEX_INITIALIZER;

int tidal_wasm_module_load(tidal_wasm_engine *e, const uint8_t *bytes, size_t len,
                           const char *name, tidal_wasm_module **out, tidal_error *err) {
  *out = NULL;
  const tidal_allocator *a = &e->alloc;
  tidal__wasm_info info;
  if (!bytes && len) return tidal_error_set(err, TIDAL_EINVAL, "NULL module bytes");
  if (!bytes) bytes = (const uint8_t *)"";
  TIDAL_RETURN_IF_ERROR(tidal__wasm_check(bytes, len, a, &info, err));
  tidal_wasm_module *m = tidal__calloc(a, sizeof *m);
  char *so_path = NULL;
  tidal_wasm_instance *in = NULL;
  int rc = 0;
  if (!m) {
    rc = tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
    goto fail_info;
  }
  m->engine = e;
  char key[33];
  tidal__wasm_cache_key(bytes, len, key);
  m->info.name = tidal__wasm_strdup(a, name ? name : "module");
  m->info.key = tidal__wasm_strdup(a, key);
  if (!m->info.name || !m->info.key) {
    rc = tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
    goto fail;
  }
  m->info.abi_version = TIDAL_WASM_ABI_VERSION;
  m->info.mem_min_pages = info.mem_min;
  m->info.mem_max_pages = info.mem_max;
  m->info.mem_cap_pages = info.mem_max < e->max_pages ? info.mem_max : e->max_pages;
  m->info.wasm_bytes = len;
  m->info.imports = m->imports;
  if (info.imports_log) {
    m->import_name = tidal__wasm_strdup(a, "tidal.log");
    if (!m->import_name) {
      rc = tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
      goto fail;
    }
    m->imports[0] = m->import_name;
    m->info.n_imports = 1;
  }
  if (info.mem_min > e->max_pages) {
    rc = tidal_error_set(err, TIDAL_EWASM,
                         "module '%s' needs %u pages of initial memory, above the engine's cap "
                         "of %u pages",
                         m->info.name, info.mem_min, e->max_pages);
    goto fail;
  }
  bool compiled = false;
  double t0 = now_ms();
  rc = tidal__wasm_compile(&e->tools, bytes, len, &info, key, false, &so_path, &compiled, err);
  if (rc == 0) rc = open_so(m, so_path, err);
  if (rc == TIDAL_ECOMPILE && !compiled && so_path) {
    /* A cached entry that does not load (truncated by a disk error, built by another version):
    ** rebuild it once. */
    tidal__wasm_strfree(a, so_path);
    so_path = NULL;
    rc = tidal__wasm_compile(&e->tools, bytes, len, &info, key, true, &so_path, &compiled, err);
    if (rc == 0) rc = open_so(m, so_path, err);
  }
  if (rc < 0) goto fail;
  m->info.cache_path = so_path;
  so_path = NULL;
  m->info.cache_state = compiled ? TIDAL_WASM_CACHE_COMPILED : TIDAL_WASM_CACHE_HIT;
  m->info.compile_ms = compiled ? now_ms() - t0 : 0.0;
  const tidal__wasm_glue_export *ge;
  m->fn_abi = (ge = glue_find(m->glue, "tidal_abi_1", TIDAL__SIG_V_V)) ? ge->fn : NULL;
  m->fn_describe = (ge = glue_find(m->glue, "tidal_describe", TIDAL__SIG_V_I32)) ? ge->fn : NULL;
  m->fn_alloc = (ge = glue_find(m->glue, "tidal_alloc", TIDAL__SIG_I32_I32)) ? ge->fn : NULL;
  m->fn_init = (ge = glue_find(m->glue, "tidal_init", TIDAL__SIG_II_I32)) ? ge->fn : NULL;
  m->fn_last_error = (ge = glue_find(m->glue, "tidal_last_error", TIDAL__SIG_V_I32)) ? ge->fn : NULL;
  m->info.has_init = m->fn_init != NULL;
  m->info.has_last_error = m->fn_last_error != NULL;
  if (!m->fn_abi || !m->fn_describe || !m->fn_alloc) {
    rc = tidal_error_set(err, TIDAL_ECOMPILE, "compiled module '%s' lacks required exports",
                         m->info.cache_path);
    goto fail;
  }
  {
    /* Z_m_init_module registers the module's function types; serialize it (a second load of
    ** the same object in this process gets the same dlopen handle and re-registers the same
    ** types, which the registry maps to the same indices). */
    tidal__wasm_ctx ctx = {0};
    ctx.alloc = a;
    uint64_t r;
    pthread_mutex_lock(&init_module_mu);
    int code = tidal__rt_call(&ctx, TIDAL__CALL_INIT_MODULE, m->glue->init_module, NULL, 0, 0, &r);
    pthread_mutex_unlock(&init_module_mu);
    if (code) {
      rc = tidal_error_set(err, code == TIDAL__TRAP_NOMEM ? TIDAL_ENOMEM : TIDAL_ETRAP,
                           "module '%s': initializing the module failed: %s", m->info.name,
                           tidal__rt_trap_name(code));
      goto fail;
    }
  }
  rc = instance_make(m, &in, err);
  uint64_t r = 0;
  if (rc == 0)
    rc = guarded(in, TIDAL__CALL_V_I32, m->fn_describe, 0, 0, &r, "export 'tidal_describe'", err);
  if (rc < 0) goto fail;
  {
    size_t n;
    if (!guest_cstr(in, (uint32_t)r, DESCRIBE_MAX, NULL, 0, &n)) {
      rc = tidal_error_set(err, TIDAL_EWASM,
                           "module '%s': tidal_describe returned address %u, which is not a "
                           "NUL-terminated text inside memory (%u bytes, at most %u bytes read)",
                           m->info.name, (unsigned)(uint32_t)r, in->ctx.mem->size, DESCRIBE_MAX);
      goto fail;
    }
    char *d = tidal__alloc(a, n + 1);
    if (!d) {
      rc = tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
      goto fail;
    }
    memcpy(d, in->ctx.mem->data + (uint32_t)r, n);
    d[n] = '\0';
    m->info.describe = d;
  }
  tidal_wasm_instance_free(in);
  in = NULL;
  rc = parse_describe(m, m->info.describe, err);
  if (rc < 0) goto fail;
  m->info.operators = m->ops;
  tidal__wasm_info_reset(&info);
  *out = m;
  return 0;
fail:
  tidal_wasm_instance_free(in);
  tidal__wasm_strfree(a, so_path);
  module_release(m);
fail_info:
  tidal__wasm_info_reset(&info);
  return rc;
}

int tidal_wasm_module_load_file(tidal_wasm_engine *e, const char *path, tidal_wasm_module **out,
                                tidal_error *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int code = errno == ENOENT ? TIDAL_ENOENT : TIDAL_EIO;
    return tidal_error_set(err, code, "cannot open '%s': %s", path, strerror(errno));
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > ((off_t)1 << 30)) {
    close(fd);
    return tidal_error_set(err, TIDAL_EIO, "'%s' is not a regular file of at most 1 GiB", path);
  }
  size_t len = (size_t)sb.st_size;
  const tidal_allocator *a = &e->alloc;
  uint8_t *buf = tidal__alloc(a, len ? len : 1);
  if (!buf) {
    close(fd);
    return tidal_error_set(err, TIDAL_ENOMEM, "out of memory reading '%s'", path);
  }
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  int rc;
  if (got != len) {
    rc = tidal_error_set(err, TIDAL_EIO, "cannot read '%s'", path);
  } else {
    const char *base = strrchr(path, '/');
    rc = tidal_wasm_module_load(e, buf, len, base ? base + 1 : path, out, err);
  }
  tidal__free(a, buf, len ? len : 1);
  return rc;
}

#endif /* TIDAL_ENABLE_WASM */
