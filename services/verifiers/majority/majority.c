/*
 * Verifier "majority": at least 3 responses; a group of identical responses wins
 * if it holds a strict majority, floor(n/2) + 1, and at least 2 members. The
 * winner is reported by its first index; every response outside it is faulty.
 * No majority is a conflict with no one marked faulty (the client escalates).
 */
#include "../verifier.h"

TANDEM_EXPORT("minRequests")
int32_t min_requests(void) { return 3; }

static void decide(const response *r, int n, tbuf *out) {
    if (n < 3) { write_verdict(out, "insufficient", -1, 0, 0); return; }
    int quorum = n / 2 + 1;
    /* O(n^2) grouping: n is the number of servers asked, a handful. */
    for (int i = 0; i < n; i++) {
        int first = 1, size = 0;
        for (int j = 0; j < n; j++) {
            if (!same_response(&r[i], &r[j])) continue;
            if (j < i) { first = 0; break; }   /* group already counted from its first index */
            size++;
        }
        if (!first || size < quorum || size < 2) continue;
        int *faulty = (int *)t_alloc(sizeof(int) * (size_t)n), nf = 0;
        for (int j = 0; j < n; j++)
            if (!same_response(&r[i], &r[j])) faulty[nf++] = j;
        write_verdict(out, "accept", i, faulty, nf);
        return;
    }
    write_verdict(out, "conflict", -1, 0, 0);
}

TANDEM_EXPORT("verify")
uint64_t verify(const char *ptr, int32_t len) {
    return verifier_run(ptr, (size_t)len, decide);
}
