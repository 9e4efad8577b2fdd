"""Colour themes. States are always words too (ok, WARN, CRIT, STALE): colour only helps."""

from __future__ import annotations

from textual.theme import Theme

DEFAULT_THEME = "oncall-dark"

ONCALL_DARK = Theme(
    name="oncall-dark",
    primary="#4f9fe0",
    secondary="#3a6ea5",
    accent="#ffb454",
    warning="#ffb454",
    error="#ff5f6d",
    success="#5fcf80",
    foreground="#e6e6e6",
    background="#101214",
    surface="#181b1f",
    panel="#22262b",
)

# Pure black and white, saturated signal colours, no transparency: for tired eyes,
# bright rooms, and screens shared over a call.
HIGH_CONTRAST = Theme(
    name="high-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffff00",
    error="#ff3030",
    success="#00ff00",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#ffffff",
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        "footer-key-foreground": "#ffff00",
        "footer-description-foreground": "#ffffff",
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "border": "#ffffff",
        "border-blurred": "#ffffff",
        "input-selection-background": "#ffff00",
    },
)

THEMES = (ONCALL_DARK, HIGH_CONTRAST)
