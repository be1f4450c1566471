package dev.tokenmeter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tokenmeter.TokenMeter;
import dev.tokenmeter.pricing.DefaultPriceBook;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's Chromium, headless) against the real server on a
 * free port: it loads cleanly, follows the event stream within a second, shows pauses with their
 * reason, resumes with a raised budget, and shows the server's error for a wrong token. With
 * {@code -Dtokenmeter.screenshots} (a folder, or empty for docs/screenshots) it also writes
 * screenshots of both views at 1280 and 390 pixels.
 */
class DashboardBrowserTest {
  private static final String TOKEN = "dashboard-test-token";
  /** How long a step may take where the page only has to get there; the one-second promise is tested on its own. */
  private static final Duration EVENTUALLY = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final AtomicInteger RUNS = new AtomicInteger();

  private static TokenMeter meter;
  private static TokenMeterServer server;
  private static DashboardBrowser browser;
  private static URI base;

  @BeforeAll
  static void start() throws Exception {
    if (!DashboardBrowser.installed()) {
      return; // each test then skips, or fails under CI=true, saying what is missing
    }
    // The real meter and server: default price book and thresholds (0.5, 0.8 notify, 1.0 pause).
    meter = TokenMeter.builder().priceBook(DefaultPriceBook.load()).build();
    server = TokenMeterServer.builder(meter).port(0).apiToken(TOKEN).heartbeat(Duration.ofSeconds(2)).build().start();
    base = server.uri();
    browser = new DashboardBrowser(1280, 900);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
    if (meter != null) {
      meter.close();
    }
  }

  @BeforeEach
  void freshTab() {
    DashboardBrowser.assumeInstalled();
    browser.resize(1280, 900);
    browser.driver.get(base.resolve("/").toString());
    browser.driver.executeScript("sessionStorage.clear()");
    browser.consoleErrors(); // drains what earlier tests left (401s they provoked on purpose)
  }

  // ------------------------------------------------------------------ the tests

  @Test
  void loadsWithoutConsoleErrors() {
    String run = newRun();
    usage(run, "planner", "claude-sonnet-4-5", 1200, 300);
    open("/");
    waitLive();
    waitFor(EVENTUALLY, By.cssSelector("li.run[data-run='" + run + "']"));
    open("/#/runs/" + run);
    waitLive();
    waitForText(EVENTUALLY, By.id("run-calls"), "1");
    assertThat(browser.consoleErrors()).as("browser console").isEmpty();
    assertThat(browser.driver.getTitle()).isEqualTo(run + " · tokenmeter");
  }

  @Test
  void aUsageEventShowsUpWithinASecond() {
    String run = newRun();
    usage(run, "planner", "claude-sonnet-4-5", 50_000, 4_000);
    open("/");
    waitLive();
    By row = By.cssSelector("li.run[data-run='" + run + "'] .cost-value");
    waitForText(EVENTUALLY, row, usd(status(run).path("costUsd").asText()));

    // A second run that did not exist, and more spend on the first one.
    String other = newRun();
    long posted = System.nanoTime();
    usage(other, "coder", "claude-haiku-4-5", 10_000, 2_000);
    usage(run, "coder", "claude-sonnet-4-5", 80_000, 9_000);
    By otherRow = By.cssSelector("li.run[data-run='" + other + "'] .cost-value");
    String want = usd(status(run).path("costUsd").asText());
    String wantOther = usd(status(other).path("costUsd").asText());
    Duration left = Duration.ofMillis(1000).minusNanos(System.nanoTime() - posted);
    waitForText(left, row, want);
    waitForText(Duration.ofMillis(1000).minusNanos(System.nanoTime() - posted), otherRow, wantOther);
  }

  @Test
  void aRunCrossingItsBudgetShowsAsPausedWithItsReason() {
    String run = newRun();
    budget(run, "0.05");
    open("/");
    waitLive();
    usage(run, "coder", "claude-sonnet-4-5", 20_000, 5_000); // well over $0.05
    JsonNode s = status(run);
    assertThat(s.path("state").asText()).isEqualTo("paused");
    String reason = s.path("breakpoint").path("reason").asText();
    assertThat(reason).isNotBlank();

    By row = By.cssSelector("li.run[data-run='" + run + "']");
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.attributeToBe(row, "data-state", "paused"));
    assertThat(browser.driver.findElement(row).findElement(By.cssSelector(".badge")).getText()).isEqualTo("Paused");
    assertThat(browser.driver.findElement(row).findElement(By.cssSelector(".detail")).getText()).contains(reason);

    browser.driver.findElement(row).findElement(By.cssSelector("a.run-link")).click();
    waitForText(EVENTUALLY, By.id("run-state"), "Paused");
    assertThat(browser.driver.switchTo().activeElement().getAttribute("id")).as("focus after navigating").isEqualTo("run-title");
    WebElement banner = browser.driver.findElement(By.id("breakpoint"));
    assertThat(banner.isDisplayed()).isTrue();
    assertThat(banner.getText()).contains(reason).contains("Paused by budget");
  }

  @Test
  void resumingWithARaisedBudgetResumesTheRun() {
    String run = newRun();
    budget(run, "0.05");
    usage(run, "coder", "claude-sonnet-4-5", 20_000, 5_000);
    JsonNode before = status(run);
    assertThat(before.path("state").asText()).isEqualTo("paused");
    BigDecimal cost = new BigDecimal(before.path("costUsd").asText());

    open("/#/runs/" + run);
    waitLive();
    waitForText(EVENTUALLY, By.id("run-state"), "Paused");
    // Raise by enough to leave the cost under the new budget.
    String raise = cost.setScale(2, RoundingMode.UP).add(BigDecimal.ONE).toPlainString();
    type(By.id("resume-amount"), raise);
    browser.driver.findElement(By.id("resume-button")).click();

    // No token yet: the page asks for one, keeps it in sessionStorage, and tries again.
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
    type(By.id("token-input"), TOKEN);
    browser.driver.findElement(By.cssSelector("#token-form button[type='submit']")).click();

    waitForText(EVENTUALLY, By.id("run-state"), "Active");
    assertThat(browser.driver.findElement(By.id("control-status")).getText()).startsWith("Resumed");
    JsonNode after = status(run);
    assertThat(after.path("state").asText()).isEqualTo("active");
    assertThat(new BigDecimal(after.path("budgetUsd").asText()))
        .isEqualByComparingTo(new BigDecimal("0.05").add(new BigDecimal(raise)));
    assertThat(browser.driver.executeScript("return sessionStorage.getItem('tokenmeter.apiToken')")).isEqualTo(TOKEN);
    assertThat(browser.driver.getCurrentUrl()).doesNotContain(TOKEN);
    assertThat(browser.driver.findElement(By.id("breakpoint")).isDisplayed()).isFalse();
  }

  /** A budget set from the page reaches the server; a refused resume shows the server's reason. */
  @Test
  void setBudgetAndARefusedResume() throws Exception {
    String run = newRun();
    budget(run, "0.05");
    usage(run, "coder", "claude-sonnet-4-5", 20_000, 5_000);
    open("/#/runs/" + run);
    waitLive();
    waitForText(EVENTUALLY, By.id("run-state"), "Paused");
    browser.driver.executeScript("sessionStorage.setItem('tokenmeter.apiToken', arguments[0])", TOKEN);

    // Raising by a cent leaves the cost over the budget: the server refuses, and says why.
    type(By.id("resume-amount"), "0.01");
    browser.driver.findElement(By.id("resume-button")).click();
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("control-status"), "Resume failed: "));
    String shown = browser.driver.findElement(By.id("control-status")).getText();
    HttpResponse<String> direct =
        HTTP.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/runs/" + run + "/resume"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"raiseUsd\":\"0.01\",\"by\":\"dashboard\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(direct.statusCode()).isEqualTo(409);
    assertThat(shown).isEqualTo("Resume failed: " + JSON.readTree(direct.body()).path("error").asText());
    assertThat(status(run).path("state").asText()).isEqualTo("paused");

    // A malformed amount is caught before sending.
    type(By.id("budget-amount"), "ten dollars");
    browser.driver.findElement(By.id("budget-button")).click();
    waitForText(EVENTUALLY, By.id("control-status"), "Budget: enter an amount in USD like 2.50");

    type(By.id("budget-amount"), "12.34");
    browser.driver.findElement(By.id("budget-button")).click();
    waitForText(EVENTUALLY, By.id("run-budget"), "$12.34");
    assertThat(status(run).path("budgetUsd").asText()).isEqualTo("12.34");
  }

  @Test
  void aWrongTokenShowsTheServersError() throws Exception {
    String run = newRun();
    usage(run, "planner", "claude-sonnet-4-5", 1_000, 100);
    // What the server says to a wrong token, asked directly.
    HttpResponse<String> refused =
        HTTP.send(
            HttpRequest.newBuilder(base.resolve("/api/v1/runs/" + run + "/pause"))
                .header("Authorization", "Bearer wrong")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
    String serverSays = JSON.readTree(refused.body()).path("error").asText();
    assertThat(serverSays).isNotBlank();

    open("/#/runs/" + run);
    waitLive();
    waitForText(EVENTUALLY, By.id("run-state"), "Active");
    browser.driver.findElement(By.id("pause-button")).click();
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
    type(By.id("token-input"), "wrong");
    browser.driver.findElement(By.cssSelector("#token-form button[type='submit']")).click();

    // Asked again, with the server's own words.
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("token-error"), "refused"));
    assertThat(browser.driver.findElement(By.id("token-error")).getText()).contains(serverSays);
    browser.driver.findElement(By.id("token-cancel")).click();
    waitForText(EVENTUALLY, By.id("control-status"), "Pause failed: " + serverSays);
    assertThat(status(run).path("state").asText()).isEqualTo("active");
    assertThat(browser.driver.executeScript("return sessionStorage.getItem('tokenmeter.apiToken')")).isNull();
  }

  /**
   * A demo-like orchestration: several runs, subagents and models, an unpriced model, thresholds
   * crossed and a pause. Checks what the run view shows of it, and takes the screenshots.
   */
  @Test
  void aDemoRunAtBothWidths() throws Exception {
    String shots = System.getProperty("tokenmeter.screenshots");
    boolean write = shots != null;
    Path dir = Path.of(shots == null || shots.isBlank() || shots.equals("true") ? "docs/screenshots" : shots);

    String demo = "demo-" + RUNS.incrementAndGet() + "-orchestration";
    String side = "refactor-auth-" + RUNS.incrementAndGet();
    String evals = "nightly-evals-" + RUNS.incrementAndGet();
    budget(demo, "3.00");
    budget(side, "25.00");
    budget(evals, "4.00");
    open("/#/runs/" + demo);
    waitLive();

    String[] agents = {"planner", "coder", "coder", "reviewer", "general-purpose"};
    String[] models = {"claude-opus-4-1", "claude-sonnet-4-5", "claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-5"};
    for (int i = 0; i < 30 && !"paused".equals(status(demo).path("state").asText()); i++) {
      int k = i % agents.length;
      usage(demo, agents[k], models[k], 6_000 + 900 * (i % 7), 1_500 + 400 * (i % 5), 30_000 + 2_000 * (i % 4), 4_000, i % 6 == 0 ? 2_000 : 0);
      usage(side, agents[(i + 1) % 4], "claude-sonnet-4-5", 8_000, 2_000, 20_000, 1_000, 0);
      if (i % 3 == 0) {
        usage(evals, "grader", i % 2 == 0 ? "acme-large-2" : "claude-haiku-4-5", 12_000, 800, 0, 0, 0);
      }
      if (write) {
        Thread.sleep(250); // spread the calls out, for a readable chart
      }
    }
    assertThat(status(demo).path("state").asText()).isEqualTo("paused");

    waitForText(EVENTUALLY, By.id("run-state"), "Paused");
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(d -> d.findElements(By.cssSelector(".timeline li[data-kind='threshold']")).size() >= 3);
    List<WebElement> thresholds = browser.driver.findElements(By.cssSelector(".timeline li[data-kind='threshold']"));
    assertThat(thresholds.get(thresholds.size() - 1).getText()).contains("50% of budget");
    assertThat(browser.driver.findElements(By.cssSelector(".timeline li[data-kind='pause']"))).hasSize(1);
    // The cost curve has a point for each call (from the event stream), not just the thresholds.
    int calls = status(demo).path("requests").asInt();
    String line = browser.driver.findElement(By.cssSelector("svg.chart .cost-line")).getAttribute("d");
    assertThat(line.split("L").length).as("points of the cost line " + line).isGreaterThanOrEqualTo(calls);
    assertThat(browser.driver.findElements(By.cssSelector("svg.chart .marker.pause"))).hasSize(1);
    assertThat((List<?>) browser.driver.executeScript(OFF_THE_LINE)).as("thresholds off the cost line, live").isEmpty();
    // The same from the events replayed to a page opened afterwards.
    open("/#/runs/" + demo);
    waitLive();
    waitForText(EVENTUALLY, By.id("run-state"), "Paused");
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(d -> d.findElements(By.cssSelector("svg.chart .marker.threshold")).size() >= 3);
    assertThat((List<?>) browser.driver.executeScript(OFF_THE_LINE)).as("thresholds off the cost line, replayed").isEmpty();
    assertThat(browser.driver.findElement(By.id("run-cost")).getText())
        .isEqualTo(usd(status(demo).path("costUsd").asText()));

    open("/#/runs/" + evals);
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("unpriced"), "acme-large-2"));
    new WebDriverWait(browser.driver, EVENTUALLY)
        .ignoring(StaleElementReferenceException.class) // the table is redrawn on each update
        .until(d -> d.findElement(By.cssSelector(".series tr.unpriced-row")).getText().matches("(?s).*acme-large-2.*unpriced.*"));
    assertThat(browser.consoleErrors()).as("browser console").isEmpty();

    if (write) {
      for (int width : new int[] {1280, 390}) {
        browser.resize(width, width == 390 ? 844 : 900);
        open("/");
        waitLive();
        waitFor(EVENTUALLY, By.cssSelector("li.run[data-run='" + demo + "'][data-state='paused']"));
        Thread.sleep(400);
        browser.screenshot(dir.resolve("runs-" + width + ".png"));
        open("/#/runs/" + demo);
        waitLive();
        waitForText(EVENTUALLY, By.id("run-state"), "Paused");
        Thread.sleep(400);
        browser.screenshot(dir.resolve("run-" + width + ".png"));
      }
    }
  }

  /** WCAG AA contrast for every visible text, in both views, at both widths, light and dark. */
  @Test
  void textHasReadableContrast() {
    String run = newRun();
    budget(run, "0.05");
    usage(run, "coder", "claude-sonnet-4-5", 20_000, 5_000); // paused: the red row and banner
    String other = newRun();
    usage(other, "grader", "acme-large-2", 1_000, 100); // unpriced: the amber notice
    try {
      for (String scheme : List.of("light", "dark")) {
        browser.driver.executeCdpCommand(
            "Emulation.setEmulatedMedia",
            Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
        for (int width : new int[] {1280, 390}) {
          browser.resize(width, 900);
          for (String path : List.of("/", "/#/runs/" + run, "/#/runs/" + other)) {
            open(path);
            waitLive();
            if (!path.equals("/")) {
              waitFor(EVENTUALLY, By.cssSelector("#run-calls:not(:empty)"));
            } else {
              waitFor(EVENTUALLY, By.cssSelector("li.run[data-run='" + run + "']"));
            }
            Object bad = browser.driver.executeScript(CONTRAST);
            assertThat((List<?>) bad).as(scheme + " " + width + " " + path).isEmpty();
          }
        }
      }
    } finally {
      browser.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
    }
  }

  /** Live updates change numbers, not places: nothing on the page moves. */
  @Test
  void updatesDoNotMoveTheLayout() {
    String run = newRun();
    budget(run, "500.00");
    usage(run, "coder", "claude-sonnet-4-5", 1_000, 100);
    for (int width : new int[] {1280, 390}) {
      browser.resize(width, 900);
      for (String path : List.of("/", "/#/runs/" + run)) {
        open(path);
        waitLive();
        By calls = path.equals("/") ? By.cssSelector("li.run[data-run='" + run + "'] .detail") : By.id("run-calls");
        waitFor(EVENTUALLY, calls);
        String beforeText = browser.driver.findElement(calls).getText();
        List<?> before = (List<?>) browser.driver.executeScript(BOXES);
        assertThat(before).hasSizeGreaterThan(5);
        // Ten times the tokens: the numbers get longer.
        usage(run, "coder", "claude-sonnet-4-5", 2_000_000, 90_000);
        new WebDriverWait(browser.driver, EVENTUALLY)
            .ignoring(StaleElementReferenceException.class)
            .until(d -> !d.findElement(calls).getText().equals(beforeText));
        assertThat(browser.driver.executeScript(BOXES)).as(width + " " + path).isEqualTo(before);
      }
    }
  }

  /** Everything is reachable with Tab, in reading order, and the focus can be seen. */
  @Test
  void keyboardReachesEveryControlWithAVisibleFocus() {
    String run = newRun();
    budget(run, "0.05");
    usage(run, "coder", "claude-sonnet-4-5", 20_000, 5_000); // paused, so Resume is enabled
    open("/#/runs/" + run);
    waitLive();
    waitForText(EVENTUALLY, By.id("run-state"), "Paused");
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      new Actions(browser.driver).sendKeys(Keys.TAB).perform();
      WebElement e = browser.driver.switchTo().activeElement();
      if (e.getTagName().equals("body")) {
        continue; // the first Tab brings the focus into the page
      }
      String id = e.getAttribute("id");
      String name = id != null && !id.isEmpty() ? "#" + id : e.getTagName() + ":" + e.getText();
      seen.add(name);
      Object outline = browser.driver.executeScript(
          "const cs = getComputedStyle(arguments[0]); return cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;", e);
      assertThat(outline).as("visible focus on " + name).isEqualTo(true);
    }
    assertThat(seen).contains("a:Skip to content", "a:tokenmeter", "a:← All runs", "a:Resume…",
        "#pause-reason", "#resume-amount", "#resume-reason", "#resume-button", "#budget-amount", "#budget-button");
    assertThat(seen.indexOf("#resume-amount")).isLessThan(seen.indexOf("#resume-button"));
    assertThat(seen).doesNotContain("#pause-button"); // disabled while paused
  }

  /** The stream comes back by itself after the server goes away and returns, and says so. */
  @Test
  void reconnectsByItself() throws Exception {
    TokenMeter m = TokenMeter.builder().priceBook(DefaultPriceBook.load()).build();
    TokenMeterServer first = TokenMeterServer.builder(m).port(0).apiToken(TOKEN).build().start();
    int port = first.port();
    TokenMeterServer second = null;
    try {
      browser.driver.get(first.uri().toString());
      waitLive();
      first.close();
      new WebDriverWait(browser.driver, EVENTUALLY)
          .until(d -> !"live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
      assertThat(browser.driver.findElement(By.id("live-text")).getText()).isIn("Reconnecting…", "Disconnected, retrying", "Connecting…");

      second = TokenMeterServer.builder(m).port(port).apiToken(TOKEN).build().start();
      new WebDriverWait(browser.driver, Duration.ofSeconds(10))
          .until(ExpectedConditions.attributeToBe(By.id("live"), "data-state", "live"));
      assertThat(browser.driver.findElement(By.id("live-text")).getText()).isEqualTo("Live");
      String run = newRun();
      HTTP.send(
          HttpRequest.newBuilder(second.uri().resolve("/api/v1/usage"))
              .header("Authorization", "Bearer " + TOKEN)
              .POST(HttpRequest.BodyPublishers.ofString("{\"run\":\"" + run + "\",\"model\":\"claude-haiku-4-5\",\"inputTokens\":10}"))
              .build(),
          HttpResponse.BodyHandlers.ofString());
      waitFor(EVENTUALLY, By.cssSelector("li.run[data-run='" + run + "']"));
      new WebDriverWait(browser.driver, EVENTUALLY)
          .until(ExpectedConditions.invisibilityOfElementLocated(By.id("load-error")));
    } finally {
      first.close();
      if (second != null) {
        second.close();
      }
      m.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Every visible text below the WCAG AA ratio (4.5, or 3 for large text), as descriptions. */
  private static final String CONTRAST =
      String.join(
          "\n",
          "const parse = (s) => { const m = /rgba?\\(([^)]+)\\)/.exec(s || ''); if (!m) return null;",
          "  const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 }; };",
          "const lum = (rgb) => { const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });",
          "  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };",
          "const background = (el) => { const layers = [];",
          "  for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);",
          "    if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }",
          "  let out = [255, 255, 255]; for (const l of layers.reverse()) out = out.map((v, i) => l.rgb[i] * l.a + v * (1 - l.a)); return out; };",
          "const bad = [];",
          "for (const el of document.querySelectorAll('body *')) {",
          "  if (!([...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))) continue;",
          "  const r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;",
          "  if (el.closest('[hidden], .visually-hidden, :disabled, dialog:not([open])')) continue;",
          "  const cs = getComputedStyle(el); if (cs.visibility === 'hidden') continue;",
          "  const svg = el instanceof SVGElement;",
          "  const fg = parse(svg ? cs.fill : cs.color); const bg = background(svg ? el.closest('svg') : el);",
          "  const l1 = lum(fg.rgb), l2 = lum(bg); const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);",
          "  const size = parseFloat(cs.fontSize); const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);",
          "  if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''} '${el.textContent.trim().slice(0, 30)}' ${ratio.toFixed(2)}`);",
          "}",
          "return bad;");

  /**
   * Threshold markers that are not on the cost line. The call that crossed a threshold is a point
   * of the line at the same place (same time, same cost).
   */
  private static final String OFF_THE_LINE =
      "const pts = document.querySelector('svg.chart .cost-line').getAttribute('d').slice(1).split('L').map((p) => p.split(',').map(Number));"
          + "return [...document.querySelectorAll('svg.chart .marker.threshold circle')].map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"
          + ".filter(([x, y]) => !pts.some(([px, py]) => Math.abs(px - x) < 3 && Math.abs(py - y) < 1.5)).map(String);";

  /** Where the parts of the page are, rounded to the pixel. */
  private static final String BOXES =
      "return [...document.querySelectorAll('.card, li.run, .cell, .stat, .bar, .chart-box, .control, header, .view-head')]"
          + ".map((e) => { const r = e.getBoundingClientRect(); return [e.className, Math.round(r.left), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)].join(' '); });";

  private static String newRun() {
    return "run-" + RUNS.incrementAndGet();
  }

  private static void open(String path) {
    // A new document each time (a hash change alone would keep the page).
    browser.driver.get("about:blank");
    browser.driver.get(base.resolve("/").toString().replaceAll("/$", "") + path);
  }

  private static void waitLive() {
    new WebDriverWait(browser.driver, EVENTUALLY)
        .until(ExpectedConditions.attributeToBe(By.id("live"), "data-state", "live"));
  }

  private static void waitFor(Duration d, By by) {
    new WebDriverWait(browser.driver, d).until(ExpectedConditions.presenceOfElementLocated(by));
  }

  private static void waitForText(Duration d, By by, String text) {
    new WebDriverWait(browser.driver, d.isNegative() ? Duration.ZERO : d, Duration.ofMillis(20))
        .ignoring(StaleElementReferenceException.class)
        .withMessage(() -> "text of " + by + " to be '" + text + "'")
        .until(driver -> driver.findElements(by).stream().anyMatch(e -> e.getText().equals(text)));
  }

  private static void type(By by, String text) {
    WebElement e = browser.driver.findElement(by);
    e.clear();
    e.sendKeys(text);
  }

  private static void usage(String run, String subagent, String model, long in, long out) {
    usage(run, subagent, model, in, out, 0, 0, 0);
  }

  private static void usage(String run, String subagent, String model, long in, long out, long cacheRead, long write5m, long write1h) {
    String body =
        String.format(
            "{\"run\":\"%s\",\"session\":\"s-dashboard\",\"subagent\":\"%s\",\"model\":\"%s\",\"inputTokens\":%d,"
                + "\"outputTokens\":%d,\"cacheReadTokens\":%d,\"cacheWrite5mTokens\":%d,\"cacheWrite1hTokens\":%d}",
            run, subagent, model, in, out, cacheRead, write5m, write1h);
    call("POST", "/api/v1/usage", body);
  }

  private static void budget(String run, String usd) {
    // The run exists once it has usage; a tiny call first, then the budget.
    usage(run, "main", "claude-haiku-4-5", 1, 1);
    call("PUT", "/api/v1/runs/" + run + "/budget", "{\"budgetUsd\":\"" + usd + "\"}");
  }

  private static JsonNode status(String run) {
    try {
      HttpResponse<String> r =
          HTTP.send(HttpRequest.newBuilder(base.resolve("/api/v1/runs/" + run)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void call(String method, String path, String body) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(base.resolve(path))
                  .header("Authorization", "Bearer " + TOKEN)
                  .header("Content-Type", "application/json")
                  .method(method, HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The page's money format (format.js usd), for expected texts. */
  static String usd(String decimal) {
    BigDecimal v = new BigDecimal(decimal);
    boolean small = v.abs().compareTo(BigDecimal.ONE) < 0 && v.signum() != 0;
    if (!small) {
      return (v.signum() < 0 ? "−$" : "$") + String.format(java.util.Locale.ROOT, "%,.2f", v.abs().setScale(2, RoundingMode.HALF_UP));
    }
    BigDecimal r = v.abs().setScale(4, RoundingMode.HALF_UP);
    if (r.signum() == 0) {
      return v.signum() < 0 ? ">−$0.0001" : "<$0.0001";
    }
    if (r.compareTo(BigDecimal.ONE) >= 0) {
      return (v.signum() < 0 ? "−$" : "$") + "1.00";
    }
    String s = r.toPlainString().replaceAll("0{1,2}$", "");
    return (v.signum() < 0 ? "−$" : "$") + s;
  }
}
