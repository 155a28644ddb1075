/**
 * The timestamp formats the real API mixes (docs/kandji-api.md §5). The simulator writes each field in
 * the format the reference names for it, so the connector meets the same mess it meets on a real tenant.
 */

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parts(ms: number) {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  // Microseconds: the API prints six digits; we extend the millisecond with three stable digits.
  const micros = pad(d.getUTCMilliseconds(), 3) + pad(Math.abs(Math.floor(ms / 7)) % 1000, 3);
  return { date, time, micros };
}

/**
 * A formatter that remembers its recent results: a device's rows repeat the same few instants (created_at,
 * updated_at, last_collected_at on each of its ~60 Prism apps rows). Bounded: emptied when it holds 4096.
 */
function remembered(format: (ms: number) => string): (ms: number) => string {
  const recent = new Map<number, string>();
  return (ms) => {
    let text = recent.get(ms);
    if (text === undefined) {
      if (recent.size >= 4096) recent.clear();
      text = format(ms);
      recent.set(ms, text);
    }
    return text;
  };
}

/** T1 `2023-01-18T21:46:26.879113Z`: devices `last_check_in`, users, library items, audit `occurred_at`. */
export const t1 = remembered((ms) => {
  const { date, time, micros } = parts(ms);
  return `${date}T${time}.${micros}Z`;
});

/** T2 `2022-12-13 19:14:20.455640+00:00`: devices `first_enrollment`, details `mdm.*`. */
export function t2(ms: number): string {
  const { date, time, micros } = parts(ms);
  return `${date} ${time}.${micros}+00:00`;
}

/** T3 `2024-06-17 11:32:35+00:00`: details `kandji_agent.install_date`, ABM `device_assigned_date`. */
export function t3(ms: number): string {
  const { date, time } = parts(ms);
  return `${date} ${time}+00:00`;
}

/** T4 `2024-05-13 20:09:23 +0000`: details `installed_profiles[].install_date`. */
export function t4(ms: number): string {
  const { date, time } = parts(ms);
  return `${date} ${time} +0000`;
}

/** T5 `2021-05-11T19:45:19Z`: library `file_updated`, status `reported_at`. */
export function t5(ms: number): string {
  const { date, time } = parts(ms);
  return `${date}T${time}Z`;
}

/** T6 `2023-11-30T16:45:23.389926+00:00`: every Prism timestamp. */
export const t6 = remembered((ms) => {
  const { date, time, micros } = parts(ms);
  return `${date}T${time}.${micros}+00:00`;
});

/** T9 human text: details `general.time_since_boot` ("1 month ago"). */
export function timeAgo(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  const days = Math.round(hours / 24);
  if (days < 30) return days === 1 ? '1 day ago' : `${days} days ago`;
  const months = Math.round(days / 30);
  return months === 1 ? '1 month ago' : `${months} months ago`;
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
