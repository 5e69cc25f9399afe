package dev.tandem.core.record;

import dev.tandem.core.crypto.PublicKey;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How services are named. Anyone may register any name, so a name is scoped by its owner: a service is addressed by
 * its id, by {@code NAME} while only one owner uses that name, and always by the owner-qualified {@code OWNER/NAME},
 * where {@code OWNER} is the first 8 or more base58 characters of the owner's key (without {@code ed25519:}), as many
 * as tell it apart from every other owner of a service with that name. A second owner registering the name makes a
 * bare {@code NAME} ambiguous, but never breaks {@code OWNER/NAME}. Several versions by one owner resolve to the
 * newest ({@code createdAt}).
 */
public final class ServiceNames {
  /** The fewest characters of an owner key in a qualified name. */
  public static final int MIN_OWNER_CHARS = 8;

  private ServiceNames() {}

  /** A name that fits several owners' services; the message lists their qualified names. */
  public static final class AmbiguousNameException extends IllegalArgumentException {
    public AmbiguousNameException(String message) {
      super(message);
    }
  }

  /** The base58 characters of a key, without {@code ed25519:}. */
  public static String base58(PublicKey key) {
    return key.toString().substring(PublicKey.PREFIX.length());
  }

  /** {@code OWNER/NAME} of {@code service} among {@code all} (the registry's services). */
  public static String qualified(ServiceRecord service, Collection<ServiceRecord> all) {
    String mine = base58(service.owner());
    List<String> others = all.stream().filter(s -> s.name().equals(service.name()))
        .map(ServiceRecord::owner).distinct().filter(o -> !o.equals(service.owner())).map(ServiceNames::base58)
        .toList();
    int n = MIN_OWNER_CHARS;
    while (n < mine.length()) {
      int len = n;
      if (others.stream().noneMatch(o -> o.startsWith(mine.substring(0, len)))) {
        break;
      }
      n++;
    }
    return mine.substring(0, n) + "/" + service.name();
  }

  /**
   * The service {@code ref} names among {@code all}: by id, by {@code OWNER/NAME} (OWNER a prefix of at least
   * {@value #MIN_OWNER_CHARS} base58 characters of the owner key, with or without {@code ed25519:}), or by a
   * {@code NAME} one owner uses; the newest version of that owner's service.
   *
   * @throws AmbiguousNameException when the name or owner prefix fits several owners
   * @throws IllegalArgumentException when OWNER is shorter than {@value #MIN_OWNER_CHARS} characters
   */
  public static Optional<ServiceRecord> resolve(String ref, Collection<ServiceRecord> all) {
    for (ServiceRecord s : all) {
      if (s.serviceId().equals(ref)) {
        return Optional.of(s);
      }
    }
    return resolveName(ref, all);
  }

  /**
   * {@link #resolve} for a caller that has looked {@code ref} up as an id already (in a map by id): by
   * {@code OWNER/NAME} or {@code NAME} only, without hashing every record for its id.
   */
  public static Optional<ServiceRecord> resolveName(String ref, Collection<ServiceRecord> all) {
    int slash = ref.indexOf('/');
    String name = slash < 0 ? ref : ref.substring(slash + 1);
    String owner = slash < 0 ? "" : ref.substring(0, slash);
    if (owner.startsWith(PublicKey.PREFIX)) {
      owner = owner.substring(PublicKey.PREFIX.length());
    }
    if (slash >= 0 && owner.length() < MIN_OWNER_CHARS) {
      throw new IllegalArgumentException("'" + ref + "': the owner part must be at least " + MIN_OWNER_CHARS
          + " characters of the owner's key");
    }
    String prefix = owner;
    List<ServiceRecord> named = all.stream().filter(s -> s.name().equals(name))
        .filter(s -> base58(s.owner()).startsWith(prefix))
        .sorted(Comparator.comparingLong(ServiceRecord::createdAt).reversed()).toList();
    if (named.isEmpty()) {
      return Optional.empty();
    }
    List<PublicKey> owners = named.stream().map(ServiceRecord::owner).distinct().toList();
    if (owners.size() > 1) {
      List<String> choices = owners.stream().map(o -> named.stream().filter(s -> s.owner().equals(o)).findFirst()
          .orElseThrow()).map(s -> qualified(s, all)).toList();
      throw new AmbiguousNameException("the name '" + ref + "' is used by " + owners.size()
          + " owners; name one as OWNER/NAME: " + String.join(", ", choices));
    }
    return Optional.of(named.get(0));
  }
}
