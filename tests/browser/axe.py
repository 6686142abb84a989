"""Accessibility audits in the browser tests: axe-core (vendored in tests/browser/vendor/)
run inside a Playwright page."""

from pathlib import Path

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
IMPACTS = ("minor", "moderate", "serious", "critical")


def run_axe(page, *, context: str = "document", least: str = "serious") -> list[dict]:
    """The violations axe-core finds in the page (or in the element the CSS selector
    `context` names) whose impact is `least` or worse: axe's own dicts, with "id", "impact",
    "help" and the offending "nodes".

    axe is evaluated through the DevTools protocol rather than added as a <script>, so the
    site's Content-Security-Policy (script-src 'self') does not block it.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate(
        """async (context) => {
            const target = context === "document" ? document : document.querySelector(context);
            const results = await window.axe.run(target, {resultTypes: ["violations"]});
            return results.violations;
        }""",
        context,
    )
    worst = IMPACTS[IMPACTS.index(least) :]
    return [v for v in violations if v["impact"] in worst]


def describe(violations: list[dict]) -> str:
    """One line per violation and offending element, for an assertion message."""
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at {node['target']}"
        for v in violations
        for node in v["nodes"][:5]
    )
