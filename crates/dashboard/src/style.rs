//! The one style sheet of every page (served as `/style.css`): light and dark by
//! `prefers-color-scheme`, one column on a phone.

/// The style sheet.
pub(crate) fn sheet() -> String {
    format!("{BASE}{}", crate::report_html::STYLE)
}

const BASE: &str = r#":root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e;
  --line: #d1d9e0; --card: #f6f8fa; --accent: #0b62c4; --warn: #9a3412; --note: #fff8c5; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --card: #151b23;
    --accent: #4493f8; --warn: #f0883e; --note: #3b2e00; }
  .note { color: var(--muted); }
}
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
header.top { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; padding: 8px 16px;
  border-bottom: 1px solid var(--line); background: var(--card); }
header.top .brand { font-weight: 700; margin-right: 8px; }
header.top nav a { margin-right: 12px; text-decoration: none; }
header.top nav a.here { font-weight: 700; text-decoration: underline; }
header.top .who { margin-left: auto; color: var(--muted); font-size: 13px; }
header.top form { display: inline; }
main { padding: 12px 16px 32px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 21px; margin: 8px 0 12px; } h2 { font-size: 17px; margin-top: 24px; }
table.list { border-collapse: collapse; width: 100%; }
table.list th, table.list td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.list th { font-size: 13px; color: var(--muted); font-weight: 600; }
.wrap { overflow-x: auto; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
button.link { background: none; color: var(--accent); border: none; padding: 0; }
.pill { display: inline-block; padding: 0 6px; border-radius: 10px; border: 1px solid var(--line); font-size: 12px; margin: 0 2px 2px 0; }
.prio-high, .prio-urgent { color: var(--warn); font-weight: 600; }
.waiting-agent { color: var(--warn); }
.pager { margin-top: 12px; display: flex; gap: 12px; align-items: center; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.msg { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin: 8px 0; background: var(--card); }
.msg .meta { font-size: 12px; color: var(--muted); }
.msg .body { white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.customer { border-left: 4px solid var(--accent); }
.msg.agent { border-left: 4px solid #1a7f37; }
.msg.internal { background: var(--note); border-left: 4px solid #bf8700; }
.msg.bot, .msg.system { opacity: .85; }
.cols { display: grid; grid-template-columns: 2fr 1fr; gap: 24px; }
@media (max-width: 800px) { .cols { grid-template-columns: 1fr; } main { padding: 8px; }
  table.list th, table.list td { padding: 4px; } }
.login { max-width: 360px; margin: 10vh auto; padding: 24px; border: 1px solid var(--line); border-radius: 10px; background: var(--card); }
.login input { width: 100%; margin: 8px 0 12px; }
.error { color: var(--warn); }
pre.explain { white-space: pre-wrap; overflow-wrap: anywhere; }
"#;
