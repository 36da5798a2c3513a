/*
** runner.c: registers TEST cases and runs each in a forked child, so one crash or failed CHECK
** fails that case only. Closes with "N passed, N failed" (the line CI reads).
*/
#include "test.h"

#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#define MAX_TESTS 1024

static struct {
  const char *name;
  tidal_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

void tidal_test_register(const char *name, tidal_test_fn fn) {
  if (ntests == MAX_TESTS) {
    fprintf(stderr, "too many tests (raise MAX_TESTS)\n");
    exit(2);
  }
  tests[ntests].name = name;
  tests[ntests].fn = fn;
  ntests++;
}

static void *test_alloc_fn(void *ud, void *ptr, size_t osize, size_t nsize) {
  tidal_test_alloc *t = ud;
  if (nsize == 0) {
    if (ptr) {
      t->live--;
      t->live_bytes -= osize;
    }
    free(ptr);
    return NULL;
  }
  if (nsize > osize || !ptr) {
    long i = t->count++;
    if (t->fail_at >= 0 && i >= t->fail_at) return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  if (!ptr) t->live++;
  t->live_bytes = t->live_bytes - osize + nsize;
  return p;
}

void tidal_test_alloc_init(tidal_test_alloc *t, long fail_at) {
  memset(t, 0, sizeof *t);
  t->base.fn = test_alloc_fn;
  t->base.ud = t;
  t->fail_at = fail_at;
}

int tidal_test_oom_sweep(tidal_test_oom_body body, void *ud) {
  for (long k = 0; k < 100000; k++) {
    tidal_test_alloc t;
    tidal_test_alloc_init(&t, k);
    int rc = body(ud, &t.base);
    if (t.live != 0)
      TEST_FAIL("OOM sweep: run failing at allocation %ld leaked %ld blocks (%zu bytes), rc=%s",
                k, t.live, t.live_bytes, tidal_err_name(rc));
    if (rc == 0) return (int)k + 1;
    if (rc != TIDAL_ENOMEM)
      TEST_FAIL("OOM sweep: run failing at allocation %ld returned %s, expected TIDAL_ENOMEM", k,
                tidal_err_name(rc));
  }
  TEST_FAIL("OOM sweep: never succeeded");
  return -1;
}

const char *tidal_test_shared_dir(void) {
  const char *d = getenv("TIDAL_SHARED_DIR");
  return d && *d ? d : "../shared";
}

static int selected(const char *name, int argc, char **argv) {
  if (argc < 2) return 1;
  for (int i = 1; i < argc; i++)
    if (strstr(name, argv[i])) return 1;
  return 0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int passed = 0, failed = 0;
  int nofork = getenv("TIDAL_TEST_NOFORK") != NULL;
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int i = 0; i < ntests; i++) {
    if (!selected(tests[i].name, argc, argv)) continue;
    double t0 = now_s();
    int ok;
    if (nofork) {
      tests[i].fn();
      ok = 1;
    } else {
      pid_t pid = fork();
      if (pid < 0) {
        perror("fork");
        return 2;
      }
      if (pid == 0) {
        tests[i].fn();
        fflush(NULL);
        _exit(0);
      }
      int status = 0;
      while (waitpid(pid, &status, 0) < 0) {}
      ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && WIFSIGNALED(status))
        fprintf(stderr, "  killed by signal %d\n", WTERMSIG(status));
    }
    printf("%s %s (%.3fs)\n", ok ? "ok  " : "FAIL", tests[i].name, now_s() - t0);
    if (ok) passed++; else failed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
