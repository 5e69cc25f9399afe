package dev.tandem.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceNamesTest {
  static ServiceRecord record(String name, KeyPair owner, long createdAt) {
    return ServiceRecord.builder().name(name).module(Cid.rawSha256(new byte[] {(byte) createdAt}))
        .verifier(ServiceRecord.BUILTIN_EQUAL).createdAt(createdAt).sign(owner);
  }

  @Test
  void aNameResolvesWhileOneOwnerUsesItAndTheQualifiedNameAlways() {
    KeyPair alice = KeyPair.generate();
    KeyPair mallory = KeyPair.generate();
    ServiceRecord v1 = record("whisper", alice, 1);
    ServiceRecord v2 = record("whisper", alice, 2);
    List<ServiceRecord> one = List.of(v1, v2);
    assertThat(ServiceNames.resolve("whisper", one)).contains(v2);
    assertThat(ServiceNames.resolve(v1.serviceId(), one)).contains(v1);
    String q = ServiceNames.qualified(v1, one);
    assertThat(q).isEqualTo(ServiceNames.base58(alice.publicKey()).substring(0, 8) + "/whisper");
    assertThat(ServiceNames.resolve(q, one)).contains(v2);

    ServiceRecord squat = record("whisper", mallory, 3);
    List<ServiceRecord> two = List.of(v1, v2, squat);
    assertThatThrownBy(() -> ServiceNames.resolve("whisper", two))
        .isInstanceOf(ServiceNames.AmbiguousNameException.class).hasMessageContaining(q)
        .hasMessageContaining(ServiceNames.qualified(squat, two));
    assertThat(ServiceNames.resolve(ServiceNames.qualified(v1, two), two)).contains(v2);
    assertThat(ServiceNames.resolve(ServiceNames.qualified(squat, two), two)).contains(squat);
    assertThat(ServiceNames.resolve("nobody00/whisper", two)).isEmpty();
    assertThatThrownBy(() -> ServiceNames.resolve("abc/whisper", two)).hasMessageContaining("at least 8");
  }

  @Test
  void ownerPrefixesGrowUntilTheyAreUnique() {
    // Keys sharing 8 base58 characters are too rare to draw; the property checked instead: every qualified name of
    // many owners of one name resolves to its own owner's service.
    List<ServiceRecord> many = new java.util.ArrayList<>();
    for (int i = 0; i < 60; i++) {
      many.add(record("popular", KeyPair.generate(), i));
    }
    for (ServiceRecord s : many) {
      String q = ServiceNames.qualified(s, many);
      assertThat(q.indexOf('/')).isGreaterThanOrEqualTo(8);
      assertThat(ServiceNames.resolve(q, many)).contains(s);
    }
  }
}
