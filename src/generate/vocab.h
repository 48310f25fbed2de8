/* Loading the application vocabulary (src/generate/vocab.c); internal to the generate module. */
#ifndef SECGEN_GENERATE_VOCAB_H
#define SECGEN_GENERATE_VOCAB_H
#include "secgen/packets.h"
sg_status sg_generate_vocab_load(const char *name, const char *data, size_t n, sg_app_vocab **out, sg_error *err);
#endif
