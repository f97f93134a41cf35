namespace Dreaming.AgentView.Rendering;

/// <summary>The view's one style sheet, served at <c>assets/agent-view.css</c> under the view (the pages' content
/// security policy allows styles from the app itself only, never inline).</summary>
internal static class AgentViewStyles
{
    /// <summary>The style sheet's path under the view.</summary>
    public const string Path = "assets/agent-view.css";

    /// <summary>The style sheet.</summary>
    public const string Css = """
        :root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --ok: #15803d; --bad: #b91c1c; --warn: #b45309; --run: #1d4ed8; }
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; }
        header { display: flex; gap: 1.5rem; align-items: baseline; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
        header h1 { font-size: 1.05rem; margin: 0; }
        header nav a { margin-right: 1rem; }
        main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
        h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
        h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; white-space: nowrap; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .muted { color: var(--muted); }
        .status { font-weight: 600; white-space: nowrap; }
        .status-completed, .status-approved, .status-active, .status-passed, .status-success { color: var(--ok); }
        .status-failed, .status-rejected, .status-failure, .status-error { color: var(--bad); }
        .status-blocked, .status-abandoned, .status-proposed, .status-warning { color: var(--warn); }
        .status-running { color: var(--run); }
        .empty { color: var(--muted); font-style: italic; }
        pre { white-space: pre-wrap; word-break: break-word; margin: .2rem 0; font-size: 13px; }
        .pager { margin-top: .8rem; }
        .error-message { color: var(--bad); }
        form.inline { display: inline; }
        .status-superseded, .status-retired, .status-canceled, .status-pending { color: var(--muted); }
        .status-quarantined { color: var(--bad); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
        tr.active-version { background: rgba(21, 128, 61, .08); } .marker { color: var(--ok); font-size: 12px; }
        .diff-added, table.diff-added td { border-left: 3px solid var(--ok); } .diff-removed, table.diff-removed td { border-left: 3px solid var(--bad); text-decoration: line-through; } .diff-changed td.before { color: var(--bad); } .diff-changed td.after { color: var(--ok); }
        form.review, form.scope-form { margin: .4rem 0; } form.review input[name=note] { width: 28rem; max-width: 100%; } .cap { color: var(--warn); } ul.evidence, ul.session-ids { margin: 0; padding-left: 1rem; }
        .cap-note { color: var(--warn); } .window-choices > * { margin-right: .6rem; }
        svg.chart { display: block; max-width: 100%; height: auto; margin: .4rem 0; } svg.chart text { fill: currentColor; } svg.chart line.grid { stroke: var(--line); }
        ul.legend { list-style: none; padding: 0; margin: .3rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; } .swatch { display: inline-block; width: .9rem; height: .9rem; margin-right: .35rem; vertical-align: -2px; border-radius: 2px; }
        .series-none { stroke: #6b7280; fill: #6b7280; background: #6b7280; } .series-0 { stroke: #2563eb; fill: #2563eb; background: #2563eb; } .series-1 { stroke: #dc2626; fill: #dc2626; background: #dc2626; } .series-2 { stroke: #16a34a; fill: #16a34a; background: #16a34a; } .series-3 { stroke: #9333ea; fill: #9333ea; background: #9333ea; }
        .series-4 { stroke: #ea580c; fill: #ea580c; background: #ea580c; } .series-5 { stroke: #0891b2; fill: #0891b2; background: #0891b2; } .series-6 { stroke: #db2777; fill: #db2777; background: #db2777; } .series-7 { stroke: #65a30d; fill: #65a30d; background: #65a30d; }
        form.filters { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: end; margin: .4rem 0 1rem; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .4rem 0; }
        dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
        .field { margin-right: .9rem; overflow-wrap: anywhere; } .field .label { color: var(--muted); white-space: nowrap; } .capped { color: var(--muted); font-size: 12px; } .unlinked { text-decoration: underline dotted; }
        td, dd, caption { overflow-wrap: anywhere; } td.num, td time, dd time { overflow-wrap: normal; }
        .failure { color: var(--bad); } .warning { color: var(--warn); } tr.event-failure { background: rgba(185, 28, 28, .07); }
        .cap-note, .cut-note { color: var(--warn); font-style: italic; }
        details summary { cursor: pointer; white-space: pre-wrap; word-break: break-word; }
        table.outcome { width: auto; margin-bottom: .4rem; } table.outcome caption { text-align: left; font-weight: 600; padding: .3rem 0; }
        .status-satisfied { color: var(--ok); } .status-max_iterations_reached, .status-interrupted, .status-needs_revision { color: var(--warn); }
        .verdict-met { color: var(--ok); } .verdict-not-met, .verdict-error { color: var(--bad); } .verdict-partial { color: var(--warn); } .verdict-skipped { color: var(--muted); }
        .status-delivered, .status-enabled { color: var(--ok); } .status-dead, .status-disabled { color: var(--bad); } .status-retrying { color: var(--warn); } .notice { color: var(--ok); } span.url { font-family: ui-monospace, monospace; }
        .criterion-tag { font-size: 12px; font-weight: normal; color: var(--muted); } .criterion-tag.required { color: var(--warn); } td.gate-failed { font-weight: 600; box-shadow: inset 3px 0 var(--bad); }
        """;
}
