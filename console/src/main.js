// SPDX-License-Identifier: MIT
import "uplot/dist/uPlot.min.css";
import "./console.css";
import { h, render } from "preact";
import htm from "htm";
const html = htm.bind(h);
render(html`<p>entitled</p>`, document.getElementById("app"));
