package dev.tandem.node.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.crypto.PublicKey;
import dev.tandem.core.wire.JsonRpc;
import dev.tandem.core.wire.RpcErrors;
import dev.tandem.node.quota.HourlyQuota;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * What evidence from strangers meets before it costs a re-run or a row in {@code node.db}: a size limit per item,
 * hourly quotas per caller address and per reporter key, and the bounded, expiring {@link EvidenceQueue} for items
 * that cannot be judged yet. Every new item is charged its size plus {@value #ITEM_OVERHEAD} bytes (the row, its
 * index entries), so what one address adds to {@code node.db} in an hour is at most its quota. Evidence already judged
 * or held costs nothing again. docs/operating-a-node.md lists the limits and their flags.
 */
public final class EvidenceIntake {
  /** Bytes an item is charged beyond its JSON. */
  static final long ITEM_OVERHEAD = 1024;

  /**
   * The limits.
   *
   * @param maxItemBytes the largest evidence JSON taken ({@code --max-evidence-bytes})
   * @param kbPerAddressPerHour kilobytes of new evidence per caller address and hour
   * @param kbPerReporterPerHour kilobytes of new evidence per reporter key and hour
   * @param queueItems items the queue holds
   * @param queueBytes bytes the queue holds
   * @param queueMs how long an item stays queued
   * @param rerunMsPerAddressPerHour milliseconds of re-runs the evidence of one caller address may cost per hour
   * @param rerunMsPerReporterPerHour the same per reporter key
   */
  public record Settings(long maxItemBytes, long kbPerAddressPerHour, long kbPerReporterPerHour, int queueItems,
      long queueBytes, long queueMs, long rerunMsPerAddressPerHour, long rerunMsPerReporterPerHour) {
    /** The defaults of docs/operating-a-node.md. */
    public static Settings defaults() {
      return new Settings(1 << 20, 16_384, 16_384, 256, 32L << 20, 3_600_000, 60_000, 60_000);
    }
  }

  /**
   * Who pays for an item's re-run: the address it came from and the key that reported it (either null: nobody, as
   * for evidence this node found itself).
   */
  public record Payer(String address, String reporter) {
    static final Payer NOBODY = new Payer(null, null);
  }

  private final Settings settings;
  private final HourlyQuota perAddress;
  private final HourlyQuota perReporter;
  /**
   * Re-run time, charged once an item was re-run: the service's owner chose its limits, and any key can register a
   * service whose every call takes its whole two minutes, then report conflicts of it. Its byte quota would let one
   * address keep the re-runs busy all hour.
   */
  private final HourlyQuota rerunsPerAddress;
  private final HourlyQuota rerunsPerReporter;
  private final EvidenceQueue queue;

  public EvidenceIntake(Settings settings) {
    this(settings, System::currentTimeMillis);
  }

  /** An intake whose quotas and queue read the time from {@code clock} (virtual time in a simulation). */
  public EvidenceIntake(Settings settings, java.time.Clock clock) {
    this(settings, clock::millis);
  }

  EvidenceIntake(Settings settings, LongSupplier nowMs) {
    this.settings = settings;
    this.perAddress = new HourlyQuota(settings.kbPerAddressPerHour() * 1024, nowMs);
    this.perReporter = new HourlyQuota(settings.kbPerReporterPerHour() * 1024, nowMs);
    this.rerunsPerAddress = new HourlyQuota(settings.rerunMsPerAddressPerHour(), nowMs);
    this.rerunsPerReporter = new HourlyQuota(settings.rerunMsPerReporterPerHour(), nowMs);
    this.queue = new EvidenceQueue(settings.queueItems(), settings.queueBytes(), settings.queueMs(), nowMs);
  }

  EvidenceQueue queue() {
    return queue;
  }

  /**
   * The size of an item's JSON in bytes.
   *
   * @throws JsonRpc.Failure with {@link RpcErrors#TOO_LARGE} above {@code maxItemBytes}
   */
  long size(JsonNode evidence) {
    long size = evidence == null ? 0 : evidence.toString().getBytes(StandardCharsets.UTF_8).length;
    if (size > settings.maxItemBytes()) {
      throw new JsonRpc.Failure(RpcErrors.TOO_LARGE, "evidence of " + size + " bytes exceeds the limit of "
          + settings.maxItemBytes() + " bytes (--max-evidence-bytes)");
    }
    return size;
  }

  /**
   * Charges a new item to the address it came from and to its reporter (either may be null: not limited), or
   * refuses it with {@link RpcErrors#REJECTED} naming the quota, charging nothing.
   */
  synchronized void admit(String address, PublicKey reporter, long size) {
    long cost = size + ITEM_OVERHEAD;
    String reporterKey = reporter == null ? null : reporter.toString();
    if (!perAddress.hasRoom(address, cost)) {
      throw refusal("this address has", perAddress, "--evidence-kb-per-address-per-hour");
    }
    if (!perReporter.hasRoom(reporterKey, cost)) {
      throw refusal("reporter " + reporter + " has", perReporter, "--evidence-kb-per-reporter-per-hour");
    }
    if (!mayRerun(new Payer(address, reporterKey))) {
      throw new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: evidence quota: the re-runs of evidence from this "
          + "address or reporter took their " + settings.rerunMsPerAddressPerHour() / 1000 + " s this hour "
          + "(--rerun-ms-per-address-per-hour, --rerun-ms-per-reporter-per-hour); try again later");
    }
    perAddress.charge(address, cost);
    perReporter.charge(reporterKey, cost);
  }

  /** Whether {@code payer} has re-run time left this hour. */
  boolean mayRerun(Payer payer) {
    return rerunsPerAddress.hasRoom(payer.address(), 1) && rerunsPerReporter.hasRoom(payer.reporter(), 1);
  }

  /** Charges {@code ms} of re-run time (at least 1) to {@code payer}. */
  void chargeRerun(Payer payer, long ms) {
    rerunsPerAddress.charge(payer.address(), Math.max(1, ms));
    rerunsPerReporter.charge(payer.reporter(), Math.max(1, ms));
  }

  /** Whether an item of {@code size} pulled from {@code host} would fit its quota now. */
  boolean hasRoom(String host, long size) {
    return perAddress.hasRoom(host, size + ITEM_OVERHEAD);
  }

  /** Charges a stored item pulled from {@code host}. */
  void charge(String host, long size) {
    perAddress.charge(host, size + ITEM_OVERHEAD);
  }

  /** The refusal of an item the queue has no room for. */
  JsonRpc.Failure queueFull() {
    return new JsonRpc.Failure(RpcErrors.OVERLOADED, "overloaded: " + queue.size() + " evidence items already wait "
        + "to be judged here (--evidence-queue-items " + settings.queueItems() + ", --evidence-queue-mb "
        + (settings.queueBytes() >> 20) + "); try again later");
  }

  long queueSeconds() {
    return settings.queueMs() / 1000;
  }

  private static JsonRpc.Failure refusal(String who, HourlyQuota quota, String flag) {
    return new JsonRpc.Failure(RpcErrors.REJECTED, "rejected: evidence quota: " + who + " used its "
        + quota.budget() / 1024 + " KB of new evidence this hour (" + flag + "); try again later");
  }
}
