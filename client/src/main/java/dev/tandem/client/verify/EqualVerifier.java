package dev.tandem.client.verify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * {@code builtin:equal}: at least 2 responses, all identical. Any disagreement is a conflict with no one marked
 * faulty, since with every answer required to match the verifier cannot tell who is wrong. Same verdicts as
 * {@code services/verifiers/equal}.
 */
public final class EqualVerifier implements Verifier {
  public static final EqualVerifier INSTANCE = new EqualVerifier();

  private EqualVerifier() {}

  @Override
  public String id() {
    return ServiceRecord.BUILTIN_EQUAL;
  }

  @Override
  public int minRequests() {
    return 2;
  }

  @Override
  public boolean conflictIsFinal() {
    return true;
  }

  /** Equal canonical texts are equal hashes: the verdict {@link #verify} gives, from the hashes alone. */
  @Override
  public Optional<Verdict> verifyHashes(List<String> responseHashes) {
    if (responseHashes.size() < 2) {
      return Optional.of(new Verdict(Verdict.Kind.INSUFFICIENT, null, List.of()));
    }
    boolean same = responseHashes.stream().allMatch(responseHashes.get(0)::equals);
    return Optional.of(same ? new Verdict(Verdict.Kind.ACCEPT, 0, List.of())
        : new Verdict(Verdict.Kind.CONFLICT, null, List.of()));
  }

  @Override
  public Verdict verify(JsonNode input) {
    List<String> r = Responses.canonicalTexts(input);
    if (r.size() < 2) {
      return new Verdict(Verdict.Kind.INSUFFICIENT, null, List.of());
    }
    for (int i = 1; i < r.size(); i++) {
      if (!r.get(i).equals(r.get(0))) {
        return new Verdict(Verdict.Kind.CONFLICT, null, List.of());
      }
    }
    return new Verdict(Verdict.Kind.ACCEPT, 0, List.of());
  }

  @Override
  public String toString() {
    return id();
  }
}
