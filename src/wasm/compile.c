/*
** compile.c: the compile cache. A checked module is translated by wasm2c and compiled by the
** system C compiler (with a generated glue file) into a shared object stored at
** <cache_dir>/wasm-v1/<key>.so, where key = xxh3-128(tag, module bytes) and the tag names the
** runtime ABI, the glue ABI, the wasm-rt.h version and the compiler flags.
**
** Invariants:
** - An entry is complete or absent: it is built in a private temporary directory and renamed
**   into place; a crash mid-compile leaves at most a tmp-* directory, never a broken entry.
** - Compiles of one key are serialized by flock on <key>.lock (across threads and processes);
**   whoever gets the lock second finds the entry and compiles nothing.
** - The wasm-v1 directory belongs to the current user and is not group/world-writable (its objects
**   are dlopen'd), or nothing is loaded from it.
** - Tools run by fork/exec with an argument vector (no shell), in their own process group, with
**   address-space, CPU-time and file-size limits and a wall-clock timeout that kills the group.
*/
#include "wasm/wasm_int.h"

#if TIDAL_ENABLE_WASM /* otherwise disabled.c provides TIDAL_ENOSYS stubs */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

/* Everything that changes the meaning of a compiled object. Bump TIDAL_RT_ABI when rt.c's
** contract with generated code changes. */
#define TIDAL_RT_ABI "tidal-wasm-rt-1"
#define CC_FLAGS_TAG "-O2 -fPIC -shared -ftls-model=initial-exec -fvisibility=hidden -DNDEBUG"
#define CACHE_TAG                                                                          \
  TIDAL_RT_ABI "|glue-1|wabt-1.0.32|memcheck=signal|wasm2c -n m|" CC_FLAGS_TAG

void tidal__wasm_cache_key(const uint8_t *bytes, size_t len, char key[33]) {
  /* The tag's hash seeds the module's hash: a different tag gives unrelated keys. */
  XXH128_hash_t h = XXH3_128bits_withSeed(bytes, len, XXH3_64bits(CACHE_TAG, sizeof CACHE_TAG));
  snprintf(key, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* mkdir -p for the cache directory (the path is the caller's; no shell). */
static int mkdirs(const char *path, tidal_error *err) {
  char buf[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof buf)
    return tidal_error_set(err, TIDAL_EINVAL, "cache directory path is empty or too long");
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      buf[i] = '\0';
      if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return tidal_error_set(err, TIDAL_EIO, "cannot create cache directory '%s': %s", buf,
                               strerror(errno));
      buf[i] = c;
    }
  }
  struct stat sb;
  if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return tidal_error_set(err, TIDAL_EIO, "cache directory '%s' is not a directory", path);
  return 0;
}

static int write_file(const char *path, const void *data, size_t len, tidal_error *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return tidal_error_set(err, TIDAL_EIO, "cannot create '%s': %s", path, strerror(errno));
  const uint8_t *p = data;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      return tidal_error_set(err, TIDAL_EIO, "cannot write '%s': %s", path, strerror(e));
    }
    p += w;
    len -= (size_t)w;
  }
  if (close(fd) != 0) return tidal_error_set(err, TIDAL_EIO, "cannot write '%s': %s", path, strerror(errno));
  return 0;
}

/* The first bytes a failed tool wrote, for the error message (control characters flattened). */
static void tool_output(const char *path, char *out, size_t cap) {
  out[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, out, cap - 1);
  close(fd);
  if (n <= 0) return;
  out[n] = '\0';
  for (ssize_t i = 0; i < n; i++)
    if ((unsigned char)out[i] < 0x20) out[i] = ' ';
}

/*
** Run argv[0] (looked up on PATH by execvp) in `dir` with stdout+stderr to dir/<log>. Limits:
** RLIMIT_AS mem_bytes, RLIMIT_CPU and a wall-clock timeout, RLIMIT_FSIZE 1 GiB, no core files.
*/
static int run_tool(const tidal__wasm_tools *tools, const char *dir, const char *const argv[],
                    const char *log, const char *package, tidal_error *err) {
  char logpath[4300];
  snprintf(logpath, sizeof logpath, "%s/%s", dir, log);
  int pfd[2];
  if (pipe2(pfd, O_CLOEXEC) != 0)
    return tidal_error_set(err, TIDAL_EIO, "pipe: %s", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    close(pfd[0]);
    close(pfd[1]);
    return tidal_error_set(err, TIDAL_EIO, "fork: %s", strerror(errno));
  }
  if (pid == 0) {
    /* Child: only async-signal-safe calls until exec. */
    setpgid(0, 0);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)tools->mem_bytes;
    setrlimit(RLIMIT_AS, &rl);
    rl.rlim_cur = rl.rlim_max = (rlim_t)(tools->timeout_ms / 1000 + 2);
    setrlimit(RLIMIT_CPU, &rl);
    rl.rlim_cur = rl.rlim_max = (rlim_t)1 << 30;
    setrlimit(RLIMIT_FSIZE, &rl);
    rl.rlim_cur = rl.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &rl);
    int e = 0;
    if (chdir(dir) != 0) e = errno;
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!e && (in < 0 || out < 0)) e = errno;
    if (!e && (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)) e = errno;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (!e) {
      execvp(argv[0], (char *const *)argv);
      e = errno;
    }
    ssize_t w = write(pfd[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(pfd[1]);
  int child_errno = 0;
  ssize_t got;
  do got = read(pfd[0], &child_errno, sizeof child_errno);
  while (got < 0 && errno == EINTR);
  close(pfd[0]);
  double deadline = now_ms() + tools->timeout_ms;
  int status = 0;
  bool timed_out = false;
  long sleep_us = 200;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return tidal_error_set(err, TIDAL_EIO, "waitpid: %s", strerror(errno));
    if (!timed_out && now_ms() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      timed_out = true;
    }
    struct timespec ts = {0, sleep_us * 1000};
    nanosleep(&ts, NULL);
    if (sleep_us < 10000) sleep_us *= 2;
  }
  if (got == (ssize_t)sizeof child_errno) {
    if (child_errno == ENOENT)
      return tidal_error_set(err, TIDAL_ECOMPILE,
                             "'%s' not found on PATH: it is needed to compile WASM modules "
                             "(install the Debian package '%s', or configure another path)",
                             argv[0], package);
    return tidal_error_set(err, TIDAL_ECOMPILE, "cannot run '%s': %s", argv[0],
                           strerror(child_errno));
  }
  kill(-pid, SIGKILL); /* helpers (cc1, as, ld) left behind in the group, if any */
  char out[400];
  tool_output(logpath, out, sizeof out);
  if (timed_out)
    return tidal_error_set(err, TIDAL_ECOMPILE, "'%s' exceeded its time limit of %u ms and was killed",
                           argv[0], tools->timeout_ms);
  if (WIFSIGNALED(status))
    return tidal_error_set(err, TIDAL_ECOMPILE,
                           "'%s' was killed by signal %d (time or memory limit?) %s", argv[0],
                           WTERMSIG(status), out);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return tidal_error_set(err, TIDAL_ECOMPILE, "'%s' failed (exit status %d): %s", argv[0],
                           WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
  return 0;
}

/* The glue file: one exported table with the instance size, life-cycle functions and exports. */
static int write_glue(const char *path, const tidal__wasm_info *info, const char *key,
                      tidal_error *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return tidal_error_set(err, TIDAL_EIO, "cannot create '%s': %s", path, strerror(errno));
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return tidal_error_set(err, TIDAL_ENOMEM, "fdopen failed");
  }
  fprintf(f,
          "/* Generated by tidal: the table the host reads from this module. */\n"
          "#include \"m.h\"\n"
          "typedef struct { const char *name; unsigned sig; void (*fn)(void); } glue_export;\n"
          "typedef struct { unsigned abi, memcheck; unsigned long struct_size; const char *key;\n"
          "  unsigned long instance_size; void (*init_module)(void);\n"
          "  void (*instantiate)(void *, void *); void (*free)(void *);\n"
          "  wasm_rt_memory_t *(*memory)(void *); unsigned n_exports;\n"
          "  const glue_export *exports; } glue;\n"
          "static void g_instantiate(void *i, void *ctx) {\n");
  if (info->imports_log)
    fprintf(f, "  Z_m_instantiate((Z_m_instance_t *)i, (struct Z_tidal_instance_t *)ctx);\n}\n");
  else
    fprintf(f, "  (void)ctx;\n  Z_m_instantiate((Z_m_instance_t *)i);\n}\n");
  fprintf(f,
          "static void g_free(void *i) { Z_m_free((Z_m_instance_t *)i); }\n"
          "static wasm_rt_memory_t *g_memory(void *i) { return Z_mZ_memory((Z_m_instance_t *)i); }\n"
          "static const glue_export g_exports[] = {\n");
  unsigned n = 0;
  for (size_t i = 0; i < info->n_exports; i++) {
    const tidal__wasm_export *e = &info->exports[i];
    if (e->kind != 0 || e->sig == TIDAL__SIG_OTHER) continue;
    /* The name as a C literal (octal escapes for anything but letters and digits), and the
    ** symbol wasm2c 1.0.32 gives it: letters, digits and '_' kept, 'Z' and others as Z<hex>. */
    fputs("  {\"", f);
    for (size_t k = 0; k < e->name_len; k++) {
      unsigned char c = (unsigned char)e->name[k];
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
        fputc(c, f);
      else
        fprintf(f, "\\%03o", c);
    }
    fprintf(f, "\", %d, (void (*)(void))Z_mZ_", e->sig);
    for (size_t k = 0; k < e->name_len; k++) {
      unsigned char c = (unsigned char)e->name[k];
      if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') &&
          c != 'Z')
        fputc(c, f);
      else
        fprintf(f, "Z%02X", c);
    }
    fputs("},\n", f);
    n++;
  }
  fprintf(f,
          "  {0, 0, 0}\n};\n"
          "__attribute__((visibility(\"default\"))) const glue " TIDAL__WASM_GLUE_SYMBOL " = {\n"
          "  %u, WASM_RT_MEMCHECK_SIGNAL_HANDLER, sizeof(glue), \"%s\", sizeof(Z_m_instance_t),\n"
          "  Z_m_init_module, g_instantiate, g_free, g_memory, %u, g_exports};\n",
          TIDAL__WASM_GLUE_ABI, key, n);
  if (fclose(f) != 0) return tidal_error_set(err, TIDAL_EIO, "cannot write '%s'", path);
  return 0;
}

/* Remove the temporary directory and what the pipeline left in it. */
static void cleanup_tmp(const char *tmp) {
  static const char *const files[] = {"m.wasm", "m.c", "m.h", "glue.c", "m.so",
                                      "validate.log", "wasm2c.log", "cc.log"};
  char p[4300];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(p, sizeof p, "%s/%s", tmp, files[i]);
    unlink(p);
  }
  rmdir(tmp);
}

static int build(const tidal__wasm_tools *tools, const char *dir, const uint8_t *bytes,
                 size_t len, const tidal__wasm_info *info, const char *key, const char *final,
                 tidal_error *err) {
  char tmp[4200], p[4300];
  snprintf(tmp, sizeof tmp, "%s/tmp-%s-XXXXXX", dir, key);
  if (!mkdtemp(tmp)) return tidal_error_set(err, TIDAL_EIO, "mkdtemp in '%s': %s", dir, strerror(errno));
  snprintf(p, sizeof p, "%s/m.wasm", tmp);
  int rc = write_file(p, bytes, len, err);
  if (rc == 0 && tools->wasm_validate && tools->wasm_validate[0]) {
    const char *argv[] = {tools->wasm_validate, "--disable-simd", "m.wasm", NULL};
    tidal_error verr;
    rc = run_tool(tools, tmp, argv, "validate.log", "wabt", &verr);
    if (rc == TIDAL_ECOMPILE && strstr(verr.msg, "failed (exit"))
      rc = tidal_error_set(err, TIDAL_EWASM, "module rejected by %s", verr.msg);
    else if (rc < 0)
      rc = tidal_error_set(err, rc, "%s", verr.msg);
  }
  if (rc == 0) {
    const char *argv[] = {tools->wasm2c, "-n", "m", "-o", "m.c", "m.wasm", NULL};
    rc = run_tool(tools, tmp, argv, "wasm2c.log", "wabt", err);
  }
  if (rc == 0) {
    snprintf(p, sizeof p, "%s/glue.c", tmp);
    rc = write_glue(p, info, key, err);
  }
  if (rc == 0) {
    const char *argv[] = {tools->cc, "-O2", "-fPIC", "-shared", "-ftls-model=initial-exec",
                          "-fvisibility=hidden", "-DNDEBUG", "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1",
                          "-w", "-o", "m.so", "m.c", "glue.c", "-lm", NULL};
    rc = run_tool(tools, tmp, argv, "cc.log", "gcc", err);
  }
  if (rc == 0) {
    snprintf(p, sizeof p, "%s/m.so", tmp);
    if (rename(p, final) != 0)
      rc = tidal_error_set(err, TIDAL_EIO, "cannot store '%s': %s", final, strerror(errno));
  }
  cleanup_tmp(tmp);
  return rc;
}

int tidal__wasm_compile(const tidal__wasm_tools *tools, const uint8_t *bytes, size_t len,
                        const tidal__wasm_info *info, const char *key, bool force,
                        char **so_path, bool *compiled, tidal_error *err) {
  *so_path = NULL;
  *compiled = false;
  char dir[4096], final[4200], lock[4200];
  if (snprintf(dir, sizeof dir, "%s/wasm-v1", tools->cache_dir) >= (int)sizeof dir)
    return tidal_error_set(err, TIDAL_EINVAL, "cache directory path too long");
  TIDAL_RETURN_IF_ERROR(mkdirs(dir, err));
  /* Objects in here get dlopen'd: refuse a directory someone else could write to. */
  struct stat sb;
  if (stat(dir, &sb) != 0 || sb.st_uid != geteuid() || (sb.st_mode & 022))
    return tidal_error_set(err, TIDAL_EIO,
                           "cache directory '%s' is not private (it must belong to this user and "
                           "not be writable by group or others)",
                           dir);
  snprintf(final, sizeof final, "%s/%s.so", dir, key);
  snprintf(lock, sizeof lock, "%s/%s.lock", dir, key);
  if (!force && access(final, R_OK) == 0) goto found;
  int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0) return tidal_error_set(err, TIDAL_EIO, "cannot open '%s': %s", lock, strerror(errno));
  while (flock(lfd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int e = errno;
      close(lfd);
      return tidal_error_set(err, TIDAL_EIO, "cannot lock '%s': %s", lock, strerror(e));
    }
  }
  int rc = 0;
  if (force) unlink(final);
  if (force || access(final, R_OK) != 0) {
    rc = build(tools, dir, bytes, len, info, key, final, err);
    if (rc == 0) *compiled = true;
  }
  close(lfd); /* releases the lock */
  if (rc < 0) return rc;
found:
  *so_path = tidal__wasm_strdup(tools->alloc, final);
  if (!*so_path) return tidal_error_set(err, TIDAL_ENOMEM, "out of memory");
  return 0;
}

#endif /* TIDAL_ENABLE_WASM */
