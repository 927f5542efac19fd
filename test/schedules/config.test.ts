import { describe, expect, it } from "vitest";
import { type ConfigError, loadConfig } from "../../src/config.js";

describe("schedule and digest settings", () => {
  it("defaults: 12 h of lateness, no seat price, USD", () => {
    const c = loadConfig({});
    expect(c.schedules).toEqual({ maxLateHours: 12 });
    expect(c.digest).toEqual({ seatPricePerYear: null, currency: "USD" });
  });

  it("reads them, and names every bad one", () => {
    const c = loadConfig({
      GONGOPS_SCHEDULE_MAX_LATE_HOURS: "6",
      GONGOPS_SEAT_PRICE_PER_YEAR: "1440.50",
      GONGOPS_CURRENCY: "eur",
    });
    expect(c.schedules.maxLateHours).toBe(6);
    expect(c.digest).toEqual({ seatPricePerYear: 1440.5, currency: "EUR" });
    try {
      loadConfig({
        GONGOPS_SCHEDULE_MAX_LATE_HOURS: "0",
        GONGOPS_SEAT_PRICE_PER_YEAR: "lots",
        GONGOPS_CURRENCY: "euro",
      });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        "GONGOPS_SCHEDULE_MAX_LATE_HOURS: expected a number above 0",
        "GONGOPS_SEAT_PRICE_PER_YEAR: expected a number above 0",
        "GONGOPS_CURRENCY: expected a three-letter currency code (USD, EUR, GBP…)",
      ]);
    }
  });
});
