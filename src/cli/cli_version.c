/* cli_version.c: `tidal version`. */
#include "cli.h"

#include <stdio.h>

int tidal_cli_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("tidal %s\n", tidal_version());
  return 0;
}
