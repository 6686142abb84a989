"""Template helpers of the public pages (claims.public)."""

from django import template
from django.utils.html import format_html, format_html_join

from claims.workflow import LABEL

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    """A claim's status as a badge, in words (never colour alone)."""
    return format_html('<span class="badge status-{}">{}</span>', status, LABEL.get(status, status))


# A topic's page lists every country's position and a hundred changes: each row written in one
# format_html (its values escaped) rather than by the template engine's ~8 lookups per row,
# which took half of the page's time at 1M claims (bench/ANALYSIS.md, P13).


@register.simple_tag
def position_rows(shown) -> str:
    """The rows of a topic's positions table: country, position, since, standing, claim."""
    return format_html_join(
        "",
        '<tr data-country="{}"><td><a href="{}">{}</a></td><td>{}</td>'
        '<td><time datetime="{}">{}</time></td><td>{}</td><td><a href="{}">{}</a></td></tr>',
        (
            (
                stated.country,
                stated.country_path,
                stated.country_name,
                stated.position.label,
                stated.on_iso,
                stated.on_short,
                stated.standing,
                stated.claim_path,
                status_badge(stated.status),
            )
            for stated in shown
        ),
    )


@register.simple_tag
def timeline_items(timeline) -> str:
    """The items of a topic's timeline: when, which country, which position, the claim."""
    return format_html_join(
        "",
        '<li><time datetime="{}">{}</time>: <a href="{}">{}</a> — {} (<a href="{}">claim</a>, '
        "{})</li>",
        (
            (
                stated.on_iso,
                stated.on_long,
                stated.country_path,
                stated.country_name,
                stated.position.label,
                stated.claim_path,
                stated.standing,
            )
            for stated in timeline
        ),
    )
