package dev.tandem.cli.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.json.Json;
import dev.tandem.core.record.SignedRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Opening a dead node's SQLite files with sqlite-jdbc directly, and the checks every crash must pass. */
final class Databases {
  private Databases() {}

  /**
   * Copies {@code db} and its write-ahead log, as the killed process left them, to {@code scratch}. Checking the copy
   * leaves the original exactly as the crash left it for the next start: opening it here would replay and checkpoint
   * the log, and the node would then never face a crashed file. The shared-memory index is not copied: SQLite rebuilds
   * it from the log, as it must after a crash.
   */
  static Path snapshot(Path db, Path scratch) throws IOException {
    Files.createDirectories(scratch);
    Path copy = scratch.resolve(db.getFileName());
    for (String suffix : new String[] {"-wal", "-shm", "-journal", ""}) {
      Files.deleteIfExists(Path.of(copy + suffix));
    }
    Files.copy(db, copy, StandardCopyOption.REPLACE_EXISTING);
    Path wal = Path.of(db + "-wal");
    if (Files.exists(wal)) {
      Files.copy(wal, Path.of(copy + "-wal"), StandardCopyOption.REPLACE_EXISTING);
    }
    return copy;
  }

  static Connection open(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  /** {@code PRAGMA integrity_check} must answer exactly {@code ok}. */
  static void assertIntact(Connection db, String what) throws SQLException {
    try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
      StringBuilder problems = new StringBuilder();
      while (rs.next()) {
        problems.append(rs.getString(1)).append('\n');
      }
      assertThat(problems.toString().trim()).as("integrity_check of %s", what).isEqualTo("ok");
    }
  }

  static int count(Connection db, String table) throws SQLException {
    try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * Every row of the registry's {@code records} table is a whole, validly signed record: the registry skips rows it
   * cannot read when it loads, so a torn row would otherwise go unnoticed. Returns the number of rows.
   */
  static int assertRecordsValid(Connection db) throws Exception {
    int rows = 0;
    try (Statement st = db.createStatement();
        ResultSet rs = st.executeQuery("SELECT seq_no, type, json FROM records ORDER BY seq_no")) {
      while (rs.next()) {
        rows++;
        SignedRecord r = SignedRecord.fromJson(Json.parse(rs.getBytes(3)));
        r.verifySignature();
        assertThat(r.type()).as("row %d", rs.getLong(1)).isEqualTo(rs.getString(2));
      }
    }
    return rows;
  }
}
