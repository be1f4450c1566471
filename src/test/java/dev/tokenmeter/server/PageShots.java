package dev.tokenmeter.server;

import java.nio.file.Path;

/**
 * For looking at the page during development: screenshots of a running dashboard at both widths.
 * {@code PageShots URL OUTDIR [RUN]}; not a test.
 */
final class PageShots {

  private PageShots() {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    Path out = Path.of(args[1]);
    String run = args.length > 2 ? args[2] : null;
    try (DashboardBrowser b = new DashboardBrowser(1280, 900)) {
      for (int width : new int[] {1280, 390}) {
        b.resize(width, width == 390 ? 844 : 900);
        b.driver.get(base + "/");
        Thread.sleep(1500);
        b.screenshot(out.resolve("runs-" + width + ".png"));
        if (run != null) {
          b.driver.get(base + "/#/runs/" + run);
          Thread.sleep(1500);
          b.screenshot(out.resolve("run-" + width + ".png"));
        }
        System.out.println("width " + width + ": inner width "
            + b.driver.executeScript("return window.innerWidth") + ", console errors " + b.consoleErrors());
      }
    }
  }
}
