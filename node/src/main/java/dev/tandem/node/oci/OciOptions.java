package dev.tandem.node.oci;

import java.util.Optional;

/**
 * How a node runs OCI services.
 *
 * @param runtime     {@code podman} (found on the PATH), a path to a podman binary, or {@code off}
 * @param unsafeImage FOR TESTS ONLY: an image (by digest) run in place of every OCI service's own, so a test can
 *                    make a node that answers a record with other code, as a liar would
 */
public record OciOptions(String runtime, Optional<String> unsafeImage) {
  /** Podman when it is on the PATH, else no OCI services. */
  public static final OciOptions DEFAULT = new OciOptions("podman", Optional.empty());
  /** No OCI services on this node. */
  public static final OciOptions OFF = new OciOptions("off", Optional.empty());

  public OciOptions {
    if (runtime == null || runtime.isBlank()) {
      throw new IllegalArgumentException("--oci must be podman, off or the path of a podman binary");
    }
    unsafeImage = unsafeImage == null ? Optional.empty() : unsafeImage;
  }

  public boolean off() {
    return runtime.equals(dev.tandem.sandbox.oci.Podman.OFF);
  }
}
