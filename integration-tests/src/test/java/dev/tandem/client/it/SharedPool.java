package dev.tandem.client.it;

import java.net.URI;

/** Access to the shared test pool for tests outside this package: a bootstrap node of a network serving "echo". */
public final class SharedPool {
  private SharedPool() {}

  /**
   * The URL of a node of a small pool; the pool starts on first use. Its "echo" service is offered by a liar and
   * broken servers too, but by no colluders: a verified call with any two of them gives the honest result.
   */
  public static URI bootstrap() throws Exception {
    return TestPool.small().home.url();
  }
}
