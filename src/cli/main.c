/*
** main.c: the tidal command's entry point: dispatch on the first word to a subcommand.
**
** The CLI is the only code that reads argv or the environment, prints, or exits; each
** subcommand lives in its own file (cli_<name>.c) and is listed in cli.h.
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const tidal_cli_command commands[] = {
#define TIDAL_CLI_XX(name, fn, help) {name, fn, help},
    TIDAL_CLI_COMMANDS(TIDAL_CLI_XX)
#undef TIDAL_CLI_XX
};

static void usage(FILE *f) {
  fprintf(f, "usage: tidal COMMAND [ARGS...]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "tidal: unknown command '%s' (try 'tidal help')\n", argv[1]);
  return 2;
}
