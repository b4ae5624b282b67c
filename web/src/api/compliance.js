// SPDX-License-Identifier: AGPL-3.0-or-later
// The public compliance routes (http-api.md §14.1): no session, JSON sent with fetch (never a
// browser form submission: the client policy has form-action 'none'). A copyright notice names
// links without their keys; only an abuse report carries a link's key, in its body
// (compliance.md §7), so that the operator's inspector can check the reported file.

import { HttpError, request } from "./visitor.js";

const post = (body) => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** POST /v1/notices; answers { notice_id, state, missing, priority }. */
export async function submitNotice(notice) {
  return (await request("/v1/notices", post(notice))).json();
}

/** POST /v1/abuse-reports; answers { report_id, state }. */
export async function submitAbuseReport(report) {
  return (await request("/v1/abuse-reports", post(report))).json();
}

/** GET /v1/decisions/{puid}: a decision's public statement of reasons, or null if none is published. */
export async function publicDecision(puid) {
  try {
    return await (await request(`/v1/decisions/${puid}`)).json();
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null;
    throw error;
  }
}
