package dev.tandem.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * What one call may use. Every limit except {@link #timeout()} is deterministic: hitting it gives the same outcome
 * on every node, so it is part of a service's contract (its record carries it). The timeout is the wall-clock last
 * guard and gives a non-deterministic outcome.
 *
 * @param fuel             instruction budget (the metering injected into the module charges it), at least 1
 * @param memoryPages      most 64 KiB pages the linear memory may grow to, 1..{@value #MAX_MEMORY_PAGES}
 * @param maxRequestBytes  largest request accepted, in bytes
 * @param maxResponseBytes largest response (tandem-v1 output or WASI stdout) accepted, in bytes
 * @param maxCallDepth     deepest nesting of Wasm calls, 1..{@value #MAX_CALL_DEPTH}
 * @param timeout          wall-clock deadline of one call, queueing included
 * @param maxStderrBytes   how much of a WASI module's stderr is kept for logs (the rest is dropped, not an error)
 */
public record Limits(
    long fuel,
    int memoryPages,
    int maxRequestBytes,
    int maxResponseBytes,
    int maxCallDepth,
    Duration timeout,
    int maxStderrBytes) {

  /** 2 GiB: the most linear memory the runtime can give one instance. */
  public static final int MAX_MEMORY_PAGES = 32_767;
  /**
   * Deepest call nesting that may be asked for. The worker threads' stacks are sized so that the injected depth
   * check always fires before the JVM's stack overflows, at this depth, in both compiled and interpreted mode.
   */
  public static final int MAX_CALL_DEPTH = 10_000;
  /** Largest request or response size that may be configured (64 MiB). */
  public static final int MAX_MESSAGE_BYTES = 64 << 20;
  /** Longest timeout that may be configured. */
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

  private static final Limits DEFAULTS =
      new Limits(1_000_000_000L, 256, 1 << 20, 1 << 20, 1_000, Duration.ofSeconds(5), 64 << 10);

  /** Validates every field; the message names the field, its value and the accepted range. */
  public Limits {
    Objects.requireNonNull(timeout, "timeout");
    check(fuel >= 1, "fuel", fuel, ">= 1");
    check(memoryPages >= 1 && memoryPages <= MAX_MEMORY_PAGES, "memoryPages", memoryPages,
        "1.." + MAX_MEMORY_PAGES);
    check(maxRequestBytes >= 0 && maxRequestBytes <= MAX_MESSAGE_BYTES, "maxRequestBytes", maxRequestBytes,
        "0.." + MAX_MESSAGE_BYTES);
    check(maxResponseBytes >= 1 && maxResponseBytes <= MAX_MESSAGE_BYTES, "maxResponseBytes", maxResponseBytes,
        "1.." + MAX_MESSAGE_BYTES);
    check(maxCallDepth >= 1 && maxCallDepth <= MAX_CALL_DEPTH, "maxCallDepth", maxCallDepth,
        "1.." + MAX_CALL_DEPTH);
    check(!timeout.isNegative() && !timeout.isZero() && timeout.compareTo(MAX_TIMEOUT) <= 0, "timeout", timeout,
        "(0, " + MAX_TIMEOUT + "]");
    check(maxStderrBytes >= 0 && maxStderrBytes <= MAX_MESSAGE_BYTES, "maxStderrBytes", maxStderrBytes,
        "0.." + MAX_MESSAGE_BYTES);
  }

  /**
   * fuel 1e9, 256 pages (16 MiB), 1 MiB request and response, call depth 1000, 5 s timeout, 64 KiB of stderr.
   */
  public static Limits defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder(DEFAULTS);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public Limits withFuel(long fuel) {
    return toBuilder().fuel(fuel).build();
  }

  public Limits withMemoryPages(int memoryPages) {
    return toBuilder().memoryPages(memoryPages).build();
  }

  public Limits withTimeout(Duration timeout) {
    return toBuilder().timeout(timeout).build();
  }

  public Limits withMaxCallDepth(int maxCallDepth) {
    return toBuilder().maxCallDepth(maxCallDepth).build();
  }

  private static void check(boolean ok, String field, Object value, String range) {
    if (!ok) {
      throw new IllegalArgumentException("limit " + field + " = " + value + " is out of range " + range);
    }
  }

  /** Mutable builder starting from the defaults (or from an existing {@code Limits}); validates on {@link #build}. */
  public static final class Builder {
    private long fuel;
    private int memoryPages;
    private int maxRequestBytes;
    private int maxResponseBytes;
    private int maxCallDepth;
    private Duration timeout;
    private int maxStderrBytes;

    private Builder(Limits from) {
      fuel = from.fuel;
      memoryPages = from.memoryPages;
      maxRequestBytes = from.maxRequestBytes;
      maxResponseBytes = from.maxResponseBytes;
      maxCallDepth = from.maxCallDepth;
      timeout = from.timeout;
      maxStderrBytes = from.maxStderrBytes;
    }

    public Builder fuel(long fuel) {
      this.fuel = fuel;
      return this;
    }

    public Builder memoryPages(int memoryPages) {
      this.memoryPages = memoryPages;
      return this;
    }

    public Builder maxRequestBytes(int maxRequestBytes) {
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    public Builder maxResponseBytes(int maxResponseBytes) {
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    public Builder maxCallDepth(int maxCallDepth) {
      this.maxCallDepth = maxCallDepth;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder maxStderrBytes(int maxStderrBytes) {
      this.maxStderrBytes = maxStderrBytes;
      return this;
    }

    public Limits build() {
      return new Limits(fuel, memoryPages, maxRequestBytes, maxResponseBytes, maxCallDepth, timeout,
          maxStderrBytes);
    }
  }
}
