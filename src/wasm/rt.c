/*
** rt.c: tidal's implementation of wasm2c's runtime interface (wasm-rt.h, wabt 1.0.32), built for
** a multi-threaded host, plus the trap guard every call into a guest goes through.
**
** Invariants (the stock wasm-rt-impl.c breaks each of them; see spec/wasm-host-notes.md):
** - Trap state is thread-local: the jump target, the in-guest flag, the guard nesting depth.
** - Every thread gets an alternate signal stack and its stack bounds before its first guest call,
**   so a guest stack overflow on any thread becomes a trap.
** - SIGSEGV/SIGBUS become traps only while the faulting thread runs guest code and the fault
**   address lies in its instance's memory reservation (out of bounds) or near its stack (stack
**   exhausted); any other fault restores the previous action and re-faults, so host bugs crash.
** - The guard uses sigsetjmp(buf, 0) and the handlers SA_NODEFER: no system call per call, and a
**   jump out of a handler leaves the signal mask as it was.
** - Runtime functions that do host work (allocation, mprotect) clear the in-guest flag while
**   they run, so the watchdog never jumps out of them.
** - A memory reserves 8 GiB + 64 KiB of address space once and unmaps all of it on free; it never
**   grows past min(its declared maximum, the instance cap, 65535) pages.
** - The function-type registry is process-wide (indices must agree between modules), append-only
**   and guarded by a mutex.
** The wasm_rt_* and Z_tidalZ_log symbols have default visibility: compiled modules resolve them
** against the host (executables link with ENABLE_EXPORTS).
*/
#include "wasm/wasm_int.h"

#if TIDAL_ENABLE_WASM /* otherwise disabled.c provides TIDAL_ENOSYS stubs */

#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <unistd.h>

#define RT_API __attribute__((visibility("default")))
#define PAGE_BYTES 65536u
/* u32 address + u32 offset + access size < 2^33 + 8: guard pages cover every access. */
#define RESERVATION (((size_t)1 << 33) + PAGE_BYTES)
/* Hostile modules must not make the host allocate without bound through tables. */
#define TABLE_MAX_ELEMENTS (1u << 20)
/* A stack overflow faults in the guard area below the stack; be generous (main thread: 1 MiB gap). */
#define STACK_SLACK ((uintptr_t)4 << 20)
#define ALTSTACK_MIN ((size_t)16 << 10)
#define ALTSTACK_SIZE ((size_t)64 << 10)
#define EXCEPTION_MAX 64u /* exceptions are refused by the check; keep static TLS small */

/* Per-thread trap state. Only its own thread (and signal handlers on it) touches it. */
typedef struct {
  sigjmp_buf *jb;                 /* the innermost guard's jump target, NULL outside guards */
  volatile sig_atomic_t in_guest; /* 1 while guest code (not host code) runs on this thread */
  uint32_t depth;                 /* guard nesting depth */
  tidal__wasm_ctx *ctx;           /* the innermost guard's instance context */
  bool ready;                     /* alternate stack and stack bounds are set up */
  unsigned long self;             /* pthread_self(), cached for the watchdog slot */
  uintptr_t stack_lo, stack_hi;   /* this thread's stack (0, 0 if unknown) */
  jmp_buf *unwind_target;         /* exception proposal: current catch target */
  uint32_t exc_tag, exc_size;     /* exception proposal: the active exception */
  uint8_t exc[EXCEPTION_MAX];     /* exception proposal: its payload */
} rt_thread;

/* initial-exec: libtidal is built -fPIC, and the default model would call __tls_get_addr on
** every guest call (spec/wasm-host-notes.md: 4.1 instead of 2.3 ns). */
static _Thread_local rt_thread tl __attribute__((tls_model("initial-exec")));

/* Process-wide, written once under init_once, read-only afterwards. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_errno;
static int watchdog_signo;
static struct sigaction old_segv, old_bus;
static atomic_bool initialized;
static pthread_key_t altstack_key;

/* ---- signals ------------------------------------------------------------------------------- */

static int classify(const rt_thread *t, uintptr_t addr) {
  const wasm_rt_memory_t *m = t->ctx ? t->ctx->mem : NULL;
  if (m && m->data && addr >= (uintptr_t)m->data && addr - (uintptr_t)m->data < RESERVATION)
    return WASM_RT_TRAP_OOB;
  if (t->stack_hi && addr < t->stack_hi && addr + STACK_SLACK >= t->stack_lo)
    return WASM_RT_TRAP_EXHAUSTION;
  return 0;
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  rt_thread *t = &tl;
  if (t->in_guest && t->jb && si->si_code > 0) {
    int code = classify(t, (uintptr_t)si->si_addr);
    if (code) {
      t->in_guest = 0;
      siglongjmp(*t->jb, code);
    }
  }
  /* Not a guest fault: a host bug. Put back the previous action (normally the default) and let
  ** the fault happen again, so the process dies as it would without tidal. */
  sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
  if (si->si_code <= 0) raise(sig); /* sent by kill(): re-raise, there is no faulting insn */
}

static void on_watchdog(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  rt_thread *t = &tl;
  tidal__wasm_slot *slot = si->si_value.sival_ptr;
  /* Only the call the watchdog meant, and only while pure guest code runs. */
  if (t->in_guest && t->jb && t->ctx && slot && t->ctx->slot == slot &&
      atomic_load_explicit(&slot->kill_seq, memory_order_relaxed) ==
          atomic_load_explicit(&slot->seq, memory_order_relaxed)) {
    t->in_guest = 0;
    siglongjmp(*t->jb, TIDAL__TRAP_TIMEOUT);
  }
}

static void altstack_free(void *p) {
  stack_t ss = {.ss_flags = SS_DISABLE};
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == p) sigaltstack(&ss, NULL);
  munmap(p, ALTSTACK_SIZE);
}

static void install(void) {
  if (pthread_key_create(&altstack_key, altstack_free) != 0) {
    init_errno = EAGAIN;
    return;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sa.sa_sigaction = on_fault;
  if (sigaction(SIGSEGV, &sa, &old_segv) != 0 || sigaction(SIGBUS, &sa, &old_bus) != 0) {
    init_errno = errno;
    return;
  }
  watchdog_signo = SIGRTMIN + 5;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sa.sa_sigaction = on_watchdog;
  if (sigaction(watchdog_signo, &sa, NULL) != 0) {
    init_errno = errno;
    return;
  }
  atomic_store(&initialized, true);
}

int tidal__rt_init(tidal_error *err) {
  pthread_once(&init_once, install);
  if (init_errno)
    return tidal_error_set(err, -init_errno, "installing the WASM signal handlers failed: %s",
                           strerror(init_errno));
  return 0;
}

int tidal__rt_watchdog_signal(void) { return watchdog_signo; }

size_t tidal__rt_reservation(void) { return RESERVATION; }

/* Before the first guest call on a thread: an alternate signal stack (unless one big enough is
** already there, e.g. a sanitizer's) and the stack bounds used to recognize stack overflow. */
static int thread_init(rt_thread *t) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) != 0) return -1;
  if ((cur.ss_flags & SS_DISABLE) || cur.ss_size < ALTSTACK_MIN) {
    void *p = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    stack_t ss = {.ss_sp = p, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0 || pthread_setspecific(altstack_key, p) != 0) {
      munmap(p, ALTSTACK_SIZE);
      return -1;
    }
  }
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void *lo;
    size_t size;
    if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
      t->stack_lo = (uintptr_t)lo;
      t->stack_hi = (uintptr_t)lo + size;
    }
    pthread_attr_destroy(&attr);
  }
  t->self = (unsigned long)pthread_self();
  t->ready = true;
  return 0;
}

/* ---- the guard ------------------------------------------------------------------------------ */

/*
** The watchdog's view of a call: seq goes odd at entry and even at exit, so a watchdog that sees
** the same odd value a deadline apart knows one call has run that long. Only the calling thread
** writes seq while the call runs, so a plain load + store suffices (no RMW); the watchdog only
** reads it. Shared by both guards below (the sigsetjmp itself must stay in their frames).
*/
static inline void slot_enter(tidal__wasm_slot *slot, unsigned long self) {
  uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_relaxed);
  atomic_store_explicit(&slot->thread, self, memory_order_relaxed);
  atomic_store_explicit(&slot->seq, seq + 1, memory_order_release);
}

static inline void slot_leave(tidal__wasm_slot *slot) {
  uint64_t seq = atomic_load_explicit(&slot->seq, memory_order_relaxed);
  atomic_store_explicit(&slot->seq, seq + 1, memory_order_release);
}

int tidal__rt_call(tidal__wasm_ctx *ctx, tidal__wasm_call_kind kind, void (*fn)(void), void *inst,
                   uint32_t a, uint32_t b, uint64_t *ret) {
  rt_thread *t = &tl;
  if (TIDAL_UNLIKELY(!t->ready) && thread_init(t) != 0) return TIDAL__TRAP_THREAD;
  tidal__wasm_slot *slot = ctx->slot;
  if (slot) slot_enter(slot, t->self);
  sigjmp_buf jb;
  sigjmp_buf *prev_jb = t->jb;
  tidal__wasm_ctx *prev_ctx = t->ctx;
  t->jb = &jb;
  t->ctx = ctx;
  t->depth++;
  int code = sigsetjmp(jb, 0);
  if (code == 0) {
    t->in_guest = 1;
    atomic_signal_fence(memory_order_seq_cst);
    switch (kind) {
      case TIDAL__CALL_INIT_MODULE: fn(); break;
      case TIDAL__CALL_INSTANTIATE: ((void (*)(void *, void *))fn)(inst, ctx->import_ctx); break;
      case TIDAL__CALL_FREE: ((void (*)(void *))fn)(inst); break;
      case TIDAL__CALL_V_V: ((void (*)(void *))fn)(inst); break;
      case TIDAL__CALL_V_I32: *ret = ((uint32_t (*)(void *))fn)(inst); break;
      case TIDAL__CALL_I32_I32: *ret = ((uint32_t (*)(void *, uint32_t))fn)(inst, a); break;
      case TIDAL__CALL_II_I32:
        *ret = ((uint32_t (*)(void *, uint32_t, uint32_t))fn)(inst, a, b);
        break;
      case TIDAL__CALL_II_I64:
        *ret = ((uint64_t (*)(void *, uint32_t, uint32_t))fn)(inst, a, b);
        break;
    }
    atomic_signal_fence(memory_order_seq_cst);
    t->in_guest = 0;
  }
  t->depth--;
  t->jb = prev_jb;
  t->ctx = prev_ctx;
  if (slot) slot_leave(slot);
  return code;
}

/* The operator call, the hot path: tidal__rt_call without the dispatch on the call kind. */
int tidal__rt_call_op(tidal__wasm_ctx *ctx, void (*fn)(void), void *inst, uint32_t a, uint32_t b,
                      uint64_t *ret) {
  rt_thread *t = &tl;
  if (TIDAL_UNLIKELY(!t->ready) && thread_init(t) != 0) return TIDAL__TRAP_THREAD;
  tidal__wasm_slot *slot = ctx->slot;
  if (slot) slot_enter(slot, t->self);
  sigjmp_buf jb;
  sigjmp_buf *prev_jb = t->jb;
  tidal__wasm_ctx *prev_ctx = t->ctx;
  t->jb = &jb;
  t->ctx = ctx;
  t->depth++;
  int code = sigsetjmp(jb, 0);
  if (code == 0) {
    t->in_guest = 1;
    atomic_signal_fence(memory_order_seq_cst);
    *ret = ((uint64_t (*)(void *, uint32_t, uint32_t))fn)(inst, a, b);
    atomic_signal_fence(memory_order_seq_cst);
    t->in_guest = 0;
  }
  t->depth--;
  t->jb = prev_jb;
  t->ctx = prev_ctx;
  if (slot) slot_leave(slot);
  return code;
}

int tidal__rt_host_enter(void) {
  int saved = tl.in_guest;
  tl.in_guest = 0;
  atomic_signal_fence(memory_order_seq_cst);
  return saved;
}

void tidal__rt_host_leave(int saved) {
  atomic_signal_fence(memory_order_seq_cst);
  tl.in_guest = saved;
}

const char *tidal__rt_trap_name(int code) {
  switch (code) {
    case TIDAL__TRAP_TIMEOUT: return "deadline exceeded";
    case TIDAL__TRAP_NOMEM: return "out of memory in the WASM runtime";
    case TIDAL__TRAP_LIMIT: return "initial memory or table exceeds the host's limits";
    case TIDAL__TRAP_THREAD: return "could not set up this thread's signal stack";
    default: return wasm_rt_strerror((wasm_rt_trap_t)code);
  }
}

/* A runtime failure that is the host's (allocation) rather than the guest's. */
WASM_RT_NO_RETURN static void host_trap(int code) {
  rt_thread *t = &tl;
  t->in_guest = 0;
  if (!t->jb) __builtin_trap(); /* a runtime function outside any guard: a tidal bug */
  siglongjmp(*t->jb, code);
}

/* ---- wasm-rt.h ---------------------------------------------------------------------------- */

RT_API void wasm_rt_init(void) { tidal__rt_init(NULL); }

RT_API bool wasm_rt_is_initialized(void) { return atomic_load(&initialized); }

/* The process-wide registry stays: compiled modules keep its indices in their statics. */
RT_API void wasm_rt_free(void) {}

RT_API WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t code) {
  rt_thread *t = &tl;
  t->in_guest = 0;
  if (!t->jb) __builtin_trap(); /* generated code runs only inside a guard */
  siglongjmp(*t->jb, code == WASM_RT_TRAP_NONE ? WASM_RT_TRAP_UNREACHABLE : (int)code);
}

RT_API const char *wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no trap";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid call_indirect";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
  }
  return "unknown trap";
}

/* The function-type registry. Guarded by types_mu; entries never change once added. */
typedef struct {
  uint32_t n_params, n_results;
  wasm_rt_type_t *types; /* params then results; malloc'd, lives for the process */
} rt_functype;
static pthread_mutex_t types_mu = PTHREAD_MUTEX_INITIALIZER;
static rt_functype *types_tab; /* types_mu */
static uint32_t types_len;     /* types_mu */
static uint32_t types_cap;     /* types_mu */

RT_API uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  int saved = tidal__rt_host_enter();
  uint32_t n = params + results;
  if (n < params || n > 4096) host_trap(TIDAL__TRAP_LIMIT);
  wasm_rt_type_t tmp[n ? n : 1];
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < n; i++) tmp[i] = (wasm_rt_type_t)va_arg(ap, int);
  va_end(ap);
  pthread_mutex_lock(&types_mu);
  uint32_t idx = 0;
  for (uint32_t i = 0; i < types_len && !idx; i++)
    if (types_tab[i].n_params == params && types_tab[i].n_results == results &&
        (n == 0 || !memcmp(types_tab[i].types, tmp, n * sizeof *tmp)))
      idx = i + 1;
  if (!idx) {
    if (types_len == types_cap) {
      uint32_t cap = types_cap ? types_cap * 2 : 32;
      rt_functype *nt = realloc(types_tab, cap * sizeof *nt);
      if (!nt) goto oom;
      types_tab = nt;
      types_cap = cap;
    }
    wasm_rt_type_t *copy = malloc(n ? n * sizeof *copy : 1);
    if (!copy) goto oom;
    if (n) memcpy(copy, tmp, n * sizeof *copy);
    types_tab[types_len] = (rt_functype){params, results, copy};
    idx = ++types_len;
  }
  pthread_mutex_unlock(&types_mu);
  tidal__rt_host_leave(saved);
  return idx;
oom:
  pthread_mutex_unlock(&types_mu);
  host_trap(TIDAL__TRAP_NOMEM);
}

static atomic_uint tag_count;

RT_API uint32_t wasm_rt_register_tag(uint32_t size) {
  if (size > EXCEPTION_MAX) host_trap(TIDAL__TRAP_LIMIT);
  return atomic_fetch_add(&tag_count, 1);
}

RT_API void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void *values) {
  rt_thread *t = &tl;
  if (size > EXCEPTION_MAX) host_trap(TIDAL__TRAP_LIMIT);
  t->exc_tag = tag;
  t->exc_size = size;
  if (size) memcpy(t->exc, values, size);
}

RT_API WASM_RT_NO_RETURN void wasm_rt_throw(void) {
  rt_thread *t = &tl;
  if (t->unwind_target) siglongjmp(*t->unwind_target, WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
}

RT_API WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return tl.unwind_target; }
RT_API void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *target) { tl.unwind_target = target; }
RT_API uint32_t wasm_rt_exception_tag(void) { return tl.exc_tag; }
RT_API uint32_t wasm_rt_exception_size(void) { return tl.exc_size; }
RT_API void *wasm_rt_exception(void) { return tl.exc; }

/* ---- memories ------------------------------------------------------------------------------ */

RT_API void wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial, uint32_t max) {
  int saved = tidal__rt_host_enter();
  rt_thread *t = &tl;
  uint32_t cap = t->ctx ? t->ctx->cap_pages : 65535u;
  if (cap > 65535u) cap = 65535u;
  if (max > cap) max = cap;
  mem->data = NULL;
  mem->pages = mem->size = 0;
  mem->max_pages = max;
  if (initial > max) host_trap(TIDAL__TRAP_LIMIT);
  void *p = mmap(NULL, RESERVATION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) host_trap(TIDAL__TRAP_NOMEM);
  size_t bytes = (size_t)initial * PAGE_BYTES;
  if (bytes && mprotect(p, bytes, PROT_READ | PROT_WRITE) != 0) {
    munmap(p, RESERVATION);
    host_trap(TIDAL__TRAP_NOMEM);
  }
  mem->data = p;
  mem->pages = initial;
  mem->size = (uint32_t)bytes;
  tidal__rt_host_leave(saved);
}

RT_API uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint32_t delta) {
  int saved = tidal__rt_host_enter();
  uint32_t old = mem->pages;
  uint64_t want = (uint64_t)old + delta;
  uint32_t result = UINT32_MAX;
  if (want <= mem->max_pages && want <= 65535u) {
    if (delta == 0 || mprotect(mem->data + (size_t)old * PAGE_BYTES, (size_t)delta * PAGE_BYTES,
                               PROT_READ | PROT_WRITE) == 0) {
      mem->pages = (uint32_t)want;
      mem->size = (uint32_t)(want * PAGE_BYTES);
      result = old;
    }
  }
  tidal__rt_host_leave(saved);
  return result;
}

RT_API void wasm_rt_free_memory(wasm_rt_memory_t *mem) {
  if (mem->data) munmap(mem->data, RESERVATION);
  mem->data = NULL;
  mem->pages = mem->size = 0;
}

/* ---- tables (allocated through the instance's allocator) ----------------------------------- */

static const tidal_allocator *table_alloc(void) {
  return tl.ctx && tl.ctx->alloc ? tl.ctx->alloc : tidal_default_allocator();
}

#define DEFINE_TABLE(kind, elem_t, null_v)                                                     \
  RT_API void wasm_rt_allocate_##kind##_table(wasm_rt_##kind##_table_t *tab, uint32_t n,        \
                                              uint32_t max) {                                 \
    int saved = tidal__rt_host_enter();                                                        \
    tab->data = NULL;                                                                          \
    tab->size = 0;                                                                             \
    tab->max_size = max > TABLE_MAX_ELEMENTS ? TABLE_MAX_ELEMENTS : max;                       \
    if (n > tab->max_size) host_trap(TIDAL__TRAP_LIMIT);                                       \
    if (n) {                                                                                   \
      elem_t *d = tidal__alloc(table_alloc(), (size_t)n * sizeof *d);                          \
      if (!d) host_trap(TIDAL__TRAP_NOMEM);                                                    \
      for (uint32_t i = 0; i < n; i++) d[i] = null_v;                                          \
      tab->data = d;                                                                           \
      tab->size = n;                                                                           \
    }                                                                                          \
    tidal__rt_host_leave(saved);                                                               \
  }                                                                                            \
  RT_API uint32_t wasm_rt_grow_##kind##_table(wasm_rt_##kind##_table_t *tab, uint32_t delta,    \
                                              elem_t init) {                                   \
    int saved = tidal__rt_host_enter();                                                        \
    uint32_t old = tab->size, result = UINT32_MAX;                                             \
    uint64_t want = (uint64_t)old + delta;                                                     \
    if (delta == 0) {                                                                          \
      result = old;                                                                            \
    } else if (want <= tab->max_size) {                                                        \
      elem_t *d = tidal__realloc(table_alloc(), tab->data, (size_t)old * sizeof *d,            \
                                 (size_t)want * sizeof *d);                                    \
      if (d) {                                                                                 \
        for (uint64_t i = old; i < want; i++) d[i] = init;                                     \
        tab->data = d;                                                                         \
        tab->size = (uint32_t)want;                                                            \
        result = old;                                                                          \
      }                                                                                        \
    }                                                                                          \
    tidal__rt_host_leave(saved);                                                               \
    return result;                                                                             \
  }                                                                                            \
  RT_API void wasm_rt_free_##kind##_table(wasm_rt_##kind##_table_t *tab) {                      \
    tidal__free(table_alloc(), tab->data, (size_t)tab->size * sizeof *tab->data);              \
    tab->data = NULL;                                                                          \
    tab->size = 0;                                                                             \
  }

DEFINE_TABLE(funcref, wasm_rt_funcref_t, wasm_rt_funcref_null_value)
DEFINE_TABLE(externref, wasm_rt_externref_t, wasm_rt_externref_null_value)

#endif /* TIDAL_ENABLE_WASM */
