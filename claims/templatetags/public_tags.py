"""Template helpers of the public pages (claims.public)."""

from django import template
from django.utils.html import format_html

from claims.workflow import LABEL

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    """A claim's status as a badge, in words (never colour alone)."""
    return format_html('<span class="badge status-{}">{}</span>', status, LABEL.get(status, status))
