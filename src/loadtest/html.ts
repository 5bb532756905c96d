/**
 * The run's page: one self-contained HTML file a person opens offline, like
 * the story's graphs. Chart.js (its UMD build, read from node_modules when
 * the page is made: the bundler leaves it alone, and the page needs no
 * network) draws users → RPS and users → p99, one line per architecture;
 * below them the verdicts, the table and the run's cost.
 *
 * Once drawn, the page marks each canvas with how many pixels it inked
 * (`data-ink`) and the body with `data-charts-ready`: a headless browser's
 * DOM dump then tells whether the charts really rendered.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {costLine, groupByArch, int, maxAppCpu, msText, percentText, targetLines} from './format.js'
import type {LoadtestReport} from './types.js'

let chartJs: string | undefined

/**
 * Chart.js's UMD build. Its package exports only `.`, `./auto` and
 * `./helpers`, so the file is found beside the resolved main entry.
 */
export function chartJsSource(): string {
  if (chartJs === undefined) {
    const main = createRequire(import.meta.url).resolve('chart.js')
    const source = readFileSync(join(dirname(main), 'chart.umd.js'), 'utf8')
    // No source map offline; `</script` inside a string would end the inline script.
    chartJs = source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n').replaceAll('</script', '<\\/script')
  }
  return chartJs
}

const escapeHtml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')

/** JSON inside a <script> element: no `<` that could close it. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029')

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #1d2330; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.meta { color: #5b6475; }
.charts { display: grid; grid-template-columns: 1fr; gap: 18px; }
.chart { position: relative; height: 340px; border: 1px solid #e3e6ec; border-radius: 6px; padding: 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e3e6ec; text-align: right; white-space: nowrap; }
th:nth-child(-n+3), td:nth-child(-n+3), th:last-child, td.verdict { text-align: left; }
tr.first td { border-top: 2px solid #c9ced8; }
.bottleneck { font-weight: 600; }
ul.verdicts li { margin: 4px 0; }
`

/** The page's own script: the two charts, then the marks a headless check reads. */
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('fleet-data').textContent);
  var colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  function series(pick) {
    return data.archs.map(function (arch, i) {
      return {
        label: 'arch ' + arch.arch + ' (' + arch.lbType + ', ' + arch.apps + ' app' + (arch.apps === 1 ? '' : 's') + ')',
        data: arch.points.map(function (p) { return {x: p.users, y: pick(p)}; }),
        borderColor: colours[i % colours.length], backgroundColor: colours[i % colours.length],
        borderWidth: 2, pointRadius: 4, spanGaps: true
      };
    });
  }
  function chart(id, title, yTitle, pick) {
    return new Chart(document.getElementById(id), {
      type: 'line',
      data: {datasets: series(pick)},
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: {x: {type: 'linear', ticks: {precision: 0}, title: {display: true, text: 'users'}}, y: {beginAtZero: true, title: {display: true, text: yTitle}}},
        plugins: {title: {display: true, text: title}, legend: {position: 'bottom'}}
      }
    });
  }
  var charts = [
    chart('rps-chart', 'Users → requests per second', 'requests per second', function (p) { return p.rps; }),
    chart('p99-chart', 'Users → p99 latency', 'p99 (ms)', function (p) { return p.p99; })
  ];
  charts.forEach(function (c) {
    var canvas = c.canvas, pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data, ink = 0;
    for (var i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) ink++;
    canvas.setAttribute('data-ink', String(ink));
  });
  document.body.setAttribute('data-charts-ready', String(charts.length));
})();
`

/** What the page's script plots: per architecture, its points by users. */
function chartData(report: LoadtestReport) {
  return {
    archs: groupByArch(report).map(({info, steps}) => ({
      arch: info.arch,
      lbType: info.lbType,
      apps: info.apps.length,
      points: steps.map((s) => ({users: s.users, rps: s.rps, p99: s.latencyMs.p99})),
    })),
  }
}

function tableHtml(report: LoadtestReport): string {
  const head = ['arch', 'LB', 'apps', 'users', 'RPS', 'p99', 'errors', 'non-2xx', 'LB CPU', 'max app CPU', 'verdict']
  const rows: string[] = []
  for (const {info, steps, verdict} of groupByArch(report)) {
    steps.forEach((s, i) => {
      const cells = [
        i === 0 ? info.arch : '',
        i === 0 ? info.lbType : '',
        i === 0 ? info.apps.join(', ') : '',
        int(s.users), int(s.rps), msText(s.latencyMs.p99), int(s.errors), int(s.non2xx),
        percentText(s.cpu.lb), percentText(maxAppCpu(s)),
      ].map((c) => `<td>${escapeHtml(c)}</td>`)
      const last = i === steps.length - 1 && verdict ? `<span class="bottleneck">${escapeHtml(verdict.bottleneck)}</span>` : ''
      rows.push(`<tr${i === 0 ? ' class="first"' : ''}>${cells.join('')}<td class="verdict">${last}${s.aborted ? ' (interrupted)' : ''}</td></tr>`)
    })
  }
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`
}

/** The whole page, Chart.js inlined. */
export function renderHtml(report: LoadtestReport): string {
  const verdicts = report.verdicts
    .map((v) => `<li><b>arch ${escapeHtml(v.arch)}</b>: <span class="bottleneck">${escapeHtml(v.bottleneck)}</span>. ${escapeHtml(v.why)}</li>`)
    .join('\n')
  const target = targetLines(report).map((line) => line.replace(/^Target: /, ''))
  const meta = `${escapeHtml(target.length > 0 ? target.join(' · ') : report.target)} · engine ${escapeHtml(report.engine)} · think ${report.thinkMs} ms · ${report.durationMs / 1000} s per step`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleet loadtest ${escapeHtml(report.run)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>fleet loadtest ${escapeHtml(report.run)}</h1>
<p class="meta">${meta}${report.interrupted ? ' · <b>interrupted</b>: the steps measured before Ctrl-C' : ''}</p>
<div class="charts">
<div class="chart"><canvas id="rps-chart" role="img" aria-label="users to requests per second, one line per architecture"></canvas></div>
<div class="chart"><canvas id="p99-chart" role="img" aria-label="users to p99 latency, one line per architecture"></canvas></div>
</div>
<h2>Verdicts</h2>
<ul class="verdicts">
${verdicts}
</ul>
<h2>Steps</h2>
${tableHtml(report)}
<h2>Cost of the run</h2>
<p>${escapeHtml(costLine(report.cost))}</p>
<script id="fleet-data" type="application/json">${scriptJson(chartData(report))}</script>
<script>${chartJsSource()}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`
}
