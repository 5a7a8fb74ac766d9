/**
 * Timer schedules. The timer extension accepts an NCRONTAB expression or a TimeSpan and otherwise
 * throws "The schedule expression '...' was not recognized as a valid cron expression or timespan
 * string." (src/WebJobs.Extensions/Extensions/Timers/Scheduling/TimerSchedule.cs of
 * Azure/azure-webjobs-sdk-extensions). We hold schedules to the six-field form the Functions docs
 * use ({second} {minute} {hour} {day} {month} {day-of-week},
 * https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions):
 * the extension also reads five fields (no seconds) and TimeSpans (App Service plans only), which the
 * local host does not run, so those are refused with a message saying so.
 */
import { NcrontabSchedule } from '../ncrontab';
import { FunctionMetadata, triggerBinding } from './metadata';
import type { Violation } from './violation';

const hostMessage = (schedule: string) =>
  `The schedule expression '${schedule}' was not recognized as a valid cron expression or timespan string.`;

export function scheduleProblem(schedule: string): string | undefined {
  try {
    new NcrontabSchedule(schedule);
    return undefined;
  } catch {
    const fields = schedule.trim().split(/\s+/).length;
    if (fields === 5)
      return `The schedule expression '${schedule}' has five fields: use the six-field form with seconds first, which the local host runs.`;
    if (/^(\d+\.)?\d{1,2}:\d{2}(:\d{2})?$/.test(schedule.trim()))
      return `The schedule expression '${schedule}' is a TimeSpan (App Service plans only): use a six-field NCRONTAB expression.`;
    return hostMessage(schedule);
  }
}

export function timerViolations(functions: readonly FunctionMetadata[]): Violation[] {
  return functions.flatMap((fn) => {
    const binding = triggerBinding(fn);
    if (binding?.type !== 'timerTrigger') return [];
    const problem = scheduleProblem(String(binding.schedule ?? ''));
    return problem ? [{ functionName: fn.name, rule: 'schedule' as const, message: problem }] : [];
  });
}
