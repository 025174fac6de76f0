"""The attendance certificate as a one-page PDF (reportlab), in the active language.

Names may carry letters beyond Latin-1 (Romanian, Polish, Vietnamese...): a Unicode TrueType
font is used when the machine has one (DejaVu Sans, Liberation Sans); otherwise Helvetica, with
letters it cannot draw reduced to their base letter rather than dropped.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from abri.training.models import Attendance, Audience, Topic
from abri.training.selectors import attendee_organisation_label

FONT_CANDIDATES = [
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
]
INK = colors.HexColor("#1d2a3a")
ACCENT = colors.HexColor("#1f5f8b")
MUTED = colors.HexColor("#5a6675")


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str, bool]:
    """(regular, bold, unicode): the fonts the certificate is written in."""
    candidates = list(FONT_CANDIDATES)
    configured = getattr(settings, "ABRI_PDF_FONTS", None)
    if configured:
        candidates.insert(0, tuple(configured))
    for regular, bold in candidates:
        if Path(regular).is_file() and Path(bold).is_file():
            pdfmetrics.registerFont(TTFont("AbriSans", regular))
            pdfmetrics.registerFont(TTFont("AbriSans-Bold", bold))
            return "AbriSans", "AbriSans-Bold", True
    return "Helvetica", "Helvetica-Bold", False


def _text(value: str) -> str:
    if fonts()[2]:
        return value
    out = []
    for char in value:
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def _hours(value: Decimal) -> str:
    number = formats.number_format(
        value.normalize() if value == value.to_integral() else value, use_l10n=True
    )
    return _("%(hours)s hours") % {"hours": number}


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def certificate_pdf(attendance: Attendance, *, viewer: Any, issued_on: datetime.date | None = None) -> bytes:
    """The certificate of one person present at a session, in the active language.

    ``viewer`` is who downloads it: the attendee's organisation is printed as they may read it
    (``selectors.attendee_organisation_label``: a partner reads "a shelter of the network" for
    a shelter worker; the attendee and the coordinators the real name).
    """
    issued_on = issued_on or timezone.localdate()
    regular, bold, _unicode = fonts()
    session = attendance.session
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    title = _("Certificate of attendance")
    pdf.setTitle(_text(f"{title} · {attendance.full_name}"))
    pdf.setAuthor("Abri")
    pdf.setSubject(_text(session.title))
    width, height = A4
    margin = 18 * mm

    # Frame: a thin double border.
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(2)
    pdf.rect(margin / 2, margin / 2, width - margin, height - margin)
    pdf.setLineWidth(0.6)
    pdf.rect(margin / 2 + 4, margin / 2 + 4, width - margin - 8, height - margin - 8)

    # Header band.
    y = height - margin - 8 * mm
    pdf.setFillColor(ACCENT)
    pdf.setFont(bold, 13)
    pdf.drawString(margin + 4 * mm, y, "Abri")
    pdf.setFillColor(MUTED)
    pdf.setFont(regular, 10)
    pdf.drawString(margin + 17 * mm, y, _text(_("Ac.Sé network")))

    # Title.
    y -= 30 * mm
    pdf.setFillColor(INK)
    pdf.setFont(bold, 26)
    pdf.drawCentredString(width / 2, y, _text(title))
    y -= 6 * mm
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(1.2)
    pdf.line(width / 2 - 30 * mm, y, width / 2 + 30 * mm, y)

    # Statement.
    y -= 18 * mm
    pdf.setFont(regular, 12)
    pdf.setFillColor(MUTED)
    trainer_name = session.trainer.name
    pdf.drawCentredString(width / 2, y, _text(_("%(trainer)s certifies that") % {"trainer": trainer_name}))
    y -= 14 * mm
    pdf.setFillColor(INK)
    pdf.setFont(bold, 22)
    for line in _wrap(_text(attendance.full_name), bold, 22, width - 2 * margin - 20 * mm):
        pdf.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    organisation = attendee_organisation_label(attendance, viewer)
    if organisation:
        pdf.setFont(regular, 13)
        pdf.setFillColor(MUTED)
        for line in _wrap(_text(organisation), regular, 13, width - 2 * margin - 20 * mm):
            pdf.drawCentredString(width / 2, y, line)
            y -= 6 * mm
    y -= 6 * mm
    pdf.setFont(regular, 12)
    pdf.setFillColor(INK)
    pdf.drawCentredString(width / 2, y, _text(_("attended the training session")))
    y -= 12 * mm
    pdf.setFont(bold, 16)
    quoted = _("“%(title)s”") % {"title": session.title}
    for line in _wrap(_text(quoted), bold, 16, width - 2 * margin - 20 * mm):
        pdf.drawCentredString(width / 2, y, line)
        y -= 7.5 * mm

    # Details.
    y -= 10 * mm
    where = _("Online") if session.online else session.place
    details = [
        (_("Topic"), str(Topic(session.topic).label)),
        (_("Audience"), str(Audience(session.audience).label)),
        (_("Date"), formats.date_format(session.starts_on, "DATE_FORMAT")),
        (_("Duration"), _hours(session.duration_hours)),
        (_("Place"), where),
        (_("Trainer"), trainer_name),
    ]
    label_x = margin + 28 * mm
    value_x = margin + 68 * mm
    value_width = width - value_x - margin - 10 * mm
    pdf.setStrokeColor(colors.HexColor("#d5dbe3"))
    pdf.setLineWidth(0.5)
    for label, value in details:
        pdf.setFont(regular, 11)
        pdf.setFillColor(MUTED)
        pdf.drawString(label_x, y, _text(label))
        pdf.setFillColor(INK)
        pdf.setFont(bold, 11)
        lines = _wrap(_text(value), bold, 11, value_width)
        for i, line in enumerate(lines):
            pdf.drawString(value_x, y - i * 5.5 * mm, line)
        y -= (len(lines) - 1) * 5.5 * mm
        pdf.line(label_x, y - 3 * mm, width - margin - 10 * mm, y - 3 * mm)
        y -= 10 * mm

    # The trainer's block, where a signature may go on a printed copy.
    block_x = width - margin - 80 * mm
    block_y = max(y - 12 * mm, margin + 48 * mm)
    pdf.setFont(regular, 10)
    pdf.setFillColor(MUTED)
    pdf.drawString(block_x, block_y, _text(_("For the trainer organisation")))
    pdf.setFillColor(INK)
    pdf.setFont(bold, 11)
    for i, line in enumerate(_wrap(_text(trainer_name), bold, 11, 76 * mm)):
        pdf.drawString(block_x, block_y - 6 * mm - i * 5.5 * mm, line)
    pdf.setStrokeColor(colors.HexColor("#9aa5b1"))
    pdf.line(block_x, block_y - 20 * mm, width - margin - 4 * mm, block_y - 20 * mm)

    # Footer.
    footer_y = margin + 10 * mm
    pdf.setFont(regular, 10)
    pdf.setFillColor(INK)
    pdf.drawString(
        margin + 4 * mm,
        footer_y + 8 * mm,
        _text(_("Issued on %(date)s") % {"date": formats.date_format(issued_on, "DATE_FORMAT")}),
    )
    pdf.drawRightString(
        width - margin - 4 * mm,
        footer_y + 8 * mm,
        _text(_("Certificate no. %(number)s") % {"number": attendance.certificate_number}),
    )
    pdf.setFont(regular, 8.5)
    pdf.setFillColor(MUTED)
    note = _(
        "This certificate is issued from the training record of the Ac.Sé network (Abri). "
        "The coordinating association can confirm it from its number."
    )
    for i, line in enumerate(_wrap(_text(note), regular, 8.5, width - 2 * margin - 8 * mm)):
        pdf.drawString(margin + 4 * mm, footer_y - i * 4.2 * mm, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
