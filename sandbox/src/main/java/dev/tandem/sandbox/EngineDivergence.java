package dev.tandem.sandbox;

/**
 * Two engines answered one call of a module differently: an engine bug (or a miscompilation, or a hardware fault),
 * found by a sandbox tiered on another engine than Chicory while it compared the two on sampled calls. The module's
 * calls stay on Chicory.
 *
 * @param moduleCid   the module's content id, as it was loaded
 * @param requestHash SHA-256 (hex) of the request's canonical JSON, as attestations and evidence name it
 * @param engine      the other engine ({@code graalwasm})
 * @param description what each engine gave: outcome, fuel and response
 */
public record EngineDivergence(String moduleCid, String requestHash, String engine, String description) {}
