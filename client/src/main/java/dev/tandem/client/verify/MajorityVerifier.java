package dev.tandem.client.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code builtin:majority}: at least 3 responses; a group of identical responses wins when it holds a strict
 * majority ({@code n/2 + 1}) and at least 2 members. The winner is reported by its first index and every response
 * outside it is faulty. No majority is a conflict with no one marked faulty. Same verdicts as
 * {@code services/verifiers/majority}.
 */
public final class MajorityVerifier implements Verifier {
  public static final MajorityVerifier INSTANCE = new MajorityVerifier();

  private MajorityVerifier() {}

  @Override
  public String id() {
    return ServiceRecord.BUILTIN_MAJORITY;
  }

  @Override
  public int minRequests() {
    return 3;
  }

  @Override
  public Verdict verify(JsonNode input) {
    List<String> r = Responses.canonicalTexts(input);
    int n = r.size();
    if (n < 3) {
      return new Verdict(Verdict.Kind.INSUFFICIENT, null, List.of());
    }
    int quorum = n / 2 + 1;
    for (int i = 0; i < n; i++) {
      if (r.subList(0, i).contains(r.get(i))) {
        continue; // this group was counted from its first index
      }
      String winner = r.get(i);
      long size = r.stream().filter(winner::equals).count();
      if (size >= quorum && size >= 2) {
        List<Integer> faulty = new ArrayList<>();
        for (int j = 0; j < n; j++) {
          if (!r.get(j).equals(winner)) {
            faulty.add(j);
          }
        }
        return new Verdict(Verdict.Kind.ACCEPT, i, faulty);
      }
    }
    return new Verdict(Verdict.Kind.CONFLICT, null, List.of());
  }

  @Override
  public String toString() {
    return id();
  }
}
