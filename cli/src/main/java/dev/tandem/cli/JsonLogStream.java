package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.json.Json;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Standard error for {@code --log-format json}: each log record becomes one JSON object on one line, with its time,
 * level, thread, logger, message and, when an exception was logged, its stack trace. The logger writes a record as
 * one line followed by the stack trace's lines and a flush, all under its lock; that is what is parsed here, in the
 * format simplelogger.properties sets. Anything else written to stderr (progress, errors) passes through unchanged.
 */
final class JsonLogStream extends PrintStream {
  /** {@code 2026-12-05T13:02:04.123+00:00 [thread] LEVEL logger - message}. */
  private static final Pattern RECORD = Pattern.compile(
      "(\\d{4}-\\d\\d-\\d\\dT\\S+) \\[(.*)\\] (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - (.*)", Pattern.DOTALL);
  private final PrintStream out;
  private ObjectNode pending;
  private StringBuilder stack;

  JsonLogStream(PrintStream out) {
    super(out, true, StandardCharsets.UTF_8); // what is not overridden below goes straight through
    this.out = out;
  }

  /** Sends the logger's output on stderr as JSON lines from now on. */
  static void install() {
    if (!(System.err instanceof JsonLogStream)) {
      System.setErr(new JsonLogStream(System.err));
    }
  }

  @Override
  public synchronized void println(String line) {
    Matcher m = RECORD.matcher(line == null ? "null" : line);
    if (m.matches()) {
      emit();
      pending = Json.object().put("time", m.group(1)).put("level", m.group(3)).put("logger", m.group(4))
          .put("thread", m.group(2)).put("message", m.group(5));
      stack = new StringBuilder();
    } else if (pending != null) {
      stack.append(line).append('\n'); // a logged exception's stack trace, up to the logger's flush
    } else {
      out.println(line);
    }
  }

  @Override
  public void println(Object x) {
    println(String.valueOf(x));
  }

  @Override
  public synchronized void flush() {
    emit();
    out.flush();
  }

  private void emit() {
    if (pending == null) {
      return;
    }
    if (!stack.isEmpty()) {
      pending.put("error", stack.toString().strip());
    }
    out.println(pending.toString());
    pending = null;
  }
}
