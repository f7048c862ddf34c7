"""The press book as a Word document (python-docx): the same content as the PDF, to edit.

Headings use Word's built-in styles, so the navigation pane lists the sections and the table
of contents is a real field: Word fills in its page numbers when the document is opened (it
asks to update the fields); until then it lists the sections. The month chart of the PDF is
given as its table. A logo in SVG is left out (Word documents take PNG or JPEG here).
"""

from __future__ import annotations

from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Mm, Pt, RGBColor

from models.pressbook import PressBook
from models.urls import web_link

from .pressbook_render import (
    COPY_MENTIONS,
    LOGO_TYPES,
    Look,
    Texts,
    book_title,
    clips_phrase,
    full_text,
    mentions,
    month_rows,
    quote_text,
    snapshot_url,
    subject,
    summary_rows,
    xml_text,
)

FONT = "Arial"  # Liberation Sans where Arial is missing: the same metrics
TITLE_FONT = "Georgia"
GREY = RGBColor(0x55, 0x55, 0x55)


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _set_cell_background(cell, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#").upper())
    properties.append(shading)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC…) with the text shown until Word updates it."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run._r.append(begin)
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    run = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _link(paragraph, url: str) -> None:
    """A clip's address: a link when it is a web address, else plain text (never a link that
    would run script)."""
    if web_link(url):
        _hyperlink(paragraph, url)
    else:
        _small(paragraph, url, colour=None)


def _hyperlink(paragraph, url: str, text: str | None = None) -> None:
    """An external link, shown as its address."""
    part = paragraph.part
    rel_id = part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel_id)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    colour = OxmlElement("w:color")
    colour.set(qn("w:val"), "1F4E79")
    properties.append(colour)
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.append(underline)
    run.append(properties)
    node = OxmlElement("w:t")
    node.set(qn("xml:space"), "preserve")
    node.text = xml_text(text or url)
    run.append(node)
    link.append(run)
    paragraph._p.append(link)


def _update_fields_on_open(document) -> None:
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _styles(document, look: Look) -> None:
    brand = _rgb(look.brand_colour)
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 30), ("Heading 1", 18), ("Heading 2", 12), ("Heading 3", 11)):
        style = document.styles[name]
        style.font.name = TITLE_FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = brand
        style.element.get_or_add_rPr()
    document.styles["Heading 2"].paragraph_format.space_before = Pt(10)
    document.styles["Heading 2"].paragraph_format.space_after = Pt(2)
    document.styles["Heading 3"].paragraph_format.space_before = Pt(8)


def _small(paragraph, text: str, bold: bool = False, colour: RGBColor | None = GREY, size=8):
    run = paragraph.add_run(xml_text(text))
    run.font.size = Pt(size)
    run.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _table(document, headers: list[str], rows: list, look: Look, footer=None) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _set_cell_background(cell, look.brand_colour)
        run = cell.paragraphs[0].add_run(header)
        run.bold, run.font.size = True, Pt(8.5)
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    for values in [*rows, *([footer] if footer else [])]:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(xml_text(str(value)))
            run.font.size = Pt(9)
            run.bold = values is footer
            if i:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


def _cover(document, book: PressBook, look: Look, texts: Texts) -> None:
    brand, accent = _rgb(look.brand_colour), _rgb(look.accent_colour)
    logo = look.logo(LOGO_TYPES)
    if logo:
        import io

        document.add_picture(io.BytesIO(logo[1]), height=Mm(22))
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(60)
    run = paragraph.add_run(xml_text(look.organisation_name.upper()))
    run.font.size, run.font.color.rgb, run.bold = Pt(13), accent, True
    title = document.add_paragraph(xml_text(book_title(book, texts)), style="Title")
    title.paragraph_format.space_before = Pt(24)
    paragraph = document.add_paragraph()
    run = paragraph.add_run(xml_text(subject(book, texts)))
    run.font.size, run.font.color.rgb = Pt(16), brand
    period = texts.period(*book.period)
    if period:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(24)
        run = paragraph.add_run(period)
        run.font.size, run.bold = Pt(15), True
    paragraph = document.add_paragraph()
    run = paragraph.add_run(
        f"{clips_phrase(texts, book.report['total'])} · {texts.status(book.options.status)}"
    )
    run.font.size, run.font.color.rgb = Pt(11), GREY
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(80)
    run = paragraph.add_run(texts.gettext("Edition of %(day)s", day=texts.day(book.made_at.date())))
    run.font.size, run.font.color.rgb = Pt(10), GREY
    document.add_page_break()


def _contents(document, book: PressBook, texts: Texts) -> None:
    document.add_paragraph(texts.gettext("Contents"), style="TOC Heading")
    names = [texts.gettext("Overview")] + [texts.section_title(s) for s in book.sections]
    paragraph = document.add_paragraph()
    _field(paragraph, 'TOC \\o "1-1" \\h \\z \\u', xml_text("\n".join(names)))
    document.add_page_break()


def _overview(document, book: PressBook, look: Look, texts: Texts) -> None:
    _ = texts.gettext
    rows = summary_rows(book, texts)
    document.add_heading(_("Overview"), level=1)
    lead = document.add_paragraph()
    period = texts.period(*book.period)
    _small(
        lead,
        " · ".join(
            x for x in (subject(book, texts), period, texts.status(book.options.status)) if x
        ),
        size=10,
    )
    _table(
        document,
        [label for label, _v in rows["key_figures"]],
        [[value for _l, value in rows["key_figures"]]],
        look,
    )
    document.add_heading(_("Coverage by medium"), level=3)
    headers = [_("Medium"), _("Clips"), _("Reach"), _("AVE (EUR)")]
    _table(document, headers, rows["media"], look, footer=rows["total"])
    note = document.add_paragraph()
    _small(
        note,
        _(
            "Reach: potential contacts, the sum of each clip's audience; a person reached by "
            "several clips is counted each time."
        )
        + " "
        + _(
            "AVE: advertising value equivalence at gross rate-card prices; it is not the value "
            "of communication (AMEC Barcelona Principles) and is read beside reach, message "
            "penetration and tone."
        ),
    )
    if book.month_keys:
        document.add_heading(_("Coverage by month and medium"), level=3)
        from models.base import Medium

        headers = [_("Month"), *(texts.medium(m) for m in Medium), _("Total")]
        _table(document, headers, month_rows(book, texts), look)
    document.add_heading(_("Message penetration"), level=3)
    if rows["messages"]:
        _table(
            document, [_("Key message"), _("Clips"), _("Share of clips")], rows["messages"], look
        )
    else:
        document.add_paragraph(_("No key message is set for this campaign."))
    document.add_heading(_("Tone"), level=3)
    _table(
        document,
        [label for label, _n in rows["tones"]] + [_("Tone index")],
        [[n for _l, n in rows["tones"]] + [texts.signed(book.report["tone_index"])]],
        look,
    )
    _small(
        document.add_paragraph(),
        _(
            "Tone index: positive clips less negative ones, over the clips whose tone is known "
            "(from −1 to +1)."
        ),
    )
    document.add_heading(_("Reach by scope"), level=3)
    _table(document, [_("Scope"), _("Clips"), _("Reach"), _("AVE (EUR)")], rows["scopes"], look)


def _entry(document, entry, book: PressBook, look: Look, texts: Texts) -> None:
    """Write one entry at the end of ``document``."""
    _ = texts.gettext
    clip = entry.clip
    brand, accent = _rgb(look.brand_colour), _rgb(look.accent_colour)
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    paragraph.paragraph_format.keep_with_next = True
    number = _small(paragraph, f"{entry.number}  ", bold=True, colour=brand)
    number.font.size = Pt(9)
    for i, (kind, text) in enumerate(mentions(clip, texts)):
        if i:
            _small(paragraph, " · ")
        run = _small(paragraph, text.upper() if kind == "outlet" else text, bold=kind == "outlet")
        if kind == "outlet":
            run.font.color.rgb = accent
        if kind == "author":
            run.italic = True
    heading = document.add_heading(xml_text(clip.title or _("Untitled")), level=2)
    heading.paragraph_format.keep_with_next = True
    paragraphs = full_text(entry, book)
    if entry.summary:
        document.add_paragraph(xml_text(entry.summary))
    elif entry.excerpt and not paragraphs:  # the text itself follows
        paragraph = document.add_paragraph()
        _small(paragraph, _("Excerpt:") + " ", bold=True)
        paragraph.add_run(xml_text(entry.excerpt))
    for quote in entry.quotes:
        said, who = quote_text(quote, texts)
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Mm(6)
        run = paragraph.add_run(xml_text(said))
        run.italic = True
        if who:
            _small(paragraph, f" — {who}")
    if entry.key_messages:
        paragraph = document.add_paragraph()
        _small(paragraph, _("Key messages:") + " ", bold=True)
        _small(paragraph, " · ".join(entry.key_messages), colour=None)
    if clip.url:
        paragraph = document.add_paragraph()
        _small(paragraph, _("Link:") + " ", bold=True)
        _link(paragraph, clip.url)
    if entry.has_snapshot:
        paragraph = document.add_paragraph()
        _small(paragraph, _("Archived copy:") + " ", bold=True)
        _hyperlink(paragraph, snapshot_url(clip, look))
    if entry.copies:
        paragraph = document.add_paragraph()
        _small(paragraph, _("Also in:"), bold=True)
        for copy in entry.copies:
            line = document.add_paragraph()
            line.paragraph_format.left_indent = Mm(6)
            line.paragraph_format.space_after = Pt(0)
            parts = [text for kind, text in mentions(copy, texts) if kind in COPY_MENTIONS]
            _small(line, "– " + ", ".join(parts), colour=None)
            if copy.url:
                _small(line, " — ")
                _link(line, copy.url)
    if paragraphs:
        paragraph = document.add_paragraph()
        _small(paragraph, _("Full text"), bold=True)
        for text in paragraphs:
            paragraph = document.add_paragraph(xml_text(text))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _header_footer(document, book: PressBook, look: Look, texts: Texts) -> None:
    section = document.sections[0]
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    _small(header, book_title(book, texts))
    _small(header, f" · {subject(book, texts)}")
    footer = section.footer.paragraphs[0]
    # The page number at the right margin, in place of the template's Letter-sized stops.
    stops = footer.paragraph_format.tab_stops
    for position in (Inches(3.25), Inches(6.5)):
        stops.add_tab_stop(position, WD_TAB_ALIGNMENT.CLEAR)
    stops.add_tab_stop(
        section.page_width - section.left_margin - section.right_margin, WD_TAB_ALIGNMENT.RIGHT
    )
    _small(footer, f"{look.organisation_name}\t")
    _field(footer, "PAGE", "1")
    _small(footer, " / ")
    _field(footer, "NUMPAGES", "1")


def write_docx(book: PressBook, look: Look, texts: Texts, out: BinaryIO) -> None:
    """Write the press book as DOCX to ``out``."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin, section.bottom_margin = Mm(20), Mm(18)
    _styles(document, look)
    properties = document.core_properties
    properties.title = xml_text(book_title(book, texts))
    properties.subject = xml_text(subject(book, texts))
    properties.author = look.organisation_name
    properties.language = texts.lang
    properties.comments = texts.period(*book.period)
    _header_footer(document, book, look, texts)
    _cover(document, book, look, texts)
    _contents(document, book, texts)
    _overview(document, book, look, texts)
    for section_ in book.sections:
        heading = document.add_heading(xml_text(texts.section_title(section_)), level=1)
        heading.paragraph_format.page_break_before = (
            section_.kind != "outlet" or section_ is book.sections[0]
        )
        for entry in section_.entries:
            _entry(document, entry, book, look, texts)
    if not book.sections:
        document.add_paragraph(texts.gettext("No coverage matches these choices."))
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(24)
    colophon = texts.gettext("The articles quoted remain the property of their publishers.")
    if book.options.full_text:
        colophon += " " + texts.gettext(
            "Full texts are reproduced under the reproduction rights held by %(organisation)s.",
            organisation=look.organisation_name,
        )
    _small(paragraph, colophon)
    _update_fields_on_open(document)
    document.save(out)
