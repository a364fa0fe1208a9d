// SPDX-License-Identifier: MIT
// html`...`: Preact elements from tagged templates (htm), so the sources need no JSX compiler.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
