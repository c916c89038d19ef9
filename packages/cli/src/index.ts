/**
 * The kit's commands a user runs against a stack: the doctor (every panel, rule and link checked
 * through Grafana's API), the drills (make one alert fire and see it arrive), and the generation
 * of every file drawn from the contract (`npm run docs`).
 */
export * from './doctor.ts'
export * from './drills.ts'
export * from './generate.ts'
