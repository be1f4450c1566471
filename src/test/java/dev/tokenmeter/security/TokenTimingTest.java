package dev.tokenmeter.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenmeter.server.SecurityAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The token check must take the same time however long a prefix of the token a guess gets
 * right.
 *
 * <p>In CI: a structural check (both sides hashed to fixed-length SHA-256 digests, compared with
 * {@code MessageDigest.isEqual}) plus a short measurement with a wide tolerance, whose power is
 * shown on the same run by a deliberately leaky comparison that it must catch.
 *
 * <p>The statistic: the time of a batch of {@code BATCH} calls (so timer resolution does not
 * matter), for a guess matching 0 characters (A) and one matching all but the last (B),
 * interleaved in random order round by round so drift, GC and the neighbours' load hit both
 * alike; then the ratio of the medians of A and B. A median ignores the rounds a preemption or
 * GC hit (up to half of them), which a mean would not. The long run for the figures in
 * docs/reliability.md:
 *
 * <pre>mvn -q -o test -Dtest=TokenTimingTest -Dtokenmeter.timing.rounds=2001</pre>
 */
class TokenTimingTest {

  static final int BATCH = 64;
  /** A long token makes any per-character early exit large next to the noise. */
  static final String TOKEN = "t".repeat(4096);

  @Test
  void bothSidesAreHashedToFixedLengthDigestsAndComparedWithIsEqual() throws Exception {
    String src = Files.readString(Path.of("src/main/java/dev/tokenmeter/server/BearerToken.java"));
    assertThat(src).contains("MessageDigest.isEqual(digest, sha256(");
    assertThat(src).contains("MessageDigest.getInstance(\"SHA-256\")");
    assertThat(src).doesNotContainPattern("\\.equals\\((authorizationHeader|token)");
    // isEqual's own time depends only on the digest length, which is fixed: guesses of any length cost the same.
  }

  @Test
  void timeDoesNotDependOnHowLongAPrefixMatches() {
    int rounds = Integer.getInteger("tokenmeter.timing.rounds", 301);
    Predicate<String> real = SecurityAccess.bearerToken(TOKEN);
    String none = "Bearer " + "u" + TOKEN.substring(1);
    String allButLast = "Bearer " + TOKEN.substring(0, TOKEN.length() - 1) + "u";
    assertThat(real.test(none)).isFalse();
    assertThat(real.test(allButLast)).isFalse();
    assertThat(real.test("Bearer " + TOKEN)).isTrue();

    // The control: a comparison that stops at the first difference, measured the same way.
    Predicate<String> leaky = h -> h.startsWith("Bearer ") && earlyExitEquals(h, 7, TOKEN);

    double ratioReal = 0;
    double ratioLeaky = 0;
    // A measurement on a shared 2-core machine can be hit by a burst of the neighbours' work that
    // lasts longer than half the rounds; three tries keep that from failing the build.
    for (int attempt = 1; attempt <= 3; attempt++) {
      Sample s = measure(real, none, allButLast, rounds);
      Sample c = measure(leaky, none, allButLast, rounds);
      ratioReal = s.ratio();
      ratioLeaky = c.ratio();
      System.out.printf(
          "token timing (attempt %d, %d rounds of %d calls): BearerToken median %.0f ns vs %.0f ns per call (B/A %.3f),"
              + " trimmed means %.0f vs %.0f; early-exit control %.0f ns vs %.0f ns (B/A %.2f)%n",
          attempt, rounds, BATCH, s.medianA(), s.medianB(), ratioReal, s.trimmedA(), s.trimmedB(),
          c.medianA(), c.medianB(), ratioLeaky);
      if (Math.abs(ratioReal - 1) < 0.25 && ratioLeaky > 2) {
        break;
      }
    }
    assertThat(ratioLeaky).as("the method catches an early-exit comparison").isGreaterThan(2);
    assertThat(ratioReal).as("BearerToken: time of all-but-last over time of no-match").isBetween(0.75, 1.25);
  }

  record Sample(double medianA, double medianB, double trimmedA, double trimmedB) {
    double ratio() {
      return medianB / medianA;
    }
  }

  static Sample measure(Predicate<String> check, String a, String b, int rounds) {
    for (int i = 0; i < 2000; i++) { // warm-up: both paths compiled before measuring
      check.test(a);
      check.test(b);
    }
    long[] ta = new long[rounds];
    long[] tb = new long[rounds];
    Random order = new Random(42);
    boolean sink = false;
    for (int r = 0; r < rounds; r++) {
      boolean aFirst = order.nextBoolean();
      for (int k = 0; k < 2; k++) {
        boolean isA = (k == 0) == aFirst;
        String h = isA ? a : b;
        long t0 = System.nanoTime();
        for (int i = 0; i < BATCH; i++) {
          sink ^= check.test(h);
        }
        long dt = System.nanoTime() - t0;
        if (isA) {
          ta[r] = dt;
        } else {
          tb[r] = dt;
        }
      }
    }
    if (sink) {
      throw new AssertionError("a wrong guess matched");
    }
    return new Sample(median(ta) / BATCH, median(tb) / BATCH, trimmed(ta) / BATCH, trimmed(tb) / BATCH);
  }

  static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** The mean of the middle half (25 % trimmed from each side). */
  static double trimmed(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    int from = s.length / 4;
    int to = s.length - from;
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += s[i];
    }
    return sum / (to - from);
  }

  /** x from offset equals y, stopping at the first difference: the leak the real check must not have. */
  static boolean earlyExitEquals(String x, int offset, String y) {
    if (x.length() - offset != y.length()) {
      return false;
    }
    for (int i = 0; i < y.length(); i++) {
      if (x.charAt(offset + i) != y.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
