/**
 * The `mqtt` action: each alert of a rule with `actions.mqtt` is published for integrators
 * through `@limen/sdk` (`fleet.alerts.publish`: `limen/v1/{site}/_alerts/{severity}/{trigger}`,
 * QoS 1, not retained). mqtt.js queues it while the broker is away; a publish that fails
 * anyway is logged, not retried: webhooks are the delivery that is kept and replayed.
 */
import type { AlertBody, FleetLogger, Unsubscribe } from '@limen/sdk';
import type { AlertRule } from '../store/index.js';
import type { AlertView } from './view.js';

export interface MqttAlerts {
  /** Resolves once every publish started so far has finished (tests and the bench wait on it). */
  idle(): Promise<void>;
  stop(): void;
}

export interface MqttAlertsOptions {
  /** Raised alerts (`AlertEngine.onAlert`). */
  source: { onAlert(listener: (alert: AlertView, rule: AlertRule) => void): Unsubscribe };
  fleet: { alerts: { publish(alert: AlertBody): Promise<void> } };
  logger?: FleetLogger;
}

export function startMqttAlerts(o: MqttAlertsOptions): MqttAlerts {
  const inFlight = new Set<Promise<void>>();
  const off = o.source.onAlert((alert, rule) => {
    if (!rule.actions.mqtt) return;
    const p = o.fleet.alerts
      .publish(alert as AlertBody)
      .catch((err: unknown) => o.logger?.warn({ err, alert: alert.id, rule: rule.id }, 'site: alert not published on MQTT'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  });
  return {
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    stop: off,
  };
}
