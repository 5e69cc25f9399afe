package dev.tandem.registry.store;

/**
 * The registry's database failed (disk full, I/O error, a file another program locked). Unlike a
 * {@link dev.tandem.core.record.RecordException} it says nothing about the record: submitting it again later may work.
 */
public final class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
