/**
 * The kit's dashboards, alert rules, contact points and their README, as code: queries from
 * the telemetry contract, built with the Grafana Foundation SDK, written into grafana/ by
 * `npm run docs`; plus what checks them (the inventory of every query, Grafana's
 * interpolation), and the contract rendered for people and for Python.
 */
export * from './alerts.ts'
export * from './conditions.ts'
export * from './config.ts'
export * from './contract-doc.ts'
export * from './dashboards.ts'
export * from './generate.ts'
export * from './interpolate.ts'
export * from './inventory.ts'
export * from './python.ts'
export * from './python-contract.ts'
export * from './queries.ts'
export * from './readme.ts'
export * from './recording.ts'
export * from './recording-file.ts'
export * from './runbooks.ts'
export * from './slos.ts'
