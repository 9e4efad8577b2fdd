"""Where oncall acts, in words and colour, on every screen: the environment's name (red and marked
protected where danger commands need it typed), or NO ENVIRONMENT when environments are configured
but none is chosen. Colours are theme variables, so the high-contrast theme draws them too."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.app.shown import styled


def badge(environment: str, protected: bool) -> Content:
    if protected:
        return styled("[reverse $error b] ENV $env · PROTECTED [/]", env=environment)
    return styled("[reverse $success b] ENV $env [/]", env=environment)


def env_badge(settings: Any) -> Content | None:
    """The badge for these settings (an incident's, or the app's); None when no environments are configured."""
    if settings is None or not getattr(settings, "environments", None):
        return None
    env = settings.active_environment
    if env is None:
        return styled("[reverse $warning b] NO ENVIRONMENT [/]")
    return badge(env.name, env.protected)
