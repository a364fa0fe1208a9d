// SPDX-License-Identifier: MIT
// The console's entry point: its styles (its own and uPlot's) and the app.
import "uplot/dist/uPlot.min.css";
import "./console.css";
import { render } from "preact";
import { html } from "./html.js";
import { App } from "./app.js";

render(html`<${App} />`, document.getElementById("app"));
