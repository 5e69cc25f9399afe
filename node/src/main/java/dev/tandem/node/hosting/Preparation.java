package dev.tandem.node.hosting;

import dev.tandem.sandbox.LoadTimes;
import java.util.Locale;

/**
 * How preparing a WebAssembly service went, step by step, as {@link System#nanoTime()} values: when it was queued
 * (told to offer it, or a retry), when the hosting thread picked it up, when the module was fetched (hash checked) and
 * loaded (validated, metered, compiled or tiered), when the service became ready to answer, when the fetched module
 * was stored (after it was ready: storing is not on a call's path) and when it reached its last tier (tiered: after
 * it was ready, when Chicory's compilation ended or GraalWasm took calls over from Chicory's interpreter; 0 until
 * then). Written to the log at debug level and read by the cold-call benchmark.
 *
 * @param fetchedNow whether the module came over the network (false: from this node's store)
 * @param load       where the sandbox's load took its time
 * @param tier       how its first calls run ({@link dev.tandem.sandbox.ServiceModule#tier()}); {@code compiled} stays
 *                   0 unless that is Chicory's {@code interpreter}
 */
public record Preparation(long queued, long started, long fetched, long loaded, long ready, long stored,
                          long compiled, boolean fetchedNow, int bytes, LoadTimes load, String tier) {

  Preparation withStored(long at) {
    return new Preparation(queued, started, fetched, loaded, ready, at, compiled, fetchedNow, bytes, load, tier);
  }

  Preparation withCompiled(long at) {
    return new Preparation(queued, started, fetched, loaded, ready, stored, at, fetchedNow, bytes, load, tier);
  }

  private static double ms(long from, long to) {
    return (to - from) / 1e6;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "picked up after %.1f ms, %s in %.1f ms (%,d bytes), loaded in %.1f ms (%s), "
        + "ready after %.1f ms in all, first calls on %s; stored %s; compiled %s", ms(queued, started),
        fetchedNow ? "fetched" : "read from the store", ms(started, fetched), bytes, ms(fetched, loaded), load,
        ms(queued, ready), tier, stored == 0 ? "not yet" : String.format(Locale.ROOT, "%.1f ms after ready", ms(ready, stored)),
        !"interpreter".equals(tier) ? "-" : compiled == 0 ? "not yet" : String.format(Locale.ROOT, "%.1f ms after ready", ms(ready, compiled)));
  }
}
