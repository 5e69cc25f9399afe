package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.cli.Checkout;
import dev.tandem.client.TandemClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Opens server A's dashboard of a live demo network in headless Chromium. The network view: every server and service
 * drawn, the seed's picture without crossing edges, calls served by every node, the liar convicted with score 0,
 * labels readable at 1100 and 1600 px (screenshots {@code cli/target/dashboard-1100.png} and {@code -1600.png}).
 * Then the per-node view one click away, and the liar's own page: its fault shown whole, each conflict once.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} ({@code .ci/run} installs them); skipped when they
 * are absent.
 */
class DashboardBrowserTest {
  static final Path CHROMIUM = Path.of(System.getProperty("tandem.chromium", "/usr/bin/chromium"));
  static final Path DRIVER = Path.of(System.getProperty("tandem.chromedriver", "/usr/bin/chromedriver"));

  @TempDir Path tmp;

  @Test
  void dashboardDrawsTheNetworkAndTheConvictedLiar() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
        "headless Chromium not installed (apt-get install chromium chromium-driver): dashboard test skipped");
    try (DemoNetwork net = DemoNetwork.start(DemoNetwork.Options.of(tmp.resolve("demo"), Checkout.root(), 4, 1),
        line -> { });
         TandemClient client = net.client(2, 3)) {
      DemoWorkload workload = new DemoWorkload(client, net, 3);
      DemoWorkload.Result result = workload.run(1, 40, n -> { });
      assertThat(result.wrong()).isZero();
      DemoNetwork.Member liar = net.members().get(3);
      assertThat(result.caught()).extracting(DemoWorkload.Caught::server).containsExactly(liar.key());
      DemoNetwork.Member a = net.members().get(0);
      DemoNetwork.await("server A to record the conviction", Duration.ofSeconds(20), () -> a.node().activity()
          .convictions().stream().anyMatch(c -> c.server().equals(liar.key().toString())));

      // Calls keep coming while the page is open, so the picture shows services at work.
      AtomicBoolean stop = new AtomicBoolean();
      Thread traffic = Thread.ofPlatform().daemon().start(() -> {
        for (int n = 1000; !stop.get(); n++) {
          workload.run(n, 1, x -> { });
          try {
            Thread.sleep(40);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      ChromeDriver browser = browser();
      try {
        browser.get(net.dashboard().toString());
        JavascriptExecutor js = browser;
        resize(browser, 1600);
        // The network view (the default): server A joins what every node publishes about itself.
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> Boolean.TRUE.equals(js.executeScript(
            "return document.body.dataset.ready === 'true' && document.body.dataset.view === 'network'"
                + " && window.cy.nodes('.server').length === 4")));
        @SuppressWarnings("unchecked")
        List<String> ids = (List<String>) js.executeScript("return window.cy.nodes().map(n => n.id())");
        for (DemoNetwork.Service s : net.services().values()) {
          assertThat(ids).contains("svc:" + s.id());
        }
        for (DemoNetwork.Member m : net.members()) {
          assertThat(ids).contains("srv:" + m.key(), "host:" + m.key());
        }
        assertThat(ids).contains("services", "servers", "cloud");
        @SuppressWarnings("unchecked")
        List<String> offerEdges = (List<String>) js.executeScript(
            "return window.cy.edges('.offer').map(e => e.source().id() + '>' + e.target().id())");
        assertThat(offerEdges).contains("srv:" + a.key() + ">svc:" + net.service(DemoLayout.MATRIX).id(),
            "srv:" + a.key() + ">svc:" + net.service(DemoLayout.SEARCH).id());
        assertThat((Long) js.executeScript("return window.cy.edges('.reward').length")).isPositive();

        // Every node's calls, as it reports them: each served some, and the merged list names more than A.
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> Boolean.TRUE.equals(js.executeScript(
            "return window.dashboard.nodes.every(n => n.totalCalls > 0)")));
        String nodesTable = browser.findElement(By.id("nodes")).getText();
        for (DemoNetwork.Member m : net.members()) {
          assertThat(nodesTable).contains("Server " + m.letter());
        }
        @SuppressWarnings("unchecked")
        List<String> callers = (List<String>) js.executeScript(
            "return [...new Set(window.dashboard.calls.map(c => c.server))]");
        assertThat(callers).hasSizeGreaterThan(1);

        String liarNode = "srv:" + liar.key();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> Boolean.TRUE.equals(js.executeScript(
            "return window.cy.getElementById(arguments[0]).hasClass('convicted')", liarNode)));
        assertThat((String) js.executeScript("return window.cy.getElementById(arguments[0]).data('label')",
            liarNode)).contains("Server D").contains("score 0");
        assertThat((Boolean) js.executeScript("return window.cy.getElementById(arguments[0]).hasClass('convicted')",
            "srv:" + a.key())).isFalse();
        assertThat(browser.findElement(By.id("convictions")).getText()).contains("Server D");
        assertThat(browser.findElement(By.id("status")).getText()).startsWith("live");
        // The seed's servers (A, B, C) draw their offers and rewards without a crossing.

        for (int width : new int[] {1600, 1100}) {
          resize(browser, width);
          Thread.sleep(1500); // one more refresh, so the screenshot shows the calls of the last moment
          screenshot(browser, "dashboard-" + width + ".png");
          // Readable: graph labels at least 11 px on screen.
          assertThat(((Number) js.executeScript("return window.cy.zoom() * 15")).doubleValue())
              .as("label px at " + width).isGreaterThanOrEqualTo(11.0);
          assertThat((Boolean) js.executeScript(TABLES_FIT)).as("tables fit the side panel at " + width).isTrue();
        }

        // The seed's picture (A offers matrix and search and rewards matrix, B offers whisper and rewards matrix, C
        // offers and rewards whisper) gets the one order of services in which no edges cross.
        assertThat(js.executeScript(SEED_ORDER)).isEqualTo(List.of("search", "matrix", "whisper"));

        // This node's own view is one click away; the liar's own page shows its fault whole and each conflict once.
        browser.findElement(By.id("view-node")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> Boolean.TRUE.equals(js.executeScript(
            "return document.body.dataset.ready === 'true' && document.body.dataset.view === 'node'")));
        assertThat(browser.findElement(By.id("calls-title")).getText()).isEqualToIgnoringCase(
            "Calls served by this node");
        assertThat((Boolean) js.executeScript(TABLES_FIT)).as("tables fit the side panel").isTrue();
        screenshot(browser, "dashboard-node-1100.png");
        browser.get(liar.url() + "/#node");
        new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> Boolean.TRUE.equals(js.executeScript(
            "return document.body.dataset.ready === 'true' && window.dashboard.conflicts.length > 0")));
        assertThat(browser.findElement(By.id("fault")).getText()).isEqualTo("FAULT: lie");
        assertThat((Boolean) js.executeScript("const f = document.getElementById('fault');"
            + " const l = document.getElementById('self-label');"
            + " return f.scrollWidth <= f.clientWidth && l.scrollWidth <= l.clientWidth")).isTrue();
        assertThat((Boolean) js.executeScript("const seen = window.dashboard.conflicts.map(c => c.service + c"
            + ".requestHash); return new Set(seen).size === seen.length")).isTrue();
        screenshot(browser, "dashboard-liar-1100.png");
      } finally {
        stop.set(true);
        traffic.join(5_000);
        browser.quit();
      }
    }
  }

  /** Nothing in the side panel is cut: no table wider than the panel. */
  static final String TABLES_FIT = "const aside = document.querySelector('aside');"
      + " return [...aside.querySelectorAll('table')].every(t => t.scrollWidth <= aside.clientWidth)";

  static final String SEED_ORDER = """
      return window.tandemDashboard.serviceOrder({
        services: [{ id: 'matrix' }, { id: 'search' }, { id: 'whisper' }],
        servers: [{ offers: ['matrix', 'search'], rewards: ['matrix'] }, { offers: ['whisper'], rewards: ['matrix'] },
          { offers: ['whisper'], rewards: ['whisper'] }] });""";

  /** Makes the page itself {@code width} × 900 (the window includes the browser's frame). */
  static void resize(ChromeDriver browser, int width) {
    long frame = (Long) browser.executeScript("return window.outerHeight - window.innerHeight");
    browser.manage().window().setSize(new Dimension(width, 900 + (int) frame));
  }

  static void screenshot(ChromeDriver browser, String name) throws Exception {
    Path png = screenshotPath().resolve(name);
    Files.write(png, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  static ChromeDriver browser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1600,900",
        "--hide-scrollbars");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** {@code cli/target}, whether the tests run from the module or from the checkout. */
  static Path screenshotPath() throws Exception {
    Path target = Files.isDirectory(Path.of("target")) && Files.exists(Path.of("pom.xml"))
        && Files.readString(Path.of("pom.xml")).contains("<artifactId>tandem-cli</artifactId>")
        ? Path.of("target") : Checkout.root().resolve("cli/target");
    Files.createDirectories(target);
    return target;
  }
}
