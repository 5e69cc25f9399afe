package dev.tandem.client;

/**
 * No valid service record has this id or name in what the bootstrap nodes hold, or a name is ambiguous (services of
 * different owners share it; call by service id instead).
 */
public final class ServiceNotFoundException extends TandemException {
  private final String nameOrId;

  public ServiceNotFoundException(String nameOrId, String message) {
    super(message);
    this.nameOrId = nameOrId;
  }

  /** What was asked for. */
  public String nameOrId() {
    return nameOrId;
  }
}
