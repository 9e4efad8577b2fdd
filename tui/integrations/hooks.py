"""The config's `hooks:`: commands (argv) or Apprise targets run on incident events.

Events: opened, severity_changed, contained, resolved, action_item. A command gets `${incident.*}` and
`${item.*}` values the way a runbook's `run:` argv gets parameters (tui/runbook/render.substitute): each
value stays inside its one argv element, no shell reads it, and a value that would start an element with
`-` is refused (the program would read it as an option). It runs through tui/launch (its own process
group, ended at the timeout, oncall's secrets kept out of its environment). A hook that prints a URL on
an action item has it recorded as the item's ticket link. A failing or hanging hook is one sentence in
the journal (a `hook` event); it never raises to the caller.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui.errors import OncallError
from tui.integrations.targets import check_written, notify_url, resolve, target_secrets
from tui.journal import ActionItem, Incident, Journal
from tui.runbook.render import substitute

HOOK_TIMEOUT = 30.0  # seconds: a hook that hangs is stopped, and the journal says so
DOTTED = re.compile(r"\$\$\{|\$\{((?:incident|item)\.[a-z_]+)\}")
URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class HookRun:
    event: str
    hook: tuple[str, ...]
    ok: bool
    sentence: str
    url: str | None = None


def hook_values(incident: Incident, item: ActionItem | None = None) -> dict[str, str]:
    values = {
        "incident.id": incident.id, "incident.title": incident.title, "incident.severity": incident.severity,
        "incident.severity_label": incident.severity_label, "incident.status": incident.status,
        "incident.impact": incident.impact or "", "incident.lead": incident.lead or "",
        "incident.detected_at": incident.detected_at or "", "incident.alert": incident.alert or "",
    }
    if item is not None:
        body = (f"Corrective action from incident {incident.id} ({incident.title}). "
                f"Owner: {item.owner or 'none'}. Due: {item.due or 'none'}.")
        values |= {"item.id": item.id, "item.title": item.text, "item.text": item.text, "item.body": body,
                   "item.owner": item.owner or "", "item.due": item.due or ""}
    return values


def render_hook(argv: tuple[str, ...], values: Mapping[str, str]) -> tuple[str, ...]:
    """The argv with values filled; a sentence for an unknown name or a value that would be read as an option."""
    out = []
    for arg in argv:
        def unknown(name: str) -> str:
            raise OncallError(f"the hook names ${{{name}}}, which oncall does not know; use ${{incident.*}} "
                              "or ${item.*} names from the README")

        filled = substitute(arg, values, missing=unknown, pattern=DOTTED)
        if filled.startswith("-") and not arg.startswith("-"):
            raise OncallError("a value starts with '-', so the program would read it as an option; the hook did not run")
        out.append(filled)
    return tuple(out)


def run_hook(event: str, hook: tuple[str, ...], values: Mapping[str, str], message: str, *,
             env: dict[str, str] | None = None, timeout: float = HOOK_TIMEOUT) -> HookRun:
    name = hook[0]
    if len(hook) == 1 and ("://" in name or name.startswith(("env:", "file:"))):
        return _notify(event, hook, message, env)
    try:
        argv = render_hook(hook, values)
    except OncallError as exc:
        return HookRun(event, hook, False, f"Hook {event} ({name}) did not run: {str(exc).rstrip('.')}.")
    from tui.launch import child_env, launch

    try:
        result = asyncio.run(launch(argv, timeout=timeout, env=child_env(env)))
    except OncallError as exc:
        return HookRun(event, hook, False, f"Hook {event} ({name}) did not run: {str(exc).rstrip('.')}.")
    output = result.output(head=20, tail=20, max_chars=500)
    if not result.ok:
        last = next((line for line in reversed(output.splitlines()) if line.strip()), "")
        said = f": {last.strip()[:200]}" if last else ""
        return HookRun(event, hook, False, f"Hook {event} ({name}) failed ({result.status}){said}.")
    urls = URL.findall(output)
    url = urls[-1].rstrip(".,;)") if urls else None
    return HookRun(event, hook, True, f"Hook {event} ({name}) ran" + (f" and printed {url}." if url else "."), url)


def _notify(event: str, hook: tuple[str, ...], message: str, env: dict[str, str] | None) -> HookRun:
    written = hook[0]
    try:
        check_written(written, f"hooks: {event}")
        target = resolve(written, env)
    except OncallError as exc:
        return HookRun(event, hook, False, f"Hook {event} ({written}) did not run: {str(exc).rstrip('.')}.")
    ok, said = notify_url(target.url, message, f"oncall: {event.replace('_', ' ')}", target_secrets([target]))
    if ok:
        return HookRun(event, hook, True, f"Hook {event} sent to {written}.")
    return HookRun(event, hook, False, f"Hook {event} could not send to {written}: {said}.")


def run_hooks(journal: Journal, incident_id: str, event: str, hooks: Mapping[str, Any], *,
              item: ActionItem | None = None, env: dict[str, str] | None = None,
              timeout: float = HOOK_TIMEOUT) -> list[HookRun]:
    """Run the hooks configured for `event` in turn; each is journaled, a printed URL goes on the item."""
    configured = tuple(hooks.get(event, ()))
    if not configured:
        return []
    incident = journal.incident(incident_id)
    values = hook_values(incident, item)
    message = _message(event, incident, item)
    runs = []
    for hook in configured:
        run = run_hook(event, tuple(hook), values, message, env=env, timeout=timeout)
        runs.append(run)
        data: dict[str, Any] = {"hook": event, "ok": run.ok, "argv": list(hook)}
        journal.add_event(incident_id, "hook", run.sentence, data)
        if run.url and item is not None:
            journal.add_event(incident_id, "action-item", f"Ticket for {item.text}: {run.url}",
                              {"item": item.id, "link": run.url})
    return runs


def _message(event: str, incident: Incident, item: ActionItem | None) -> str:
    head = f"{incident.severity_label} {incident.title} ({incident.id})"
    if event == "action_item" and item is not None:
        return f"{head}: new action item: {item.text} (owner {item.owner or 'none'}, due {item.due or 'none'})."
    return {"opened": f"{head} was opened.", "severity_changed": f"{head} is now {incident.severity}.",
            "contained": f"{head} is contained.", "resolved": f"{head} is resolved."}.get(event, f"{head}: {event}.")
