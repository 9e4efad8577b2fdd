"""The CSS of the screens shown after the picker, kept out of oncall.tcss so it is parsed when the
screen is first shown, not at start-up (Textual reads a widget's DEFAULT_CSS when the first one is
mounted; the app's CSS is parsed at start, and again when the theme is set).

Each screen sets SCOPED_CSS = False, so these selectors read as written (`IncidentScreen.-compact
#step-text`). As DEFAULT_CSS they give way to the app's CSS (oncall.tcss) on the same property, and
win over Textual's widget defaults by their id selectors.
"""

INCIDENT = """
#bar {
    height: 1;
    background: $panel;
    padding: 0 1;
}
#crumbs {
    height: 1;
    color: $text-muted;
    padding: 0 1;
}
#main {
    height: 1fr;
}
#step {
    width: 1fr;
    border: round $primary;
    padding: 0 1;
}
#side {
    width: 1fr;
}
#metrics {
    height: auto;
    max-height: 40%;
    border: round $secondary;
    padding: 0 1;
}
#output {
    height: 1fr;
    border: round $secondary;
}
#output-log {
    height: 1fr;
    background: $background;
}
#journal {
    height: 1fr;
    border: round $secondary;
}
#journal-sync {
    color: $warning;
    height: auto;
    padding: 0 1;
}
#journal-log {
    height: 1fr;
    background: $background;
    padding: 0 1;
}

#step-kind {
    color: $accent;
    text-style: bold;
}
#step-text {
    text-style: bold;
    color: $foreground;
    margin: 1 0 1 0;
}
#step-detail {
    color: $text-muted;
    margin-bottom: 1;
}
#step-evidence {
    margin-bottom: 1;
}
#step-choices {
    height: auto;
    margin-bottom: 1;
}
#step-checklist {
    height: auto;
    margin-bottom: 1;
}
/* a choice or checklist row: the key column stays put, the text wraps under itself */
.step-row {
    height: auto;
}
.row-key {
    width: 6;
}
.row-text {
    width: 1fr;
}
#step-commands {
    height: auto;
}
#step-commands .row-key {
    width: 2;
}
#step-commands {
    margin-bottom: 1;
}
#step-hint {
    color: $text-muted;
}

/* 80x24: no blank lines inside the step */
IncidentScreen.-compact #step-text {
    margin: 0;
}
IncidentScreen.-compact #step-detail,
IncidentScreen.-compact #step-evidence,
IncidentScreen.-compact #step-choices,
IncidentScreen.-compact #step-checklist,
IncidentScreen.-compact #step-commands {
    margin-bottom: 0;
}

/* the output pane's wrapping twin (W) */
#output-wrapped {
    height: 1fr;
    background: $background;
}
"""

PARAMS = """
#params {
    padding: 1 2;
}
#params-title {
    text-style: bold;
    color: $accent;
}
#params-summary {
    color: $text-muted;
    margin-bottom: 1;
}
#params-fields {
    height: auto;
    max-height: 1fr;
}
#params-hint {
    color: $text-muted;
    margin-top: 1;
}

/* the parameter form: one line per label, one per value, so a long form still fits 80x24 */
#params-fields Field {
    height: 1;
    border: none;
    padding: 0 1;
    background: $boost;
}
#params-fields Field:focus {
    background: $primary 30%;
}
#params-fields Label {
    margin-top: 0;
    width: 100%;  /* a long prompt wraps: cut at 80 columns, it lost the parameter's name */
}
#params-summary {
    max-height: 4;
}
ParamsScreen.-compact #params {
    padding: 0 1;
}
ParamsScreen.-compact #params-summary {
    max-height: 2;
}
"""

OUTPUT_VIEW = """
#output-view {
    padding: 0 1;
}
#output-view-title {
    height: 1;
    color: $accent;
}
#output-view-info {
    height: auto;
    max-height: 3;
    color: $text-muted;
}
#output-view-text {
    height: 1fr;
    border: round $secondary;
}
#output-view-search {
    height: 1;
    border: none;
    padding: 0 1;
    background: $boost;
}
#output-view-status {
    height: auto;
    color: $text-muted;
}
"""
