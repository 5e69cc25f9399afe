package dev.tandem.node.hosting;

import dev.tandem.core.record.ServiceRecord;
import dev.tandem.core.wire.ServiceCall;
import dev.tandem.sandbox.Outcome;
import java.util.Optional;

/**
 * A {@link Runner} that passes everything to another: decorators override only what they change. One that changes
 * re-runs overrides {@link #prepareRerun} as well as {@link #rerun}: evidence is judged through the former.
 */
public abstract class ForwardingRunner implements Runner {
  protected final Runner inner;

  protected ForwardingRunner(Runner inner) {
    this.inner = inner;
  }

  @Override
  public Optional<HostedService> ready(String serviceId) {
    return inner.ready(serviceId);
  }

  @Override
  public boolean wants(String serviceId) {
    return inner.wants(serviceId);
  }

  @Override
  public void prefetch(HostedService service, ServiceCall call) {
    inner.prefetch(service, call);
  }

  @Override
  public Outcome run(HostedService service, ServiceCall call) {
    return inner.run(service, call);
  }

  @Override
  public Outcome rerun(ServiceRecord record, ServiceCall request) throws Exception {
    return inner.rerun(record, request);
  }

  @Override
  public Rerun prepareRerun(ServiceRecord record, ServiceCall request) throws Exception {
    return inner.prepareRerun(record, request);
  }
}
