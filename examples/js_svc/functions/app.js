// Functions of the js_svc example: plain JavaScript, compiled with the QuickJS engine into a
// WebAssembly component (componentize-qjs). WIT records arrive as objects with camelCase
// members, enums as their case names, options as a value or null, and a `result` is
// answered by returning the ok value or throwing the error.
import { log } from "plinth:host/log@0.1.0";

const HIGH_RISK_COUNTRIES = new Set(["XX", "ZZ"]);

export function simpleSum(param1, param2) {
  return param1 + param2;
}

export function scoreOrder(order) {
  if (!(order.amount >= 0)) {
    throw `amount must be zero or more, got ${order.amount}`;
  }
  const reasons = [];
  let score = 0.05;
  if (order.amount > 1000) {
    score += 0.4;
    reasons.push("amount over 1000");
  } else if (order.amount > 300) {
    score += 0.15;
    reasons.push("amount over 300");
  }
  if (HIGH_RISK_COUNTRIES.has(order.country.toUpperCase())) {
    score += 0.35;
    reasons.push(`country ${order.country}`);
  }
  if (order.items.length > 10) {
    score += 0.1;
    reasons.push(`${order.items.length} items`);
  }
  if (order.coupon != null && order.coupon.startsWith("FREE")) {
    score += 0.1;
    reasons.push(`coupon ${order.coupon}`);
  }
  score = Math.min(1, Math.round(score * 100) / 100);
  const level = levelOf(score);
  log("info", `order of ${order.amount} from ${order.country}: ${level}`);
  return { score, level, reasons };
}

export function levelOf(score) {
  return score >= 0.5 ? "high" : score >= 0.2 ? "medium" : "low";
}

export function fail(message) {
  throw new Error(message);
}
