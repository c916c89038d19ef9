/**
 * The webhook secret `npm start` and the load generator fall back to when none is set, so a
 * fresh clone runs with no .env. It is public (.env.example, docker-compose.yml): the agent
 * accepts it only with APP_ENV=development and warns whenever it is in use.
 */
export const DEV_WEBHOOK_SECRET = 'dev-only-insecure-webhook-secret-change-me'

/** The development environment, the only one that may fall back to DEV_WEBHOOK_SECRET. */
export const DEV_APP_ENV = 'development'
