// SPDX-License-Identifier: AGPL-3.0-or-later
// The public abuse-report form (spec/compliance.md §7, http-api.md §14.1): a category, the link
// with its key, a description and an optional contact. No account is needed and the reporter may
// stay anonymous. This is the one form whose body carries a link's key: the operator's inspector
// uses it, in memory only, to check the reported file against hash sets. A link page opens this
// form filled in ("Report this link"), so the key never passes through the address bar.

import { submitAbuseReport } from "../api/compliance.js";
import { markErrors, radioField, textField } from "./fields.js";
import { formStatus, isLinkUrl, refusal } from "./form-status.js";
import { el, main } from "./view.js";

const CATEGORIES = [
  ["csam", "child sexual abuse material"],
  ["violent_extremism", "terrorist or violent extremist content"],
  ["other_illegal", "other illegal content"],
];

function abuseFields(url) {
  return {
    category: radioField("category", "What does the link hold?", CATEGORIES),
    url: textField("report-url", "The link, in full", { value: url,
      hint: "With the part after #: it is the key, and it is sent to the operator so that the reported file " +
            "can be checked. The link stops working for everyone at once, until it is reviewed." }),
    description: textField("description", "What you saw (optional)", { kind: "textarea" }),
    contact: textField("report-contact", "Your e-mail address (optional)", { autocomplete: "email",
      hint: "Leave empty to stay anonymous; then you are not told the outcome." }),
  };
}

/** The form; `url` fills in the link when it comes from a link page. */
export function showAbuseForm(url = "") {
  const fields = abuseFields(url);
  const status = formStatus("report-status");
  const send = el("button", { type: "submit", id: "report-send", text: "Send the report" });
  const form = el("form", { id: "report-form", novalidate: "" },
    el("h1", { text: "Report illegal content" }),
    el("p", { class: "meta", text: "For copyright, use the copyright notice form instead." },
      " ", el("a", { href: "/app/notice", text: "Copyright notice" })),
    ...Object.values(fields).map((f) => f.node), el("p", {}, send), status.node);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const link = fields.url.value().trim();
    const errors = new Map();
    if (!link) errors.set("url", "Paste the link you are reporting.");
    else if (!isLinkUrl(link)) errors.set("url", "This is not a link (https://…/l/…#…).");
    if (markErrors(fields, errors)) {
      status.fail("The report is not complete: the marked field needs attention.");
      return;
    }
    send.disabled = true;
    status.progress("Sending the report…");
    const contact = fields.contact.value().trim();
    try {
      const receipt = await submitAbuseReport({ category: fields.category.value(), url: link,
        description: fields.description.value().trim(), contact: contact || null });
      main().replaceChildren(el("h1", { text: "Report received" }),
        el("p", { id: "report-receipt", role: "status", text: `Thank you. The link is disabled until it is ` +
          `reviewed. Your report's reference is ${receipt.report_id}.` }));
      main().focus();
    } catch (error) {
      const [field, text] = refusal(error);
      if (field) markErrors(fields, new Map([["url", text]]));
      status.fail(text);
      send.disabled = false;
    }
  });
  main().replaceChildren(form);
  fields.category.control.querySelector("input").focus();
}
