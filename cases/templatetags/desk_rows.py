"""``{% desk_item hazard group_key %}``: one row of the desk's inbox (cases/desk_inbox.html).

A desk page holds up to 50 reported hazards, each with its link, meta line, thumbnails, the likely duplicate's
form and the 不属实 form: about thirty values a row. Written by the template language they cost 0.3 ms a row,
most of the page's growth with its rows; written here, with the words, the token and the URL templates
(core.links) made once a page, a tenth of that. The markup is the template's, unchanged (tests/cases/test_desk_views.py reads it).
"""

from django import template
from django.template.backends.utils import csrf_input
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from catalogue.choices import Severity
from core.links import ID_SLOT, url_template

register = template.Library()

_PAGE = "desk_rows_page"


def _page(context):
    """What every row of the page shares, made at its first row."""
    page = context.render_context.get(_PAGE)
    if page is None:
        request = context["request"]
        page = context.render_context[_PAGE] = {
            "detail": url_template("cases:hazard_detail"),
            "duplicate_url": url_template("cases:hazard_duplicate"),
            "invalid_url": url_template("cases:hazard_invalid"),
            "csrf": csrf_input(request),
            "here": request.get_full_path(),
            "photo_alt": _("现场照片"),
            "duplicate": _("疑似重复"),
            "view": _("查看"),
            "mark_duplicate": _("标为重复"),
            "invalid_summary": _("不属实"),
            "invalid_reason": _("核实不属实的原因"),
            "invalid_button": _("核实不属实"),
        }
    return page


def _url(template, pk):
    return template.replace(ID_SLOT, str(pk))


def _thumbnails(photos, page):
    if not photos:
        return ""
    items = format_html_join(
        "",
        '<li><a href="{}" target="_blank" rel="noopener"><img src="{}" alt="{}" loading="lazy"></a></li>',
        ((photo.image.url, (photo.thumbnail or photo.image).url, page["photo_alt"]) for photo in photos[:4]),
    )
    return format_html('<ul class="desk-thumbs">{}</ul>', items)


def _duplicate(hazard, page):
    if not hazard.likely_duplicate_of_id:
        return ""
    number = hazard.likely_duplicate_of.number
    return format_html(
        '\n        <div class="desk-dup">\n'
        '          <span class="badge badge-due-soon">{}</span>\n'
        "          <span>{}</span>\n"
        '          <a href="{}">{}</a>\n'
        '          <form method="post" action="{}" class="inline">{}\n'
        '            <input type="hidden" name="duplicate_of" value="{}">\n'
        '            <input type="hidden" name="next" value="{}">\n'
        '            <button type="submit" class="btn btn-sm">{}</button>\n'
        "          </form>\n"
        "        </div>",
        page["duplicate"],
        _("与 %(number)s 同一单位、同一类别") % {"number": number},
        _url(page["detail"], hazard.likely_duplicate_of_id),
        page["view"],
        _url(page["duplicate_url"], hazard.pk),
        page["csrf"],
        number,
        page["here"],
        page["mark_duplicate"],
    )


@register.simple_tag(takes_context=True)
def desk_item(context, hazard, group_key):
    """The ``<li>`` of ``hazard`` in the group ``group_key``."""
    page = _page(context)
    meta = [format_html('<a href="{}" class="case-number">{}</a>', _url(page["detail"], hazard.pk), hazard.number)]
    if hazard.enterprise_id:
        meta.append(hazard.enterprise.name)
    if hazard.parcel_id:
        meta.append(hazard.parcel.code)
    if hazard.location_detail:
        meta.append(hazard.location_detail)
    meta += [str(hazard.reporter), timezone.localtime(hazard.reported_at).strftime("%m-%d %H:%M")]
    severity = ""
    if hazard.severity == Severity.MAJOR:
        severity = format_html('<span class="badge badge-major">{}</span> ', hazard.get_severity_display())
    return format_html(
        '<li class="desk-item{}">\n'
        '      <input type="checkbox" name="hazards" value="{}" form="aggregate-form" id="hazard-{}" data-group="{}">\n'
        '      <div class="desk-item-main">\n'
        '        <label for="hazard-{}"><span class="tag">{}</span>{}{}</label>\n'
        '        <div class="muted small">{}</div>\n'
        "        {}{}\n"
        "      </div>\n"
        '      <details class="desk-more">\n'
        "        <summary>{}</summary>\n"
        '        <form method="post" action="{}" class="desk-inline-form">{}\n'
        '          <input type="hidden" name="next" value="{}">\n'
        '          <label for="invalid-{}" class="sr-only">{}</label>\n'
        '          <input type="text" name="reason" id="invalid-{}" required maxlength="1000" placeholder="{}">\n'
        '          <button type="submit" class="btn btn-sm btn-outline-danger">{}</button>\n'
        "        </form>\n"
        "      </details>\n"
        "    </li>",
        " is-dup" if hazard.likely_duplicate_of_id else "",
        hazard.pk,
        hazard.pk,
        group_key,
        hazard.pk,
        hazard.category.name,
        severity,
        Truncator(hazard.description).chars(120),
        format_html_join(" · ", "{}", ((part,) for part in meta)),
        _thumbnails(hazard.desk_photos, page),
        _duplicate(hazard, page),
        page["invalid_summary"],
        _url(page["invalid_url"], hazard.pk),
        page["csrf"],
        page["here"],
        hazard.pk,
        page["invalid_reason"],
        hazard.pk,
        page["invalid_reason"],
        page["invalid_button"],
    )
