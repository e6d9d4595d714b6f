/** Shapes of the assessment API's student responses (docs/api.md). */

export interface Display {
  timezone: string;
  values: Record<string, string>;
}

export interface ExamEntry {
  exam_id: string;
  title: string;
  opens_at: string;
  closes_at: string;
  time_limit_seconds: number | null;
  grace_seconds: number;
  display: Display;
  attempt_state: "not_started" | "in_progress" | "paused" | "submitted" | "terminated";
  submission_id: string | null;
  results_released: boolean;
}

export interface Attempt {
  attempt_id: string;
  exam_id: string;
  student_id: string;
  status: "in_progress" | "paused" | "submitted" | "terminated";
  started_at: string;
  now: string;
  deadline: string;
  final_submit_at: string;
  remaining_seconds: number;
  paused_seconds: number;
  extension_seconds: number;
  question_count: number;
  submitted_at: string | null;
  late: boolean;
  auto_submitted: boolean;
  submission_id: string | null;
}

export interface QuestionView {
  id: string;
  type: string;
  title: string | null;
  text: string;
  text_format: string;
  points: number;
  [key: string]: unknown;
}

export interface SavedAnswer {
  seq: number;
  answer: unknown;
  saved_at: string;
}

export interface QuestionsView {
  attempt_id: string;
  questions: QuestionView[];
  saved_answers: Record<string, SavedAnswer>;
}

export interface Receipt {
  attempt_id: string;
  submission_id: string;
  received_at: string;
  submitted_at: string | null;
  late: boolean;
  auto_submitted: boolean;
  answers_digest: string;
  answer_count: number;
  duplicate?: boolean;
  answers?: Record<string, unknown>;
}

export interface StudentResult {
  attempt_id: string;
  status: "not_submitted" | "grading" | "graded";
  released: boolean;
  feedback_released: boolean;
  total: number | null;
  max_total: number | null;
  questions: { question_id: string; score: number; max_score: number; status: string; feedback: string[] | null }[];
}
