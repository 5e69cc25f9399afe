package dev.tandem.node.hosting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.cid.Cid;
import dev.tandem.core.crypto.KeyPair;
import dev.tandem.core.json.Json;
import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Abi;
import dev.tandem.sandbox.Engines;
import dev.tandem.sandbox.Limits;
import dev.tandem.sandbox.Outcome;
import dev.tandem.sandbox.Sandbox;
import dev.tandem.sandbox.ServiceModule;
import dev.tandem.sandbox.engine.EngineInstance;
import dev.tandem.sandbox.engine.EngineModule;
import dev.tandem.sandbox.engine.PreparedModule;
import dev.tandem.sandbox.engine.WasmEngine;
import dev.tandem.sandbox.meter.MeterAbi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/**
 * A node's answers run again on a second engine: agreeing engines raise nothing, and an engine that counts fuel
 * differently (forced here by a Chicory engine whose instances report one unit more fuel left than they have) raises
 * the divergence alarm with both outcomes.
 */
class CrossCheckTest {
  private static final Limits LIMITS = Limits.builder().fuel(3_000_000).timeout(Duration.ofSeconds(60)).build();

  @Test
  void agreeingEnginesRaiseNoAlarm() throws Exception {
    try (Sandbox compiled = Sandbox.builder().threads(1).build();
        Sandbox interpreted = Sandbox.builder().threads(1).compiled(false).build()) {
      List<CrossCheck.Divergence> alarms = new CopyOnWriteArrayList<>();
      try (CrossCheck check = new CrossCheck(runner(compiled), "chicory", "chicory-interpreter",
          other(interpreted), 1.0, new SplittableRandom(1), alarms::add)) {
        HostedService echo = echo(compiled);
        for (int i = 0; i < 3; i++) {
          assertThat(check.run(echo, call(i)).label()).isEqualTo("result");
        }
        assertThat(check.drain(60_000)).isTrue();
        assertThat(check.checked()).isEqualTo(3);
        assertThat(check.diverged()).isZero();
        assertThat(alarms).isEmpty();
      }
    }
  }

  /**
   * A node on GraalWasm answers on Chicory while GraalWasm warms up (tiered by heat): checking such an answer on
   * Chicory again would check nothing, so it is not sampled.
   */
  @Test
  void answersThatRanOnChicoryAreNotCheckedOnChicoryAgain() throws Exception {
    try (Sandbox compiled = Sandbox.builder().threads(1).build();
        Sandbox interpreted = Sandbox.builder().threads(1).compiled(false).build()) {
      try (CrossCheck check = new CrossCheck(runner(compiled), "graalwasm", "chicory", other(interpreted), 1.0,
          new SplittableRandom(1), d -> { })) {
        HostedService echo = echo(compiled);
        assertThat(echo.module().tier()).isEqualTo("compiled");
        assertThat(check.run(echo, call(1)).label()).isEqualTo("result");
        assertThat(check.drain(60_000)).isTrue();
        assertThat(check.checked() + check.inconclusive() + check.dropped()).isZero();
      }
    }
  }

  @Test
  void anEngineThatDisagreesRaisesTheAlarm() throws Exception {
    try (Sandbox good = Sandbox.builder().threads(1).build();
        Sandbox bad = Sandbox.builder().threads(1).engine(new MiscountingEngine()).build()) {
      List<CrossCheck.Divergence> alarms = new CopyOnWriteArrayList<>();
      try (CrossCheck check = new CrossCheck(runner(good), "chicory", "miscounting", other(bad), 1.0,
          new SplittableRandom(1), alarms::add)) {
        HostedService echo = echo(good);
        Outcome answered = check.run(echo, call(1));
        assertThat(answered.label()).as("the answer itself is unchanged").isEqualTo("result");
        assertThat(check.drain(60_000)).isTrue();
        assertThat(check.diverged()).isEqualTo(1);
        assertThat(alarms).singleElement().satisfies(d -> {
          assertThat(d.service()).isEqualTo(echo.id());
          assertThat(d.requestHash()).isEqualTo(call(1).requestHash());
          assertThat(d.outcome()).startsWith("result ").endsWith(" fuel=" + answered.fuel());
          assertThat(d.otherOutcome()).startsWith("result ").doesNotEndWith(" fuel=" + answered.fuel());
          assertThat(d.describe()).contains("chicory gave result", "miscounting gave result");
        });
      }
    }
  }

  @Test
  void aRateOfZeroChecksNothingAndBadRatesAreRefused() throws Exception {
    try (Sandbox sandbox = Sandbox.builder().threads(1).build();
        CrossCheck check = new CrossCheck(runner(sandbox), "chicory", "other", (s, c) -> {
          throw new AssertionError("never sampled");
        }, 0, new SplittableRandom(1), d -> { })) {
      check.run(echo(sandbox), call(1));
      assertThat(check.drain(1_000)).isTrue();
      assertThat(check.checked() + check.inconclusive() + check.dropped()).isZero();
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CrossCheck(null, "a", "b", null, 1.5,
        new SplittableRandom(), d -> { })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.5");
  }

  private static ServiceCall call(int i) throws Exception {
    return ServiceCall.of("echo", Json.parse("{\"i\":" + i + "}"));
  }

  private static HostedService echo(Sandbox sandbox) throws Exception {
    byte[] wasm = Files.readAllBytes(repoRoot().resolve("services/echo/echo.wasm"));
    ServiceRecord record = ServiceRecord.builder().name("echo").module(Cid.rawSha256(wasm))
        .sign(KeyPair.generate());
    return new HostedService(record.serviceId(), record, load(sandbox, wasm), LIMITS, new Semaphore(4));
  }

  private static ServiceModule load(Sandbox sandbox, byte[] wasm) throws Exception {
    return sandbox.load(Cid.rawSha256(wasm).toString(), wasm, Abi.TANDEM_V1);
  }

  /** The node's side: the hosted module on its own sandbox, as {@link SandboxRunner} runs a call without inputs. */
  private static Runner runner(Sandbox sandbox) {
    return new Runner() {
      @Override
      public Optional<HostedService> ready(String serviceId) {
        return Optional.empty();
      }

      @Override
      public boolean wants(String serviceId) {
        return false;
      }

      @Override
      public Outcome run(HostedService service, ServiceCall call) {
        return sandbox.call(service.module(), call.canonical(), service.limits());
      }

      @Override
      public Outcome rerun(ServiceRecord record, ServiceCall request) {
        throw new UnsupportedOperationException();
      }
    };
  }

  /** The other engine's side: the same module bytes loaded by another sandbox. */
  private static CrossCheck.OtherEngine other(Sandbox sandbox) {
    return (service, call) -> {
      byte[] wasm = Files.readAllBytes(repoRoot().resolve("services/echo/echo.wasm"));
      return sandbox.call(load(sandbox, wasm), call.canonical(), service.limits());
    };
  }

  /** Chicory, except that its instances say one unit of fuel more is left than the module's own count. */
  private static final class MiscountingEngine implements WasmEngine {
    private final WasmEngine chicory = Engines.create(Engines.DEFAULT, true);

    @Override
    public String name() {
      return "miscounting";
    }

    @Override
    public EngineModule prepare(PreparedModule module) {
      EngineModule real = chicory.prepare(module);
      return (imports, maxPages) -> new Miscounting(real.instantiate(imports, maxPages));
    }

    @Override
    public void close() {
      chicory.close();
    }
  }

  private record Miscounting(EngineInstance real) implements EngineInstance {
    @Override
    public void start() {
      real.start();
    }

    @Override
    public boolean started() {
      return real.started();
    }

    @Override
    public long[] call(String export, long... args) {
      return real.call(export, args);
    }

    @Override
    public long global(String name) {
      long value = real.global(name);
      return name.equals(MeterAbi.FUEL) && started() ? value + 1 : value;
    }

    @Override
    public void global(String name, long value) {
      real.global(name, value);
    }

    @Override
    public int pages() {
      return real.pages();
    }

    @Override
    public byte[] read(int address, int length) {
      return real.read(address, length);
    }

    @Override
    public void write(int address, byte[] bytes) {
      real.write(address, bytes);
    }

    @Override
    public boolean growRefused() {
      return real.growRefused();
    }

    @Override
    public void close() {
      real.close();
    }
  }

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("services"))) {
      p = p.getParent();
    }
    return p;
  }
}
