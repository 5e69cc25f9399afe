package dev.tandem.core.cid;

/**
 * Thrown when text or bytes are not a CID this package understands; the message says what is wrong and where.
 */
public final class CidFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CidFormatException(String message) {
        super(message);
    }

    public CidFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
