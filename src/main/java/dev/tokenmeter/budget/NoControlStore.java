package dev.tokenmeter.budget;

import java.math.BigDecimal;
import java.util.Map;

enum NoControlStore implements ControlStore {
  INSTANCE;

  @Override
  public Map<String, RunControl> loadRuns() {
    return Map.of();
  }

  @Override
  public Map<String, BigDecimal> loadSessionBudgets() {
    return Map.of();
  }

  @Override
  public void saveRun(RunControl run) {}

  @Override
  public void deleteRun(String run) {}

  @Override
  public void saveSessionBudget(String session, BigDecimal budgetUsd) {}
}
