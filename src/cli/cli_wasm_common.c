/*
** cli_wasm_common.c: what every WASM-using subcommand (wasm compile/inspect/run, wordcount
** --wasm) shares: where the compile cache lives and how guest log lines are printed.
**
** The cache directory is the CLI's choice, never libtidal's (the library does not read the
** environment): $XDG_CACHE_HOME/tidal when XDG_CACHE_HOME is an absolute path, else
** $HOME/.cache/tidal.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

int tidal_cli_default_cache_dir(char *buf, size_t n) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  int len;
  if (xdg && xdg[0] == '/')
    len = snprintf(buf, n, "%s/tidal", xdg);
  else if (home && home[0])
    len = snprintf(buf, n, "%s/.cache/tidal", home);
  else
    return -1;
  return len < 0 || (size_t)len >= n ? -1 : 0;
}

void tidal_cli_wasm_log(void *ud, const char *module, const char *text, size_t len) {
  (void)ud;
  fprintf(stderr, "[%s] %.*s\n", module, (int)len, text);
}
