package dev.tandem.node.hosting;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.meter.InstrumentException;
import dev.tandem.sandbox.meter.MeterAbi;

/**
 * The record's {@code metered} CID checked against this node's own metering of the module. The metered bytes are
 * then stored under it, so clients without an instrumenter (browsers) fetch exactly what nodes run. A record that
 * names other bytes is refused: what a client re-runs must be what every honest node runs.
 *
 * @param mismatch why the record is refused, or null
 * @param cid      the metered module's CID to keep it under (null when the record names none, or on a mismatch)
 * @param bytes    the metered module (null likewise)
 */
record MeteredCheck(String mismatch, Cid cid, byte[] bytes) {

  static MeteredCheck of(ServiceRecord rec, byte[] wasm) {
    if (rec.metered() == null) {
      return new MeteredCheck(null, null, null);
    }
    byte[] metered;
    try {
      metered = Sandbox.metered(wasm);
    } catch (InstrumentException e) {
      return new MeteredCheck("module rejected: cannot be metered: " + e.getMessage(), null, null);
    }
    Cid computed = Cid.rawSha256(metered);
    if (!computed.equals(rec.metered())) {
      return new MeteredCheck("metered: the record names " + rec.metered() + ", but this node's metering ("
          + MeterAbi.VERSION + ") gives " + computed, null, null);
    }
    return new MeteredCheck(null, computed, metered);
  }
}
