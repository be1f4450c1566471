package dev.tokenmeter.budget;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pause breakpoint of one run and the three ways an orchestrator meets it at a safe point:
 * {@link #checkpoint()} throws, {@link #await(Duration)} blocks, {@link #whenOpen()} returns a
 * stage that completes on resume. The call in flight is never interrupted.
 */
public final class RunGate {

  private final String run;
  private volatile Breakpoint breakpoint;
  private volatile CompletableFuture<Void> opened = CompletableFuture.completedFuture(null);

  public RunGate(String run) {
    this.run = run;
  }

  /** The breakpoint in force, or null when the gate is open. */
  public Breakpoint breakpoint() {
    return breakpoint;
  }

  public boolean isPaused() {
    return breakpoint != null;
  }

  /** Closes the gate; returns false (and changes nothing) when it was closed already. */
  public synchronized boolean pause(Breakpoint bp) {
    if (breakpoint != null) {
      return false;
    }
    opened = new CompletableFuture<>();
    breakpoint = bp;
    return true;
  }

  /** Opens the gate; returns the breakpoint it cleared, or null when it was open. */
  public Breakpoint open() {
    CompletableFuture<Void> waiting;
    Breakpoint cleared;
    synchronized (this) {
      cleared = breakpoint;
      if (cleared == null) {
        return null;
      }
      breakpoint = null;
      waiting = opened;
    }
    // Complete outside the monitor: dependent stages run here and must not hold the gate.
    waiting.complete(null);
    return cleared;
  }

  /** Returns when open; throws {@link RunPausedException} while paused. */
  public void checkpoint() {
    Breakpoint bp = breakpoint;
    if (bp != null) {
      throw new RunPausedException(run, bp);
    }
  }

  /**
   * Blocks until the gate is open or the timeout passes; true when open.
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public boolean await(Duration timeout) throws InterruptedException {
    CompletableFuture<Void> f = opened;
    if (f.isDone()) {
      return true;
    }
    try {
      f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * A stage that completes when the gate is open: at once when it is open now. The stage is a
   * copy, so a caller cannot complete it for everyone.
   */
  public CompletionStage<Void> whenOpen() {
    return opened.copy();
  }
}
