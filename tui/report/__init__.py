"""The post-incident report: impact from the metrics, the skeleton from the journal, the charts, Markdown and HTML.

Above the journal and the metrics (it reads both), below the launcher and the UI. No Textual here.
"""
