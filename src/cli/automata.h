/* secgen automata: the actions (one file each group: automata_learn.c, automata_use.c,
 * automata_evaluate.c) and the help texts shared with the dispatcher in cmd_automata.c. */
#ifndef SECGEN_CLI_AUTOMATA_H
#define SECGEN_CLI_AUTOMATA_H

#include <stdio.h>

#include "secgen/flow.h"

#define CMD "automata"

/* per-action help: "learn", "score", ...; NULL = the overview of every action */
void sg_automata_usage(FILE *fp, const char *action);
/* read a sequence CSV; an empty file is an error naming it */
sg_status sg_automata_load_seqs(const char *path, sg_seq_set **out, sg_error *err);

int sg_automata_learn(int argc, char **argv);
int sg_automata_score(int argc, char **argv);
int sg_automata_sample(int argc, char **argv);
int sg_automata_show(int argc, char **argv);
int sg_automata_convert(int argc, char **argv);
int sg_automata_evaluate(int argc, char **argv);

#endif
