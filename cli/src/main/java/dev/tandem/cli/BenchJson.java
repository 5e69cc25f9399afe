package dev.tandem.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.cli.demo.Ticker;
import dev.tandem.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --json} on a benchmark: the report's tables (the figures) as JSON on stdout, every other line of the report
 * (progress, setup, notes) on stderr. A table becomes its title (the line above it), its columns, and one object a
 * row; a figure such as {@code 1,234}, {@code 0.52} or {@code 2.10×} becomes a number, anything else stays text.
 */
final class BenchJson {
  private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9,]*(\\.[0-9]+)?×?");

  @Option(names = "--json", description = "print the report's tables as one JSON object; the rest goes to stderr")
  boolean json;

  /** A benchmark that writes its report to a stream and returns an exit code. */
  interface Report {
    int run(PrintStream out) throws Exception;
  }

  /** Runs {@code report} to stdout, or with {@code --json} converted; node logs below errors are left out. */
  int run(Report report) throws Exception {
    return run(report, json -> { });
  }

  /** As {@link #run(Report)}; with {@code --json}, {@code extra} adds its members to the object first. */
  int run(Report report, java.util.function.Consumer<ObjectNode> extra) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // Nodes log each step, and complain when a peer stops first; the benchmark's report is what matters here.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    if (!json) {
      try (Ticker ticker = Ticker.onStderr("bench", false)) {
        return report.run(ticker.wrap(System.out));
      }
    }
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    int code;
    try (PrintStream buffer = new PrintStream(text, true, StandardCharsets.UTF_8)) {
      code = report.run(buffer);
    }
    ObjectNode out = of(text.toString(StandardCharsets.UTF_8), System.err);
    extra.accept(out);
    out.put("exitCode", code);
    System.out.println(out.toPrettyString());
    return code;
  }

  /** The tables of a Markdown report; lines outside tables are passed to {@code rest}. */
  static ObjectNode of(String report, PrintStream rest) {
    ObjectNode out = Json.object();
    ArrayNode tables = out.putArray("tables");
    List<String> lines = report.lines().toList();
    String title = "";
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.startsWith("|") && i + 1 < lines.size() && lines.get(i + 1).strip().startsWith("|---")) {
        List<String> columns = cells(line);
        ObjectNode table = tables.addObject();
        table.put("title", title);
        ArrayNode cols = table.putArray("columns");
        columns.forEach(cols::add);
        ArrayNode rows = table.putArray("rows");
        for (i += 2; i < lines.size() && lines.get(i).strip().startsWith("|"); i++) {
          List<String> cells = cells(lines.get(i).strip());
          ObjectNode row = rows.addObject();
          for (int c = 0; c < columns.size() && c < cells.size(); c++) {
            put(row, columns.get(c), cells.get(c));
          }
        }
        i--;
        title = "";
      } else {
        rest.println(lines.get(i));
        if (!line.isEmpty()) {
          title = line.endsWith(":") ? line.substring(0, line.length() - 1) : line;
        }
      }
    }
    rest.flush();
    return out;
  }

  private static List<String> cells(String row) {
    String inner = row.substring(1, row.endsWith("|") ? row.length() - 1 : row.length());
    return List.of(inner.split("\\|", -1)).stream().map(String::strip).toList();
  }

  private static void put(ObjectNode row, String column, String cell) {
    if (NUMBER.matcher(cell).matches()) {
      String n = cell.replace(",", "").replace("×", "");
      if (n.contains(".")) {
        row.put(column, Double.parseDouble(n));
      } else {
        row.put(column, Long.parseLong(n));
      }
    } else {
      row.put(column, cell);
    }
  }
}
