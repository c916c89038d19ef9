/**
 * Panel values, evaluated by promtool on synthetic series: one file of cases per dashboard
 * or concern (panels/), each runnable alone.
 */
import './panels/agent-overview.test.ts'
import './panels/genai.test.ts'
import './panels/errors.test.ts'
import './panels/restarts.test.ts'
import './panels/service-levels.test.ts'
import './panels/canary.test.ts'
