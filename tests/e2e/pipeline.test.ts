/**
 * Native end to end: agent -> collector -> Tempo/Loki stand-ins and Prometheus, one run of
 * the scenario (pipeline/scenario.ts), then the claims by signal and by failure.
 */
import './pipeline/traffic.test.ts'
import './pipeline/traces.test.ts'
import './pipeline/logs.test.ts'
import './pipeline/metrics.test.ts'
import './pipeline/resilience.test.ts'
import './pipeline/content.test.ts'
