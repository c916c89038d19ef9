/**
 * The tool's data: a `forecasts` table in PostgreSQL when DATABASE_URL is set (the preload's
 * pg instrumentation traces each query under the tool's span), a fixed answer otherwise.
 */
import pg from 'pg'

const pool = process.env.DATABASE_URL
  ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 })
  : undefined

export async function lookupForecast(city: string): Promise<string> {
  if (!pool) return city.length % 2 ? 'sunny' : 'raining'
  const { rows } = await pool.query<{ forecast: string }>(
    'SELECT forecast FROM forecasts WHERE city = $1',
    [city],
  )
  return rows[0]?.forecast ?? 'unknown'
}
