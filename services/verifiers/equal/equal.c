/*
 * Verifier "equal": at least 2 responses, all byte-identical.
 * Any disagreement is a conflict with no one marked faulty: with every answer
 * required to match, the verifier cannot tell who is wrong; the client escalates.
 */
#include "../verifier.h"

TANDEM_EXPORT("minRequests")
int32_t min_requests(void) { return 2; }

static void decide(const response *r, int n, tbuf *out) {
    if (n < 2) { write_verdict(out, "insufficient", -1, 0, 0); return; }
    for (int i = 1; i < n; i++)
        if (!same_response(&r[0], &r[i])) { write_verdict(out, "conflict", -1, 0, 0); return; }
    write_verdict(out, "accept", 0, 0, 0);
}

TANDEM_EXPORT("verify")
uint64_t verify(const char *ptr, int32_t len) {
    return verifier_run(ptr, (size_t)len, decide);
}
