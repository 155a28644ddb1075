/**
 * `vulnerabilities`: one row per CVE detected in the fleet (docs/kandji-api.md §6.11, the Vulnerability Management add-on),
 * with how many devices and which software have it. Read in full every sync (at most 50 a page). Key: cve_id.
 */
import { array, integer, number, record, string, timestamp } from './schema.ts';

export const vulnerabilities = record({
  cve_id: string(),
  severity: string('Critical, High, Medium or Low'),
  cvss_score: number(),
  kev_score: number('Known exploited: 1 when listed in CISA KEV'),
  cve_link: string(),
  first_detection_date: timestamp(),
  latest_detection_date: timestamp(),
  device_count: integer(),
  software: array(string()),
  status: string(),
});
