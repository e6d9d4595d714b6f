/** Shapes of the assessment API's proctor responses (docs/api.md). */

export interface Exam {
  exam_id: string;
  title: string;
  owner: string;
  opens_at: string;
  closes_at: string;
  display_timezone: string;
  time_limit_seconds: number | null;
  grace_seconds: number;
  question_count: number;
  roster: string[];
  accommodations: Record<string, { time_multiplier: number; extra_seconds: number }>;
  release_policy: string;
  released_at: string | null;
  key_version: number;
}

export type RosterState = "not_started" | "in_progress" | "paused" | "submitted" | "auto_submitted" | "terminated";

export interface RosterRow {
  student_id: string;
  on_roster: boolean;
  state: RosterState;
  deadline: string | null;
  remaining_seconds: number | null;
  extension_seconds: number;
  accommodation: { time_multiplier: number; extra_seconds: number };
  question_count: number;
  answered: number;
  last_saved_at: string | null;
  submitted_at: string | null;
  late: boolean;
}

export interface RosterView {
  exam_id: string;
  now: string;
  counts: Record<RosterState, number>;
  rows: RosterRow[];
}

export interface Monitor {
  graded: number;
  graded_on_cluster: number;
  graded_on_lambda: number;
  grading_backlog: number;
  oldest_pending_age_seconds: number;
  dead_letters: number;
  submitted: number;
  started: number;
}

export interface Decision {
  queue: string;
  present: boolean;
  effective_mode: string;
  effective_reason: string;
  reasons: string[];
  utilization: number | null;
  valid_until: string | null;
  expired: boolean;
  dry_run: boolean;
  policy: string | null;
}

/** `event: presence` of the monitor stream (docs/platform-services.md, Presence). */
export interface PresenceView {
  exam_id: string;
  at: string;
  online: string[];
  reconnecting: string[];
  lost_at: Record<string, string>;
  grace_seconds: number;
  ttl_seconds: number;
}
