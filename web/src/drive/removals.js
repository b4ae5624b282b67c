// SPDX-License-Identifier: AGPL-3.0-or-later
// Items the operator removed after a decision (spec/compliance.md §3.4), told apart from items a
// server withholds, as the SDK's removals.py does. A listing may name a removed node with the
// public id (puid) of the decision that removed it; that is the server's claim, believed only when
// - the node is one the manifest lists and the server did not deliver;
// - the decision's statement of reasons is published under that puid (GET /v1/decisions/{puid})
//   and says that content was removed;
// - in the account's own drive, the decision is among the account's notices (/v1/notices/mine).
// A claim that fails any check leaves the item withheld, which is reported as tampering.

import { hex } from "../crypto/layout.js";
import { Change, commit } from "./changes.js";

export const REMOVED_VISIBILITY = "DECISION_VISIBILITY_CONTENT_REMOVED";
const PUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Reason codes as people read them (the server's own words are not trusted for this).
const REASON_WORDS = {
  copyright: "a copyright notice",
  csam: "an abuse report",
  violent_extremism: "an abuse report",
  other_illegal: "an abuse report",
};

function text(bytes) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return "";
  }
}

/**
 * decision(puid): the published statement ({ decision: {...} }) or null when none is published;
 * own(): the puids of the account's own notices, or null outside the account's own drive.
 */
export class RemovalCheck {
  #decision;
  #own;
  #ownPuids = null;
  #statements = new Map();

  constructor(decision, own = null) {
    this.#decision = decision;
    this.#own = own;
  }

  /**
   * The verified listing with each withheld item whose removal checks out moved to `removed`
   * ([{ nodeId, decision, reason, because }]); claims not believed are in `refused` and their
   * items stay withheld.
   */
  async confirm(verified, claims) {
    const withheld = new Set(verified.withheldIds.map(hex));
    const removed = [];
    const refused = [];
    for (const claim of claims) {
      const id = hex(claim.nodeId);
      if (!withheld.has(id) || removed.some((r) => hex(r.nodeId) === id)) continue;
      const decision = text(claim.decision);
      const reason = text(claim.reason);
      const why = await this.#refusal(decision);
      if (why) {
        refused.push({ nodeId: claim.nodeId, decision, why });
        continue;
      }
      removed.push({ nodeId: claim.nodeId, decision, reason, because: REASON_WORDS[reason] ?? "a decision" });
    }
    return { ...verified, removed, refused, withheld: verified.withheld - removed.length };
  }

  /** Why the claim is not believed, or null. */
  async #refusal(puid) {
    const statement = await this.#statement(puid);
    if (!statement) return "no decision is published under that id";
    const decision = statement.decision ?? {};
    if (decision.puid !== puid) return "the published decision has another id";
    if (decision.decision_visibility !== REMOVED_VISIBILITY) return "the published decision did not remove content";
    if (this.#own) {
      this.#ownPuids ??= await this.#own();
      if (!this.#ownPuids.has(puid)) return "the decision is not among this account's notices";
    }
    return null;
  }

  async #statement(puid) {
    if (!PUID.test(puid)) return null; // not a decision id at all (and never put into a request path)
    if (!this.#statements.has(puid)) this.#statements.set(puid, await this.#decision(puid));
    return this.#statements.get(puid);
  }
}

/** The public ids of the decisions among the account's notices (GET /v1/notices/mine). */
export async function ownDecisions(session) {
  const listed = await session.api.myNotices();
  const puids = (listed.cases ?? []).map((c) => c.decision?.puid).filter((p) => typeof p === "string");
  return new Set(puids);
}

/**
 * Acknowledge the removed items of a verified folder (compliance.md §3.4, "Acknowledging"): sign
 * its next manifest without them, as `sealbox notices acknowledge PATH` does. Items the server
 * withheld are never dropped this way (commit refuses). Answers the marks of the signed manifests.
 */
export async function acknowledgeRemovals(session, place) {
  const change = new Change();
  change.touch(place);
  return commit(session, change);
}
