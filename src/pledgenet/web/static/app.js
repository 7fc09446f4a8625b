// pledgenet member node: small plain scripts (no framework, nothing fetched from elsewhere).
"use strict";

// Long operations: a form marked data-long shows a progress bar and disables its buttons while it runs.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-long")) return;
  const progress = form.querySelector(".progress");
  if (progress) progress.hidden = false;
  form.setAttribute("aria-busy", "true");
  for (const button of form.querySelectorAll("button")) button.disabled = true;
});

// The inclusion proof of a transaction, checked here in the browser: the envelope's leaf hash folded up
// its Merkle path must give the tx_root of the block header the page shows (RFC 6962 prefixes 0x00 / 0x01).
function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
function bytesToHex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}
async function sha256(parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) { buffer.set(part, offset); offset += part.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
}
async function checkProof(button) {
  const data = JSON.parse(document.getElementById(button.dataset.proof).textContent);
  const result = document.getElementById(button.dataset.result);
  const envelope = new TextEncoder().encode(data.proof.envelope);
  let current = await sha256([new Uint8Array([0]), envelope]);
  for (const [siblingIsLeft, siblingHex] of data.proof.tx_path) {
    const sibling = hexToBytes(siblingHex);
    current = siblingIsLeft
      ? await sha256([new Uint8Array([1]), sibling, current])
      : await sha256([new Uint8Array([1]), current, sibling]);
  }
  const ok = bytesToHex(current) === data.tx_root;
  result.textContent = ok ? data.ok_text : data.bad_text;
  result.className = ok ? "ok" : "bad";
}
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-proof]");
  if (button) checkProof(button);
});
