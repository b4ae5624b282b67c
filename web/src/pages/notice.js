// SPDX-License-Identifier: AGPL-3.0-or-later
// The public copyright-notice form (spec/compliance.md §3.1, http-api.md §14.1): every element of
// DMCA §512(c)(3) and DSA Art. 16(2), the §512(f) acknowledgement, and the scope asked for. No
// account is needed. The page checks the elements first and marks each missing one on its
// field; if the server still answers `incomplete`, its `missing` list is marked the same way.
// Link URLs are sent without their fragment: a notice names a link, never its key.

import { submitNotice } from "../api/compliance.js";
import { checkField, lines, markErrors, radioField, textField } from "./fields.js";
import { formStatus, isLinkUrl, refusal, withoutKey } from "./form-status.js";
import { el, main } from "./view.js";

/** What each element the API may name in `missing` asks of the person. */
export const MISSING = {
  "notifier.name": ["notifier-name", "Enter your full name, or your organisation's."],
  "notifier.contact": ["notifier-contact", "Enter an e-mail address or an https address where the decision can reach you."],
  signature: ["signature", "Type your full name: it is your electronic signature."],
  works: ["works", "Name at least one copyrighted work."],
  locators: ["locators", "Give at least one link of this server."],
  explanation: ["explanation", "Say why the material infringes your rights."],
  good_faith: ["good-faith", "Tick this statement: a notice without it cannot be acted on."],
  accurate_under_penalty: ["accurate", "Tick this statement: a notice without it cannot be acted on."],
  misrepresentation_acknowledged: ["misrepresentation", "Tick this acknowledgement: a notice without it cannot be acted on."],
};

function noticeFields() {
  return {
    "notifier-name": textField("notifier-name", "Your full name (or your organisation's)", { autocomplete: "name" }),
    "notifier-contact": textField("notifier-contact", "Your e-mail address (or an https address)", {
      kind: "text", autocomplete: "email", hint: "The decision and any counter-notice are sent here." }),
    role: radioField("role", "You are", [["principal", "the owner of the rights"], ["agent", "acting for the owner"]]),
    works: textField("works", "The copyrighted work(s)", { kind: "textarea",
      hint: "One per line: a title, an ISBN, the address of the original." }),
    locators: textField("locators", "The links on this server that infringe", { kind: "textarea",
      hint: "One link per line (…/l/…). Only the part before # is sent: the operator does not get the key." }),
    explanation: textField("explanation", "Why this material infringes", { kind: "textarea" }),
    scope: radioField("scope", "What should be taken down", [
      ["link", "only the links named"],
      ["file", "every link to the same stored file"],
      ["everywhere", "the stored file in every account that holds it, and every link to it"]]),
    "file-ids": textField("file-ids", "Files in a folder link (optional)", { kind: "textarea", rows: "2",
      hint: "Content ids, one per line, if only some files of a folder link infringe. Leave empty for the whole folder." }),
    "good-faith": checkField("good-faith", "I have a good-faith belief that the use of the material is not " +
      "authorised by the copyright owner, its agent, or the law."),
    accurate: checkField("accurate", "The information in this notice is accurate, and under penalty of perjury, " +
      "I am the owner, or authorised to act for the owner, of the rights said to be infringed."),
    misrepresentation: checkField("misrepresentation", "I understand that under 17 U.S.C. §512(f) I may be liable " +
      "for damages, including costs and attorneys' fees, if I knowingly misrepresent that material is infringing."),
    signature: textField("signature", "Signature: type your full name", { autocomplete: "name" }),
  };
}

/** The request body and the errors the page finds itself (the API's names and a few forms). */
export function readNotice(fields) {
  const value = (id) => fields[id].value().trim();
  const urls = lines(fields.locators.value());
  const fileIds = lines(fields["file-ids"].value());
  const body = {
    notifier: { name: value("notifier-name"), contact: value("notifier-contact"), role: fields.role.value() },
    signature: value("signature"), works: lines(fields.works.value()), locators: urls.map(withoutKey),
    explanation: value("explanation"), good_faith: fields["good-faith"].control.checked,
    accurate_under_penalty: fields.accurate.control.checked,
    misrepresentation_acknowledged: fields.misrepresentation.control.checked,
    scope: fields.scope.value(), file_ids: fileIds,
  };
  const errors = missingErrors(missingOf(body));
  const contact = body.notifier.contact;
  if (contact && !/^[^@\s]+@[^@\s]+$/.test(contact) && !/^https:\/\/\S+$/.test(contact)) {
    errors.set("notifier-contact", "This is neither an e-mail address nor an https address.");
  }
  const bad = urls.find((url) => !isLinkUrl(url));
  if (bad) errors.set("locators", `"${withoutKey(bad).slice(0, 80)}" is not a link (https://…/l/…).`);
  if (fileIds.some((id) => !/^[A-Za-z0-9_-]{22}$/.test(id))) {
    errors.set("file-ids", "A content id is 22 letters, digits, - or _.");
  }
  return { body, errors };
}

/** The elements compliance.md §3.1 requires that `body` lacks, by the API's names. */
function missingOf(body) {
  const checks = {
    "notifier.name": !body.notifier.name, "notifier.contact": !body.notifier.contact,
    signature: !body.signature, works: !body.works.length, locators: !body.locators.length,
    explanation: !body.explanation, good_faith: !body.good_faith,
    accurate_under_penalty: !body.accurate_under_penalty,
    misrepresentation_acknowledged: !body.misrepresentation_acknowledged,
  };
  return Object.keys(checks).filter((name) => checks[name]);
}

/** Field id -> message for the API's `missing` names. */
export function missingErrors(missing) {
  const errors = new Map();
  for (const name of missing) {
    const [id, text] = MISSING[name] ?? [null, null];
    if (id && !errors.has(id)) errors.set(id, text);
  }
  return errors;
}

export function showNoticeForm() {
  const fields = noticeFields();
  const status = formStatus("notice-status");
  const send = el("button", { type: "submit", id: "notice-send", text: "Send the notice" });
  const form = el("form", { id: "notice-form", novalidate: "" },
    el("h1", { text: "Report a copyright infringement" }),
    el("p", { class: "meta", text: "The operator cannot see what files contain: a notice names links of this " +
      "server, and the operator acts on the stored files they open. Every element below is required by law " +
      "(DMCA §512(c)(3), EU DSA Art. 16) unless marked optional. What you write is kept with the case and may " +
      "be sent to the person whose files you report." }),
    ...Object.values(fields).map((f) => f.node), el("p", {}, send), status.node);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendNotice(fields, status, send);
  });
  main().replaceChildren(form);
  fields["notifier-name"].control.focus();
}

async function sendNotice(fields, status, send) {
  const { body, errors } = readNotice(fields);
  if (markErrors(fields, errors)) {
    status.fail(`The notice is not complete: ${errors.size} field${errors.size === 1 ? " needs" : "s need"} attention.`);
    return;
  }
  send.disabled = true;
  status.progress("Sending the notice…");
  try {
    const receipt = await submitNotice(body);
    if (receipt.state === "incomplete") {
      markErrors(fields, missingErrors(receipt.missing));
      status.fail(`The server recorded your notice as incomplete (reference ${receipt.notice_id}), so nothing ` +
        "will be taken down yet. Fill in the marked elements and send it again: the same notice, sent " +
        "complete, completes this one under the same reference.");
      send.disabled = false;
      return;
    }
    showReceipt(receipt);
  } catch (error) {
    const [field, text] = refusal(error);
    if (field) markErrors(fields, new Map([[field, text]]));
    status.fail(text);
    send.disabled = false;
  }
}

function showReceipt(receipt) {
  const priority = receipt.priority === "high" ? " It is handled first, as a trusted flagger's." : "";
  main().replaceChildren(
    el("h1", { text: "Notice received" }),
    el("p", { id: "notice-receipt", role: "status", text: `Your notice was received. Its reference is ${receipt.notice_id}.` +
      " The operator reviews it and tells you the decision through the contact you gave." + priority }),
    el("p", {}, el("a", { href: "/app/notice", text: "Send another notice" })));
  main().focus();
}
