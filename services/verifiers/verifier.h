/*
 * Shared part of the verifier modules (docs/writing-services.md, "A verifier").
 *
 * Input  {"requests":[...],"responses":[{"response":{...},"server":"ed25519:..."}...]}
 * Output {"accepted":index|null,"faulty":[index...],"verdict":"accept"|"conflict"|"insufficient"}
 *
 * Responses are compared by their text: the host passes RFC 8785 canonical JSON,
 * in which equal values have equal bytes, so no value comparison is needed.
 * Malformed input is answered with {"error":{"code":-32700|-32602,...}}.
 */
#ifndef TANDEM_VERIFIER_H
#define TANDEM_VERIFIER_H

#include "../lib/tandem.h"

typedef struct {
    const char *text;   /* canonical text of the "response" value */
    size_t len;
} response;

/* Decides on n responses and writes the verdict with write_verdict. */
typedef void (*verifier_decide)(const response *r, int n, tbuf *out);

uint64_t verifier_run(const char *in, size_t len, verifier_decide decide);
int same_response(const response *a, const response *b);
/* accepted < 0 writes null; keys in sorted order so the output is canonical. */
void write_verdict(tbuf *out, const char *verdict, int accepted, const int *faulty, int nfaulty);

#endif
