package dev.tandem.client.it;

import java.net.URI;

/** Access to the shared test pool for tests outside this package: a bootstrap node of a network serving "echo". */
public final class SharedPool {
  private SharedPool() {}

  /**
   * The URL of a node of the pool; the pool starts on first use. Its "echo" service is offered by liars and broken
   * servers too: a verified call still gives the honest result.
   */
  public static URI bootstrap() throws Exception {
    return TestPool.shared().home.url();
  }
}
