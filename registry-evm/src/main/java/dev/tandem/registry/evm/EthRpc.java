package dev.tandem.registry.evm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import dev.tandem.core.json.JsonFormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.web3j.utils.Numeric;

/**
 * The few Ethereum JSON-RPC methods the registry needs, over the JDK's HTTP client. Quantities are hex on the wire
 * and {@code long}/{@link BigInteger} here.
 */
final class EthRpc implements AutoCloseable {
  /** Largest response read: a range of logs full of 64 KiB records, with room to spare. */
  private static final int MAX_RESPONSE_BYTES = 64 << 20;

  private final URI url;
  private final HttpClient http;
  private final Duration timeout;
  private final AtomicLong ids = new AtomicLong();

  EthRpc(URI url, Duration timeout) {
    this.url = url;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  URI url() {
    return url;
  }

  /** The node answered with a JSON-RPC error. {@link #data} holds revert data ({@code 0x…}) when it sent some. */
  static final class RpcError extends EvmException {
    final int code;
    final String data;

    RpcError(String method, int code, String message, String data) {
      super(method + " failed: " + message + " (" + code + ")");
      this.code = code;
      this.data = data;
    }
  }

  /** A mined transaction's receipt. */
  record Receipt(String txHash, long blockNumber, boolean success, String contractAddress, BigInteger gasUsed) {}

  /** One event log, as {@code eth_getLogs} returns it. */
  record Log(String address, List<String> topics, String data, long blockNumber, int logIndex, String txHash,
      boolean removed) {}

  long chainId() {
    return quantity(request("eth_chainId")).longValueExact();
  }

  long blockNumber() {
    return quantity(request("eth_blockNumber")).longValueExact();
  }

  BigInteger gasPrice() {
    return quantity(request("eth_gasPrice"));
  }

  BigInteger balance(String address) {
    return quantity(request("eth_getBalance", address, "latest"));
  }

  /** The next nonce for {@code address}, counting its transactions still in the pool. */
  BigInteger pendingNonce(String address) {
    return quantity(request("eth_getTransactionCount", address, "pending"));
  }

  String code(String address) {
    return request("eth_getCode", address, "latest").asText();
  }

  /** {@code eth_call} of {@code data} on {@code to} at {@code block} ("latest" or a hex number). */
  String call(String from, String to, BigInteger value, String data, String block) {
    return request("eth_call", tx(from, to, value, data), block).asText();
  }

  BigInteger estimateGas(String from, String to, BigInteger value, String data) {
    return quantity(request("eth_estimateGas", tx(from, to, value, data)));
  }

  String sendRawTransaction(String signedHex) {
    return request("eth_sendRawTransaction", signedHex).asText();
  }

  Optional<Receipt> receipt(String txHash) {
    JsonNode r = request("eth_getTransactionReceipt", txHash);
    if (r == null || r.isNull()) {
      return Optional.empty();
    }
    JsonNode contract = r.get("contractAddress");
    return Optional.of(new Receipt(txHash, quantity(r.get("blockNumber")).longValueExact(),
        "0x1".equals(r.path("status").asText()),
        contract == null || contract.isNull() ? null : contract.asText(), quantity(r.get("gasUsed"))));
  }

  /** The logs of {@code addresses} in blocks {@code from} to {@code to}, both included, in chain order. */
  List<Log> logs(long from, long to, List<String> addresses) {
    ObjectNode filter = Json.object();
    filter.put("fromBlock", Numeric.encodeQuantity(BigInteger.valueOf(from)));
    filter.put("toBlock", Numeric.encodeQuantity(BigInteger.valueOf(to)));
    ArrayNode a = filter.putArray("address");
    addresses.forEach(a::add);
    JsonNode result = request("eth_getLogs", filter);
    List<Log> logs = new ArrayList<>();
    for (JsonNode l : result) {
      List<String> topics = new ArrayList<>();
      l.path("topics").forEach(t -> topics.add(t.asText()));
      logs.add(new Log(l.path("address").asText(), List.copyOf(topics), l.path("data").asText(),
          quantity(l.get("blockNumber")).longValueExact(), quantity(l.get("logIndex")).intValueExact(),
          l.path("transactionHash").asText(), l.path("removed").asBoolean(false)));
    }
    return logs;
  }

  private static ObjectNode tx(String from, String to, BigInteger value, String data) {
    ObjectNode tx = Json.object();
    if (from != null) {
      tx.put("from", from);
    }
    if (to != null) {
      tx.put("to", to);
    }
    if (value != null && value.signum() > 0) {
      tx.put("value", Numeric.encodeQuantity(value));
    }
    tx.put("data", data);
    return tx;
  }

  private static BigInteger quantity(JsonNode node) {
    if (node == null || !node.isTextual()) {
      throw new EvmException("the Ethereum node sent " + node + " where a hex quantity belongs");
    }
    return Numeric.decodeQuantity(node.asText());
  }

  /**
   * Calls {@code method} and returns its {@code result}.
   *
   * @throws RpcError when the node answered with an error
   * @throws EvmException when it could not be reached or answered something that is not JSON-RPC
   */
  JsonNode request(String method, Object... params) {
    ObjectNode body = Json.object();
    body.put("jsonrpc", "2.0");
    body.put("id", ids.incrementAndGet());
    body.put("method", method);
    ArrayNode p = body.putArray("params");
    for (Object param : params) {
      p.add(param instanceof JsonNode n ? n : Json.nodes().textNode(String.valueOf(param)));
    }
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
        .build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new EvmException("cannot reach the Ethereum node at " + url + " (" + method + "): "
          + (e instanceof java.net.ConnectException ? "connection refused"
              : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EvmException("interrupted while calling " + method + " at " + url, e);
    }
    if (response.body().length > MAX_RESPONSE_BYTES) {
      throw new EvmException(method + " at " + url + " answered " + response.body().length + " bytes, more than "
          + MAX_RESPONSE_BYTES);
    }
    JsonNode json;
    try {
      json = Json.parse(response.body());
    } catch (JsonFormatException e) {
      throw new EvmException(method + " at " + url + " answered HTTP " + response.statusCode()
          + " with something that is not JSON: " + e.getMessage());
    }
    JsonNode error = json.get("error");
    if (error != null && !error.isNull()) {
      JsonNode data = error.get("data");
      String revert = data != null && data.isTextual() && data.asText().startsWith("0x") ? data.asText() : null;
      throw new RpcError(method, error.path("code").asInt(), error.path("message").asText("?"), revert);
    }
    if (!json.has("result")) {
      throw new EvmException(method + " at " + url + " answered HTTP " + response.statusCode()
          + " without a result");
    }
    return json.get("result");
  }

  @Override
  public void close() {
    http.close();
  }
}
