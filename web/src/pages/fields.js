// SPDX-License-Identifier: AGPL-3.0-or-later
// Labelled form fields with their own error line, for the public forms: every control has a
// <label>, an error is tied to its control with aria-describedby and aria-invalid, and the first
// field in error takes the focus so a keyboard or screen-reader user lands on it.

import { el } from "./view.js";

/** A text input or textarea (kind "text", "email", "textarea") with its label, hint and error line. */
export function textField(id, label, { kind = "text", hint = "", value = "", autocomplete = "off", rows = "3" } = {}) {
  const attrs = { id, name: id, autocomplete };
  const control = kind === "textarea" ? el("textarea", { ...attrs, rows }) : el("input", { ...attrs, type: kind });
  control.value = value;
  return wrap(id, control, el("label", { for: id, text: label }), hint);
}

/** A checkbox with its statement as the label. */
export function checkField(id, statement) {
  const control = el("input", { id, name: id, type: "checkbox" });
  return wrap(id, control, null, "", el("label", { for: id, class: "check" }, control, ` ${statement}`));
}

/** A group of radio buttons in a fieldset; options = [[value, text]]; the first is chosen. */
export function radioField(id, legend, options) {
  const box = el("fieldset", { id });
  box.append(el("legend", { text: legend }));
  options.forEach(([value, text], index) => {
    const input = el("input", { type: "radio", name: id, id: `${id}-${value}`, value });
    input.checked = index === 0;
    box.append(el("label", { for: `${id}-${value}`, class: "check" }, input, ` ${text}`));
  });
  const field = wrap(id, box, null, "");
  field.value = () => box.querySelector("input:checked")?.value ?? "";
  return field;
}

function wrap(id, control, label, hint, body = null) {
  const error = el("p", { id: `${id}-error`, class: "field-error", hidden: "" });
  const parts = [];
  if (label) parts.push(label);
  if (hint) {
    parts.push(el("p", { id: `${id}-hint`, class: "meta hint", text: hint }));
    control.setAttribute("aria-describedby", `${id}-hint`);
  }
  parts.push(body ?? control, error);
  const node = el("div", { class: "field", "data-field": id }, ...parts);
  const field = { node, control, error, hint: hint ? `${id}-hint` : "", value: () => control.value };
  // An error goes away as soon as the person changes that field.
  const clear = () => showFieldError(field, undefined);
  node.addEventListener("input", clear);
  node.addEventListener("change", clear);
  return field;
}

function showFieldError(field, text) {
  field.error.hidden = !text;
  field.error.textContent = text ?? "";
  const describedBy = [field.hint, text ? field.error.id : ""].filter(Boolean).join(" ");
  if (describedBy) field.control.setAttribute("aria-describedby", describedBy);
  else field.control.removeAttribute("aria-describedby");
  if (text) field.control.setAttribute("aria-invalid", "true");
  else field.control.removeAttribute("aria-invalid");
}

/** Show `messages` (Map of field id -> text) on their fields and clear every other error. */
export function markErrors(fields, messages) {
  let first = null;
  for (const [id, field] of Object.entries(fields)) {
    const text = messages.get(id);
    showFieldError(field, text);
    if (text && !first) first = field;
  }
  const focusable = first?.control.matches("fieldset") ? first.control.querySelector("input") : first?.control;
  focusable?.focus();
  return first !== null;
}

/** The lines of a textarea, trimmed, empty ones dropped. */
export function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}
