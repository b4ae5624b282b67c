// SPDX-License-Identifier: AGPL-3.0-or-later
// The counter-notice form (spec/compliance.md §4.2, http-api.md §14.2), for a logged-in user:
// pick the decision from the notices that concern your links and files, read its statement of
// reasons, and object with the elements of DMCA §512(g)(3). The answer is the restore window.

import { checkField, markErrors, textField } from "./fields.js";
import { formStatus, refusal } from "./form-status.js";
import { el, main, showError } from "./view.js";
import { explain } from "./messages.js";

const MISSING = {
  name: "Enter your full name.",
  address: "Enter your postal address.",
  phone: "Enter a telephone number.",
  statement: "Tick this statement: a counter-notice without it cannot be acted on.",
  consent: "Tick this statement: a counter-notice without it cannot be acted on.",
  service: "Tick this statement: a counter-notice without it cannot be acted on.",
  signature: "Type your full name: it is your electronic signature.",
};

const day = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

function counterFields() {
  return {
    name: textField("counter-name", "Your full name", { autocomplete: "name" }),
    address: textField("counter-address", "Your postal address", { kind: "textarea", autocomplete: "street-address" }),
    phone: textField("counter-phone", "Your telephone number", { kind: "tel", autocomplete: "tel" }),
    statement: checkField("counter-statement", "Under penalty of perjury, I have a good-faith belief that the " +
      "material was removed or disabled as a result of mistake or misidentification."),
    consent: checkField("counter-consent", "I consent to the jurisdiction of the Federal District Court for the " +
      "judicial district of my address (or, outside the United States, any judicial district in which the " +
      "service may be found)."),
    service: checkField("counter-service", "I will accept service of process from the person who sent the notice, " +
      "or their agent."),
    signature: textField("counter-signature", "Signature: type your full name", { autocomplete: "name" }),
  };
}

/** One case as a choice; only an actioned copyright case takes a counter-notice. */
function caseChoice(view) {
  const id = `case-${view.case_id}`;
  const open = view.kind === "copyright" && view.state === "actioned";
  const input = el("input", { type: "radio", name: "case", id, value: view.case_id });
  if (!open) input.disabled = true;
  const d = view.decision ?? {};
  const reason = d.illegal_content_explanation || d.decision_facts || "";
  return el("label", { for: id, class: "check case" }, input,
    ` ${view.kind === "copyright" ? "Copyright notice" : "Report"} received ${day(view.received_at)}: ` +
    `${view.state}${view.scope ? `, scope ${view.scope}` : ""}.`,
    reason ? el("span", { class: "meta", text: ` Reason given: ${reason}` }) : "",
    open ? "" : el("span", { class: "meta", text: " (no counter-notice possible in this state)" }));
}

/** After log-in: the account's cases, then the form. */
export async function showCounterForm(session) {
  let cases;
  try {
    cases = (await session.api.myNotices()).cases;
  } catch (error) {
    main().replaceChildren(el("h1", { text: "Counter-notice" }), el("p", { id: "status" }));
    showError(explain(error));
    return;
  }
  const choices = el("fieldset", { id: "cases" }, el("legend", { text: "The decision you object to" }),
    ...cases.map(caseChoice));
  if (!cases.some((c) => c.kind === "copyright" && c.state === "actioned")) {
    main().replaceChildren(el("h1", { text: "Counter-notice" }), choices, el("p", { id: "counter-none", role: "status",
      text: "No copyright decision about your links or files can take a counter-notice now." }));
    return;
  }
  const fields = counterFields();
  const status = formStatus("counter-status");
  const send = el("button", { type: "submit", id: "counter-send", text: "Send the counter-notice" });
  const form = el("form", { id: "counter-form", novalidate: "" },
    el("h1", { text: "Counter-notice" }), choices,
    el("p", { class: "meta", text: "If your files were taken down by mistake, you may object. Your name, " +
      "address and telephone number are sent to the person who sent the notice. Unless they tell the operator " +
      "that they have gone to court, your files are restored 10 to 14 business days after this counter-notice." }),
    ...Object.values(fields).map((f) => f.node), el("p", {}, send), status.node);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendCounter(session, choices, fields, status, send);
  });
  main().replaceChildren(form);
  choices.querySelector("input:not([disabled])").focus();
}

async function sendCounter(session, choices, fields, status, send) {
  const chosen = choices.querySelector("input:checked");
  const body = {
    signature: fields.signature.value().trim(), name: fields.name.value().trim(),
    address: fields.address.value().trim(), phone: fields.phone.value().trim(),
    statement_under_penalty: fields.statement.control.checked,
    consent_to_jurisdiction: fields.consent.control.checked, accepts_service: fields.service.control.checked,
  };
  const lacking = { name: !body.name, address: !body.address, phone: !body.phone,
    statement: !body.statement_under_penalty, consent: !body.consent_to_jurisdiction,
    service: !body.accepts_service, signature: !body.signature };
  const errors = new Map(Object.keys(lacking).filter((k) => lacking[k]).map((k) => [k, MISSING[k]]));
  if (markErrors(fields, errors) || !chosen) {
    if (!chosen) choices.querySelector("input:not([disabled])").focus();
    status.fail(chosen ? "The counter-notice is not complete: the marked fields need attention."
      : "Choose the decision you object to.");
    return;
  }
  send.disabled = true;
  status.progress("Sending the counter-notice…");
  try {
    const window = await session.api.counterNotice(chosen.value, body);
    main().replaceChildren(el("h1", { text: "Counter-notice sent" }),
      el("p", { id: "counter-receipt", role: "status", text: "Your counter-notice was sent to the person who sent " +
        `the notice. Unless they go to court, your files are restored between ${day(window.restore_not_before)} ` +
        `and ${day(window.restore_not_after)}.` }));
    main().focus();
  } catch (error) {
    status.fail(refusal(error)[1]);
    send.disabled = false;
  }
}
